"""Reliability scenarios of issue 9 that need no kill: `up` under injected faults, two concurrent `up`s on
one stack, an emulator restart in the middle of an `up`, and two stacks declaring one subscription.

Each returns a faults_report.Row with what it measured; none raises for a bad result (only for a broken
setup), and every pulumi command has a timeout.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.api_choice import ApiSetup
from bench.faults_report import Row
from bench.metrics import Outcome
from bench.project import Run, kill_group
from bench.source import Source
from bench.stage import Secrets, Stage
from bench.world import layout
from shopstream.emulator.control_client import ControlClientError

UP = ("up", "--yes", "--skip-preview")
MAX_RUNS = 10
POLL_SECONDS = 0.05
TRACEBACK = "Traceback (most recent call last)"
LOCK_WORDS = ("locked", "lock")


@dataclass(frozen=True)
class Context:
    workdir: Path
    source: Source
    secrets: Secrets
    seed: int
    log: Callable[[str], None]
    api: ApiSetup

    def stage(self, name: str, shops: dict[str, list[str]], **options: Any) -> Stage:
        return Stage(self.workdir / name, self.source, shops, self.secrets, api=self.api, **options)

    def timeout(self, n: int) -> float:
        return 180.0 + 2.0 * n


def _clean(outcome: Outcome) -> dict[str, Any]:
    return {
        "duplicates": outcome.duplicates,
        "orphans": outcome.orphans,
        "missing": outcome.missing,
        "pending operations": outcome.pending_operations,
        **({"state unreadable": True} if outcome.state_unreadable else {}),
    }


CLEAN_GOAL = {"duplicates": 0, "orphans": 0, "missing": 0}


def fault_rules(seed: int, rate: float = 0.2) -> dict[str, Any]:
    """`rate` of all Admin API requests fail: 5xx, 429 bursts, resets before and after the write, and
    ambiguous writes (applied, answered 5xx), in the proportions 8:3:3:3:3."""
    share = rate / 20
    return {
        "seed": seed,
        "rules": [
            {
                "path": "/admin/*",
                "error": {"rate": 8 * share},
                "throttle": {"rate": 3 * share, "burst": 2, "retry_after": 1.0},
                "reset_before": {"rate": 3 * share},
                "reset_after": {"rate": 3 * share},
                "ambiguous": {"rate": 3 * share},
            }
        ],
    }


def runs_until_success(stage: Stage, timeout: float, log: Callable[[str], None], label: str) -> list[Run]:
    runs: list[Run] = []
    while len(runs) < MAX_RUNS:
        log(f"{label}: up, run {len(runs) + 1}")
        run = stage.project.run(*UP, timeout=timeout)
        runs.append(run)
        if run.ok:
            break
        if run.timed_out:
            stage.project.unlock()
    return runs


def under_faults(ctx: Context, n: int = 200, rate: float = 0.2) -> Row:
    shops = layout(n)
    check = f"{n} subscriptions / {len(shops)} shops under {rate:.0%} injected faults"
    goal = {"runs": 1, **CLEAN_GOAL, "tracebacks": 0}
    started = time.monotonic()
    with ctx.stage("faults", shops) as stage:
        try:
            stage.emulator.control.call("PUT", "/faults", fault_rules(ctx.seed, rate))
        except ControlClientError as exc:
            return Row(check, {}, goal, unavailable=f"the emulator has no /_control/faults ({exc.status})")
        runs = runs_until_success(stage, ctx.timeout(n), ctx.log, "faults")
        counters = stage.emulator.control.call("GET", "/faults/counters")["counters"]
        stage.emulator.control.call("DELETE", "/faults")
        outcome = stage.outcome()
    measured = {
        "runs": len(runs) if runs[-1].ok else f">{MAX_RUNS}",
        "failed runs": sum(1 for r in runs if not r.ok),
        **_clean(outcome),
        "tracebacks": sum(1 for r in runs if TRACEBACK in r.output),
        "faults injected": counters.get("injected", 0),
    }
    return Row(check, measured, goal, time.monotonic() - started)


def concurrent_ups(ctx: Context, n: int = 40) -> Row:
    check = "two concurrent `pulumi up` on one stack"
    goal = {"lock error": True, "one succeeded": True, **CLEAN_GOAL}
    started = time.monotonic()
    with ctx.stage("concurrent", layout(n)) as stage:
        ctx.log("concurrent: two ups")
        logs = [stage.project.next_log(UP), stage.project.next_log(UP)]
        processes = [stage.project.start(*UP, log=log) for log in logs]
        codes = []
        for process in processes:
            try:
                codes.append(process.wait(timeout=ctx.timeout(n)))
            except subprocess.TimeoutExpired:
                kill_group(process)
                codes.append(process.returncode)
        outputs = [log.read_text(errors="replace") for log in logs]
        failed_outputs = [out for out, code in zip(outputs, codes, strict=True) if code != 0]
        locked = any(word in out.lower() for out in failed_outputs for word in LOCK_WORDS)
        outcome = stage.outcome()
    measured = {
        "exit codes": "/".join(str(c) for c in codes),
        "lock error": locked,
        "one succeeded": codes.count(0) == 1,
        **_clean(outcome),
    }
    return Row(check, measured, goal, time.monotonic() - started)


def emulator_restart(ctx: Context, n: int = 80, after_writes: int = 20) -> Row:
    check = "emulator restart in the middle of `up`"
    goal = {"reruns to converge": 1, **CLEAN_GOAL}
    started = time.monotonic()
    shops = layout(n)
    with ctx.stage("restart", shops, state_file=True) as stage:
        marks = stage.shopify.marks()
        process = stage.project.start(*UP)
        deadline = time.monotonic() + ctx.timeout(n)
        while process.poll() is None and time.monotonic() < deadline and stage.writes(marks) < after_writes:
            time.sleep(POLL_SECONDS * 4)
        interrupted = process.poll() is None
        ctx.log(f"restart: restarting the emulator (up still running: {interrupted})")
        stage.emulator.restart()
        try:
            first_code = process.wait(timeout=ctx.timeout(n))
        except subprocess.TimeoutExpired:
            kill_group(process)
            first_code = process.returncode
        reruns: list[Run] = []
        while len(reruns) < 3:
            ctx.log(f"restart: rerun {len(reruns) + 1}")
            reruns.append(stage.project.run(*UP, timeout=ctx.timeout(n)))
            if reruns[-1].ok:
                break
        outcome = stage.outcome()
    measured = {
        "interrupted up exit": first_code,
        "reruns to converge": len(reruns) if reruns[-1].ok else ">3",
        **_clean(outcome),
    }
    notes = [] if interrupted else ["the up finished before the restart: nothing was interrupted"]
    return Row(check, measured, goal, time.monotonic() - started, notes)


def two_stacks(ctx: Context, n: int = 5) -> Row:
    check = "two stacks declaring the same subscriptions"
    goal = {"conflict reported": True, "lost on destroy": 0}
    started = time.monotonic()
    shops = layout(n)
    with ctx.stage("two-stacks", shops, stacks=("team-a", "team-b")) as stage:
        a, b = stage.projects["team-a"], stage.projects["team-b"]
        ctx.log("two stacks: up team-a, then team-b")
        up_a = a.run(*UP, timeout=ctx.timeout(n))
        preview_b = b.run("preview", timeout=ctx.timeout(n))
        up_b = b.run(*UP, timeout=ctx.timeout(n))
        # Reported: team-b's preview or up fails and names the stack that owns the subscriptions.
        refused = [run.output for run in (preview_b, up_b) if not run.ok]
        conflict = any("team-a" in output for output in refused)
        ctx.log("two stacks: destroy team-b")
        before = n - stage.outcome("team-a").missing
        destroy_b = b.run("destroy", "--yes", "--skip-preview", timeout=ctx.timeout(n))
        lost = before - (n - stage.outcome("team-a").missing)
    measured = {
        "team-a up exit": up_a.returncode,
        "team-a subscriptions before": before,
        "team-b up exit": up_b.returncode,
        "conflict reported": conflict,
        "team-b destroy exit": destroy_b.returncode,
        "lost on destroy": lost,
    }
    return Row(check, measured, goal, time.monotonic() - started)
