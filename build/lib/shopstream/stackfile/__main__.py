"""``python -m shopstream.stackfile check stacks/<stack>.yaml`` validates a stack file without Pulumi;
``python -m shopstream.stackfile schema`` prints the JSON Schema (to regenerate stackfile.schema.json);
``python -m shopstream.stackfile topics [--api-version V]`` lists the subscribable topics with the scopes
they need;
``python -m shopstream.stackfile versions`` lists the API versions Shopify serves today."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shopstream.shopify_api import versions
from shopstream.shopify_api.topics import known_topics, scope_alternatives

from .errors import StackFileError
from .findings import printable
from .load import load_stack_file
from .schema import render_schema


def main(argv: list[str] | None = None) -> int:
    today = versions.today_utc()
    parser = argparse.ArgumentParser(prog="python -m shopstream.stackfile", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate stack files and report every problem")
    check.add_argument("paths", nargs="+", type=Path)
    commands.add_parser("schema", help="print the stack file JSON Schema")
    commands.add_parser("versions", help="list the Admin API versions Shopify serves today")
    topics_command = commands.add_parser(
        "topics", help="list the subscribable topics and the scopes they need"
    )
    topics_command.add_argument(
        "--api-version", default=versions.latest_stable(today), choices=versions.supported_versions(today)
    )
    args = parser.parse_args(argv)

    if args.command == "schema":
        sys.stdout.write(render_schema())
        return 0
    if args.command == "versions":
        stable = versions.stable_versions(today)
        for version in versions.supported_versions(today):
            if version in stable:
                retired = versions.retirement_date(version)
                role = f"stable, served until {retired:%Y-%m-%d}" if retired else "stable"
                role += " (latest)" if version == stable[-1] else ""
            elif version == versions.UNSTABLE:
                role = "unstable (changes without notice)"
            else:
                role = "release candidate"
            print(f"{version:<10} {role}")
        return 0
    if args.command == "topics":
        for topic in sorted(known_topics(args.api_version, today)):
            scopes = " | ".join(sorted(scope_alternatives(topic))) or "(no scope)"
            print(f"{topic:<55} {scopes}")
        return 0
    failed = False
    for path in args.paths:
        shown = printable(str(path))
        try:
            spec = load_stack_file(path, today=today)
        except StackFileError as exc:
            failed = True
            count = exc.count
            print(f"{shown}: {count} problem{'s' if count != 1 else ''}:\n\n{exc}\n", file=sys.stderr)
        else:
            topics = sum(len(shop.topics) for shop in spec.shops)
            print(
                f"{shown}: OK ({len(spec.shops)} shops, {topics} subscriptions, API {spec.api_version}, "
                f"{spec.api})"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
