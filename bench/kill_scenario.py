"""`kill -9` of the `pulumi` CLI during `up` at seeded moments, then the documented recovery.

A moment is a seeded number of Shopify writes: the CLI is killed (SIGKILL to it alone, as a crash or an
OOM kill would) once the shop's request log shows that many. Then, per moment: the processes of the run
still alive 5 s later (language host, program, provider), the writes that reached the emulator after the
kill (by the time the emulator received them: one already in flight at the kill is answered, and logged,
after it), and, after the documented recovery (`shopstream up --recover --yes`: the empty state sidecar a
kill can leave, `pulumi cancel`, `pulumi refresh --clear-pending-creates`, then the up), the duplicates,
orphans, missing subscriptions and pending operations. Survivors are ended
(they are this benchmark's own processes) before the recovery starts.
"""

from __future__ import annotations

import os
import random
import signal
import time
from dataclasses import dataclass

import psutil

from bench.fault_scenarios import CLEAN_GOAL, UP, Context
from bench.faults_report import Row
from bench.metrics import Outcome
from bench.process_tree import descendants
from bench.project import error_line
from bench.world import layout

SURVIVOR_SECONDS = 5.0
POLL_SECONDS = 0.05
RECOVERY = (("shopstream", "up", "--recover", "--yes"),)


@dataclass(frozen=True)
class KillResult:
    writes_before: int  # the seeded moment
    killed_during_up: bool
    alive_after: int
    writes_after: int
    recovery_exits: tuple[int, ...]
    recovery_error: str  # the first failed recovery step's error line
    outcome: Outcome


def moments(seed: int, count: int, n: int) -> list[int]:
    """`count` seeded write counts in [0, n) at which to kill (pure)."""
    rng = random.Random(seed)
    return [rng.randrange(0, n) for _ in range(count)]


def _alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    living = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                living.append(process)
        except psutil.Error:
            continue
    return living


def kill_once(ctx: Context, index: int, writes_before: int, n: int) -> KillResult:
    shops = layout(n)
    with ctx.stage(f"kill-{index:02d}", shops) as stage:
        project = stage.project
        marks = stage.shopify.marks()
        process = project.start(*UP)
        deadline = time.monotonic() + ctx.timeout(n)
        while process.poll() is None and time.monotonic() < deadline and stage.writes(marks) < writes_before:
            time.sleep(POLL_SECONDS)
        tree = descendants(process.pid)
        during = process.poll() is None
        at_kill = stage.shopify.marks()
        killed_at = time.time()
        if during:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        time.sleep(SURVIVOR_SECONDS)
        survivors = _alive(tree)
        writes_after = stage.writes_received_after(at_kill, killed_at)
        for survivor in survivors:
            try:
                survivor.kill()
            except psutil.Error:
                continue
        ctx.log(
            f"kill {index}: at {writes_before} writes, {len(survivors)} alive after 5 s, {writes_after} later"
        )
        recovery = [project.run(*step, timeout=ctx.timeout(n)) for step in RECOVERY]
        failed = [run for run in recovery if not run.ok]
        return KillResult(
            writes_before,
            during,
            len(survivors),
            writes_after,
            tuple(run.returncode for run in recovery),
            error_line(failed[0].output) if failed else "",
            stage.outcome(),
        )


def kills(ctx: Context, count: int = 10, n: int = 40) -> Row:
    check = f"`kill -9` of `up` at {count} seeded moments, then the documented recovery"
    goal = {
        **CLEAN_GOAL,
        "unreadable states": 0,
        "alive after 5 s": 0,
        "writes after the kill": 0,
        "recoveries that converged": count,
    }
    started = time.monotonic()
    results = [kill_once(ctx, i, k, n) for i, k in enumerate(moments(ctx.seed, count, n))]
    measured = {
        "duplicates": sum(r.outcome.duplicates for r in results),
        "orphans": sum(r.outcome.orphans for r in results),
        "missing": sum(r.outcome.missing for r in results),
        "pending operations": sum(r.outcome.pending_operations for r in results),
        "unreadable states": sum(1 for r in results if r.outcome.state_unreadable),
        "alive after 5 s": sum(r.alive_after for r in results),
        "writes after the kill": sum(r.writes_after for r in results),
        "recoveries that converged": sum(
            1 for r in results if r.recovery_exits[-1] == 0 and r.outcome.clean()
        ),
    }
    notes = [
        f"moment {i} ({r.writes_before} writes): alive {r.alive_after}, writes after {r.writes_after}, "
        f"recovery exit {'/'.join(map(str, r.recovery_exits))}"
        + ("" if r.killed_during_up else " (up had finished)")
        + (f"; {r.recovery_error}" if r.recovery_error else "")
        for i, r in enumerate(results)
    ]
    return Row(check, measured, goal, time.monotonic() - started, notes)
