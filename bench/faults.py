"""Reliability benchmark of issue 9: faults, kills and hostile input, through the real `pulumi` CLI.

    .venv/bin/python -m bench.faults [--n 200] [--kills 10] [--fuzz 10000] [--seed 7]
                                     [--api rest|graphql] [--only concurrent,restart,...]
                                     [--out bench/results] [--workdir DIR] [--keep] [--source HEAD|DIR]

Rows (each against its own emulator process on 127.0.0.1 and a throwaway project with a file backend):

* faults      N subscriptions (40 topics per shop) under 20% injected faults on the Admin API (5xx, 429
              bursts, resets before and after the write, ambiguous writes; seeded, through the emulator's
              `/_control/faults`): runs of `pulumi up` needed (at most 10), duplicates, orphans, missing,
              runs that printed a traceback. Goal: 1 run, 0, 0, 0, 0.
* kills       `kill -9` of the `pulumi` CLI at `--kills` seeded moments of an `up` of 40 subscriptions, then
              `pulumi cancel --yes`, `pulumi refresh --clear-pending-creates --yes`, `pulumi up`: duplicates,
              orphans, processes of the run alive 5 s after the kill, writes after the kill. Goal: all 0.
* concurrent  two `pulumi up` started together on one stack: one lock error, nothing lost.
* restart     the emulator (with a state file) restarted in the middle of an `up`: one rerun converges.
* two-stacks  two stacks of one backend declaring the same subscriptions: a conflict is reported, and
              destroying the second loses none of the first's.
* fuzz        `bench.fuzz_stackfiles.measure(count, seed)` (tracebacks, files over 1 s, invalid accepted),
              when that module exists.
* scan        every token and secret used, searched in the state, previews and logs left by the rows: 0 hits.

Prints a Markdown table and writes OUT/faults.md and OUT/faults.json (rows of a run replace the same rows
of an earlier run there, so `--only` updates the table). Every pulumi command has a timeout,
reruns are bounded, and the rows report what they measured even when it misses the goal (exit 0 either
way; exit 1 only when the benchmark itself could not run).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import api_choice, fault_scenarios, faults_report, kill_scenario, secret_scan
from bench.emulator_process import EmulatorProcess
from bench.fault_scenarios import Context
from bench.faults_report import Row
from bench.project import CommandFailed
from bench.source import resolve
from bench.stage import Secrets
from shopstream.toolchain import REPO

ROWS = ("concurrent", "restart", "two-stacks", "faults", "kills", "fuzz", "scan")
FUZZ_MODULE = "bench.fuzz_stackfiles"
FUZZ_GOAL = {"tracebacks": 0, "files over 1 s": 0, "invalid accepted": 0}


def fuzz_row(count: int, seed: int) -> Row:
    check = f"{count} fuzzed stack files (hypothesis)"
    started = time.monotonic()
    if importlib.util.find_spec(FUZZ_MODULE) is None:
        return Row(check, {}, FUZZ_GOAL, unavailable=f"{FUZZ_MODULE} does not exist yet")
    module = importlib.import_module(FUZZ_MODULE)
    measure = getattr(module, "measure", None)
    if not callable(measure):
        return Row(check, {}, FUZZ_GOAL, unavailable=f"{FUZZ_MODULE} has no measure(count, seed) function")
    accepted = inspect.signature(measure).parameters
    kwargs = {key: value for key, value in (("count", count), ("seed", seed)) if key in accepted}
    measured = dict(measure(**kwargs))
    return Row(check, measured, FUZZ_GOAL, time.monotonic() - started)


def parse_rows(text: str) -> list[str]:
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    unknown = sorted(set(chosen) - set(ROWS))
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"--only takes some of {', '.join(ROWS)}; not {', '.join(unknown)}")
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200, help="subscriptions of the faults row")
    parser.add_argument("--kills", type=int, default=10, help="seeded kill moments")
    parser.add_argument("--fuzz", type=int, default=10_000, help="fuzzed stack files")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--api", choices=("rest", "graphql"), help="default: the stack file's default")
    parser.add_argument("--only", type=parse_rows, default=list(ROWS))
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--source", help="a git revision (e.g. HEAD) or a folder; default the working tree")
    args = parser.parse_args(argv)
    if args.n < 1 or args.kills < 1 or args.fuzz < 1:
        parser.error("--n, --kills and --fuzz must be at least 1")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="shopstream-faults-"))
    rows: list[Row] = []
    try:
        source = resolve(args.source, workdir)
        help_text = EmulatorProcess(workdir / "probe", source_env=source.env()).serve_help()
        api = api_choice.setup(args.api, source.root, help_text)
        ctx = Context(workdir / "runs", source, Secrets(), args.seed, _log, api)
        scenarios: dict[str, Callable[[], Row]] = {
            "concurrent": lambda: fault_scenarios.concurrent_ups(ctx),
            "restart": lambda: fault_scenarios.emulator_restart(ctx),
            "two-stacks": lambda: fault_scenarios.two_stacks(ctx),
            "faults": lambda: fault_scenarios.under_faults(ctx, args.n),
            "kills": lambda: kill_scenario.kills(ctx, args.kills),
            "fuzz": lambda: fuzz_row(args.fuzz, args.seed),
            "scan": lambda: secret_scan.scan(ctx),
        }
        for name in ROWS:
            if name in args.only:
                _log(f"row {name}")
                rows.append(scenarios[name]())
    except CommandFailed as failure:
        print(
            f"bench.faults: a setup command failed, so the row cannot be measured: {failure}", file=sys.stderr
        )
        return 1
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    for row in rows:
        row.notes.insert(0, f"measured {source.label}, {api.api} Admin API")
    rows = faults_report.merged(faults_report.load_json(args.out / "faults.json"), rows)
    text = faults_report.markdown(rows, "python -m bench.faults")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "faults.md").write_text(text)
    faults_report.save_json(args.out / "faults.json", rows)
    sys.stdout.write(text)
    return 0


def _log(message: str) -> None:
    print(f"[bench.faults {datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
