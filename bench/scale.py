"""Scale benchmark of issue 7: one `pulumi up` at Shopify's real rate limits, against Pulumi's own floor.

    .venv/bin/python -m bench.scale [--sizes 20,200,1000] [--api rest|graphql] [--out bench/results]
                                    [--repeat 1] [--budget-minutes 60] [--workdir DIR] [--keep]
                                    [--source HEAD|DIR]

For each N (40 topics per shop: 20 -> 1 shop, 200 -> 5, 1000 -> 25; real topics of 2026-10 that need the
token's read_orders/read_products/read_customers scopes) it starts the emulator as a separate process on
127.0.0.1 at bucket 40, leak 2/s per shop and app, and two throwaway Pulumi projects with file backends and
the same stack file: the real program, and the floor (`bench/floor_program.py`: the same resources through
`bench/floor_provider.py`, which does nothing). Each operation runs on the floor, then on the real project:

* create   `pulumi up --yes --skip-preview` from empty; when it fails it is rerun (at most 10 runs), and
           its time is the sum of the runs it took;
* preview  `pulumi preview` with nothing to change;
* up       `pulumi up --yes --skip-preview` with nothing to change;
* refresh  `pulumi refresh --yes --skip-preview`;
* refresh-2pass  `pulumi refresh --yes` (a refresh preview, then the refresh).

Reported per operation: wall seconds, floor seconds and their ratio; for create the rate-limit lower bound of
the requests it sent, max over shops of max(0, (requests - 40) / 2) s, and the time over max(floor, bound);
runs and failed runs; Admin API requests per shop (max over shops, from the emulator's request log) against
the list floor (ceil(k/250)+1 per refresh pass, writes+ceil(k/250)+1 for create); writes; 429s; peak RSS of
the CLI, language host + program and provider processes (psutil, every 0.2 s). Per N: duplicates, missing
and unexpected subscriptions after convergence (emulator vs stack file) and state bytes per subscription
(`pulumi stack export`). Output: a Markdown table on stdout and in OUT/scale.md, a plot of ratio to floor
per operation against N in OUT/scale.png, raw figures in OUT/scale.json (merged by api and N, so sizes can
be run separately). `--api graphql` needs the stack file's `shopify.api` key and the emulator's GraphQL
limit options; without them it stops with a message. Every pulumi command has a timeout (180 s + 2 s per
subscription); the create reruns stop after 10 runs or the budget; traffic goes to 127.0.0.1 only.
`--source HEAD` measures the last commit (unpacked with `git archive`) rather than the working tree, which
others may be editing during a long run (see bench.source).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench import api_choice, metrics, scale_report, scale_results
from bench.emulator_process import EmulatorProcess
from bench.metrics import Traffic
from bench.project import BenchProject, CommandFailed, Run, error_line
from bench.scale_results import OperationResult, SizeResult
from bench.source import Source, resolve
from bench.world import ShopifyBenchWorld, layout
from shopstream.shopify_api.ratelimit import DEFAULT_BUCKET_SIZE, DEFAULT_LEAK_RATE
from shopstream.toolchain import REPO

MAX_CREATE_RUNS = 10
DEFAULT_SIZES = (20, 200, 1000)


@dataclass(frozen=True)
class Operation:
    name: str
    args: tuple[str, ...]
    passes: int  # list passes a refresh makes (0: the list floor does not apply)


CREATE = Operation("create", ("up", "--yes", "--skip-preview"), 0)
STEADY = (
    Operation("preview", ("preview",), 0),
    Operation("up", ("up", "--yes", "--skip-preview"), 0),
    Operation("refresh", ("refresh", "--yes", "--skip-preview"), 1),
    Operation("refresh-2pass", ("refresh", "--yes"), 2),
)


def command_timeout(n: int) -> float:
    return 180.0 + 2.0 * n


class SizeRun:
    """One N: the emulator, the world, the two projects, the alternating measurements."""

    def __init__(
        self,
        n: int,
        api: str,
        workdir: Path,
        source: Source,
        repeat: int,
        budget_seconds: float,
        log: Callable[[str], None],
    ) -> None:
        self.n, self.api, self.source, self.repeat, self.log = n, api, source, repeat, log
        self.deadline = time.monotonic() + budget_seconds
        self.workdir = workdir
        self.timeout = command_timeout(n)
        self.shops = layout(n)
        self.notes: list[str] = [f"measured {source.label}"]
        self.emulator = EmulatorProcess(workdir / "emulator", source_env=source.env())
        chosen = api_choice.setup(api, source.root, self.emulator.serve_help())
        self.emulator.extra_args = chosen.emulator_args
        self.stack_keys = chosen.stack_keys
        if api == "graphql" and not chosen.emulator_args:
            self.notes.append("the emulator has no GraphQL limit options: its default GraphQL limits applied")

    def run(self) -> SizeResult:
        started_at = datetime.now(UTC).isoformat(timespec="seconds")
        started = time.monotonic()
        with self.emulator:
            world = ShopifyBenchWorld(self.emulator.control, self.emulator.base_url, self.shops).create()
            desired = world.stack_file(**self.stack_keys)
            env = self.source.env()
            real = BenchProject(self.workdir / "real", self.source.real_program, extra_env=env)
            floor = BenchProject(self.workdir / "floor", self.source.floor_program, extra_env=env)
            for project in (floor, real):
                project.init(world.tokens)
                project.write_stack_file(desired)
            operations = [self.create(world, floor, real)]
            after_create = world.convergence()
            state = metrics.state_size(real.export_state())
            for op in STEADY:
                operations.append(self.steady(world, floor, real, op))
            at_end = world.convergence()
            if at_end != after_create:
                self.notes.append(f"convergence changed after the steady operations: {at_end}")
        self.note_refresh_passes(operations)
        return SizeResult(
            n=self.n,
            shops=len(self.shops),
            api=self.api,
            started=started_at,
            wall_seconds=time.monotonic() - started,
            operations=operations,
            duplicates=after_create.duplicates,
            missing=after_create.missing,
            unexpected=after_create.unexpected,
            state_bytes_total=state.total_bytes,
            state_bytes_per_subscription=state.per_subscription,
            state_largest_resource_bytes=state.largest_bytes,
            notes=self.notes,
        )

    def timed_floor(self, floor: BenchProject, op: Operation) -> Run:
        run = floor.run(*op.args, timeout=self.timeout)
        if not run.ok:
            raise CommandFailed(run)
        return run

    def create(self, world: ShopifyBenchWorld, floor: BenchProject, real: BenchProject) -> OperationResult:
        self.log(f"N={self.n}: create (floor)")
        floor_run = self.timed_floor(floor, CREATE)
        marks = world.marks()
        runs: list[Run] = []
        while len(runs) < MAX_CREATE_RUNS:
            self.log(f"N={self.n}: create (real), run {len(runs) + 1}")
            run = real.run(*CREATE.args, timeout=self.timeout)
            runs.append(run)
            if run.ok or time.monotonic() > self.deadline:
                break
            if run.timed_out:
                real.unlock()
        traffic = world.traffic_since(marks)
        result = self.result(CREATE, runs, [floor_run], traffic)
        result.request_floor_per_shop = max(
            metrics.create_floor(traffic[shop].writes, len(topics)) for shop, topics in self.shops.items()
        )
        if self.api == "rest":
            result.lower_bound_seconds = metrics.rate_limit_lower_bound(
                {shop: t.requests for shop, t in traffic.items()}, DEFAULT_BUCKET_SIZE, DEFAULT_LEAK_RATE
            )
        if not runs[-1].ok:
            self.notes.append(f"create did not converge in {len(runs)} runs: {error_line(runs[-1].output)}")
        return result

    def steady(
        self, world: ShopifyBenchWorld, floor: BenchProject, real: BenchProject, op: Operation
    ) -> OperationResult:
        """`repeat` alternations floor, real; the medians are reported, the traffic of the last real run."""
        floor_runs: list[Run] = []
        real_runs: list[Run] = []
        traffic: dict[str, Traffic] = {}
        for index in range(self.repeat):
            self.log(f"N={self.n}: {op.name} (floor, real) {index + 1}/{self.repeat}")
            floor_runs.append(self.timed_floor(floor, op))
            marks = world.marks()
            real_runs.append(real.run(*op.args, timeout=self.timeout))
            traffic = world.traffic_since(marks)
        result = self.result(op, real_runs, floor_runs, traffic, median=True)
        if op.passes:
            result.request_floor_per_shop = op.passes * max(
                metrics.list_floor(len(t)) for t in self.shops.values()
            )
        return result

    def result(
        self, op: Operation, real_runs: list[Run], floor_runs: list[Run], traffic: dict[str, Traffic],
        median: bool = False,
    ) -> OperationResult:  # fmt: skip
        failed = [r for r in real_runs if not r.ok]
        if median:
            real_seconds = sorted(r.seconds for r in real_runs)[len(real_runs) // 2]
        else:
            real_seconds = sum(r.seconds for r in real_runs)
        total = sum(traffic.values(), Traffic())
        return OperationResult(
            operation=op.name,
            command="pulumi " + " ".join(op.args),
            real_seconds=real_seconds,
            floor_seconds=sorted(r.seconds for r in floor_runs)[len(floor_runs) // 2],
            runs=len(real_runs),
            failed_runs=len(failed),
            converged=real_runs[-1].ok,
            requests_max_per_shop=max((t.requests for t in traffic.values()), default=0),
            requests_total=total.requests,
            writes_total=total.writes,
            throttled=total.throttled,
            rss_real=_peaks(real_runs),
            rss_floor=_peaks(floor_runs),
            first_error=error_line(failed[0].output) if failed else "",
        )

    def note_refresh_passes(self, operations: list[OperationResult]) -> None:
        by_name = {op.operation: op for op in operations}
        one, two = by_name.get("refresh"), by_name.get("refresh-2pass")
        if one and two and one.requests_total:
            self.notes.append(
                f"`pulumi refresh --yes` sent {two.requests_total} requests, `--skip-preview` "
                f"{one.requests_total}: {two.requests_total / one.requests_total:.1f} passes over the shops"
            )


def _peaks(runs: list[Run]) -> dict[str, int]:
    peaks: dict[str, int] = {}
    for run in runs:
        for role, rss in run.rss.items():
            peaks[role] = max(peaks.get(role, 0), rss)
    return peaks


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sizes takes comma-separated integers, not {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("--sizes needs at least one size, each at least 1")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=parse_sizes, default=list(DEFAULT_SIZES))
    parser.add_argument("--api", choices=("rest", "graphql"), default="rest")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    parser.add_argument("--repeat", type=int, default=1, help="alternations per steady operation (median)")
    parser.add_argument("--budget-minutes", type=float, default=60.0, help="per size; stops create reruns")
    parser.add_argument("--workdir", type=Path, help="where the projects go (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the projects and logs")
    parser.add_argument(
        "--source",
        help="the code to measure: a git revision (e.g. HEAD) or a folder; default the working tree",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="shopstream-bench-"))
    json_path = args.out / "scale.json"
    results = scale_results.load(json_path)
    try:
        source = resolve(args.source, workdir)
        for n in args.sizes:
            size = SizeRun(
                n, args.api, workdir / f"{args.api}-{n}", source, args.repeat, args.budget_minutes * 60, _log
            )
            result = size.run()
            results[scale_results.key(result)] = result
            scale_results.save(json_path, results)
            _log(f"N={n}: done in {result.wall_seconds:.0f} s")
    except CommandFailed as failure:
        print(
            f"bench.scale: a floor or setup command failed, so nothing can be compared: {failure}",
            file=sys.stderr,
        )
        return 1
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    ordered = sorted(results.values(), key=lambda r: (r.api, r.n))
    command = "python -m bench.scale --sizes " + ",".join(str(r.n) for r in ordered) + f" --api {args.api}"
    text = scale_report.markdown(ordered, command)
    (args.out / "scale.md").write_text(text)
    scale_report.plot(ordered, args.out / "scale.png")
    sys.stdout.write(text)
    return 0


def _log(message: str) -> None:
    print(f"[bench.scale {datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
