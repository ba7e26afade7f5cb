"""``python -m stackfile check stacks/<stack>.yaml`` validates a stack file without Pulumi;
``python -m stackfile schema`` prints the JSON Schema (to regenerate stackfile.schema.json);
``python -m stackfile topics [--api-version V]`` lists the subscribable topics with the scopes they need."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shopify_api.topics import STABLE_API_VERSIONS, SUPPORTED_API_VERSIONS, known_topics, scope_alternatives

from .errors import StackFileError
from .load import load_stack_file
from .schema import render_schema


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stackfile", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate stack files and report every problem")
    check.add_argument("paths", nargs="+", type=Path)
    commands.add_parser("schema", help="print the stack file JSON Schema")
    topics_command = commands.add_parser(
        "topics", help="list the subscribable topics and the scopes they need"
    )
    topics_command.add_argument(
        "--api-version", default=STABLE_API_VERSIONS[-1], choices=SUPPORTED_API_VERSIONS
    )
    args = parser.parse_args(argv)

    if args.command == "schema":
        sys.stdout.write(render_schema())
        return 0
    if args.command == "topics":
        for topic in sorted(known_topics(args.api_version)):
            scopes = " | ".join(sorted(scope_alternatives(topic))) or "(no scope)"
            print(f"{topic:<55} {scopes}")
        return 0
    failed = False
    for path in args.paths:
        try:
            spec = load_stack_file(path)
        except StackFileError as exc:
            failed = True
            count = len(exc.problems)
            print(f"{path}: {count} problem{'s' if count != 1 else ''}:\n\n{exc}\n", file=sys.stderr)
        else:
            topics = sum(len(shop.topics) for shop in spec.shops)
            print(f"{path}: OK ({len(spec.shops)} shops, {topics} subscriptions, API {spec.api_version})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
