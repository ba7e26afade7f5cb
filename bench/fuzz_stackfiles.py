"""Fuzz benchmark of the stack-file loader (issue 9): hostile and generated files, every outcome counted.

    .venv/bin/python -m bench.fuzz_stackfiles [--count 10000] [--seed 7] [--today 2026-12-01]

Generates ``count`` stack files with hypothesis (``tests/stackfile/strategies.py``; the seed makes the run
repeatable): a third valid files built from the rules, a third valid files with one certain defect, a third
hostile (random bytes and text, mutated files, random YAML trees, deep nesting, aliases, up to ~1 MB).
Each is written to a temporary ``stacks/`` directory and loaded with
``shopstream.stackfile.load.load_stack_file``.
Prints a Markdown table:

* files             files loaded (valid / invalid / hostile)
* tracebacks        loads that raised anything but StackFileError (goal 0)
* unprintable       StackFileError texts that are not valid UTF-8 or hold control characters (goal 0)
* files over 1 s    loads that took more than a second of CPU time (goal 0). CPU time of this process,
                    because the machine is shared: wall time also counts the waits for a core
* invalid accepted  files built with a defect that loaded without error (goal 0); the oracle is the
                    generator, independent of the loader
* valid refused     files built valid that the loader refused (goal 0: a generator or loader bug)
* max / p99         CPU seconds per load, and the wall-clock maximum for comparison

The generator's objects are frozen out of the GC before each load, so that a load pays only for
itself (the loader pauses the cyclic GC while it runs, see ``shopstream.stackfile.load``).

``measure(count, seed)`` returns the same figures as a dict (``bench.faults`` puts them in its table).
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import traceback
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed

from shopstream.stackfile.errors import StackFileError
from shopstream.stackfile.load import load_stack_file
from tests.stackfile.strategies import Case, cases

SLOW_SECONDS = 1.0
DEFAULT_TODAY = date(2026, 12, 1)


def _printable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    # Problems are separated by blank lines; nothing else may be a control character.
    return not any((ord(ch) < 32 and ch != "\n") or 0x7F <= ord(ch) <= 0x9F for ch in text)


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure(count: int = 10_000, seed: int = 7, today: date = DEFAULT_TODAY) -> dict[str, Any]:
    """Load ``count`` generated files; the figures of the table."""
    kinds: Counter[str] = Counter()
    cpu: list[float] = []
    wall: list[float] = []
    tracebacks: list[str] = []
    unprintable = 0
    invalid_accepted: Counter[str] = Counter()
    valid_refused: list[str] = []
    slowest: list[tuple[float, str, int, bytes]] = []

    with tempfile.TemporaryDirectory(prefix="fuzz-stackfiles-") as tmp:
        path = Path(tmp) / "stacks" / "fuzz.yaml"
        path.parent.mkdir()

        def run(case: Case) -> None:
            nonlocal unprintable
            kinds[case.kind] += 1
            path.write_bytes(case.data)
            gc.freeze()  # the generator's heap is not the loader's to scan (cheap, unlike gc.collect)
            started_cpu, started_wall = time.process_time(), time.perf_counter()
            outcome: str | None = None
            try:
                load_stack_file(path, today=today)
            except StackFileError as error:
                outcome = str(error)
            except Exception:  # counting them is the point
                tracebacks.append(traceback.format_exc(limit=-3))
                outcome = ""
            cpu.append(time.process_time() - started_cpu)
            slowest.append(
                (
                    cpu[-1],
                    case.kind + (f" ({case.defect})" if case.defect else ""),
                    len(case.data),
                    case.data[:60],
                )
            )
            slowest.sort(reverse=True)
            del slowest[3:]
            wall.append(time.perf_counter() - started_wall)
            if outcome and not _printable(outcome):
                unprintable += 1
            if case.kind == "invalid" and outcome is None:
                invalid_accepted[case.defect] += 1
            if case.kind == "valid" and outcome is not None and len(valid_refused) < 5:
                valid_refused.append(outcome.splitlines()[0] if outcome else "traceback")
            elif case.kind == "valid" and outcome is not None:
                valid_refused.append("")

        test = settings(
            max_examples=count,
            database=None,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )(given(cases(today))(run))
        hypothesis_seed(seed)(test)()

    return {
        "files": sum(kinds.values()),
        "valid / invalid / hostile": f"{kinds['valid']} / {kinds['invalid']} / {kinds['hostile']}",
        "tracebacks": len(tracebacks),
        "unprintable": unprintable,
        "files over 1 s": sum(1 for seconds in cpu if seconds > SLOW_SECONDS),
        "invalid accepted": sum(invalid_accepted.values()),
        "valid refused": len(valid_refused),
        "max s": round(max(cpu, default=0.0), 3),
        "p99 s": round(_percentile(cpu, 0.99), 3),
        "max wall s": round(max(wall, default=0.0), 3),
        "_tracebacks": tracebacks[:3],
        "_invalid_accepted": dict(invalid_accepted),
        "_valid_refused": [line for line in valid_refused if line][:5],
        "_slowest": [
            f"{seconds:.3f} s, {kind}, {size} bytes, {head!r}" for seconds, kind, size, head in slowest
        ],
    }


def table(figures: dict[str, Any]) -> str:
    shown = {key: value for key, value in figures.items() if not key.startswith("_")}
    header = "| " + " | ".join(shown) + " |"
    rule = "|" + "|".join("---" for _ in shown) + "|"
    row = "| " + " | ".join(str(value) for value in shown.values()) + " |"
    return "\n".join((header, rule, row))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz_stackfiles", description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--today", type=date.fromisoformat, default=DEFAULT_TODAY)
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    figures = measure(args.count, args.seed, args.today)
    print(table(figures))
    for label, key in (
        ("traceback", "_tracebacks"),
        ("invalid accepted (defect: files)", "_invalid_accepted"),
        ("valid refused", "_valid_refused"),
        ("slowest loads", "_slowest"),
    ):
        if figures[key]:
            print(f"\n{label}: {figures[key]}", file=sys.stderr)
    failed = figures["tracebacks"] or figures["unprintable"] or figures["invalid accepted"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
