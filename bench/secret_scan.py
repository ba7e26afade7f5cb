"""The secret scan of issue 9: every token and secret the benchmark handed to Pulumi, looked for in the
state, the previews and the logs the runs left (0 hits is the goal).

It deploys a small stack, writes its previews (`--diff`, `--json`), state export and outputs next to the
logs of every earlier scenario, then reads every file under the work folder except the ones that hold
secrets by design: the passphrase files and the emulator's own state (it is the Shopify side).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path

from bench.fault_scenarios import UP, Context
from bench.faults_report import Row
from bench.world import layout

BY_DESIGN = ("passphrase", "state.json")  # file names whose contents are secret on purpose
ARTIFACTS = (
    ("preview-diff.txt", ("preview", "--diff")),
    ("preview.json", ("preview", "--json")),
    ("export.json", ("stack", "export")),
    ("outputs.json", ("stack", "output", "--json")),
)


def hits(roots: Iterable[Path], secrets: Iterable[str]) -> list[tuple[Path, int]]:
    """(file, how many distinct secrets it contains) for every file under `roots` with at least one."""
    wanted = [s.encode() for s in secrets if s]
    found: list[tuple[Path, int]] = []
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if path.name in BY_DESIGN:
                continue
            data = path.read_bytes()
            count = sum(1 for secret in wanted if secret in data)
            if count:
                found.append((path, count))
    return found


def scan(ctx: Context, n: int = 5) -> Row:
    check = "secret scan of state, previews and logs"
    goal = {"hits": 0}
    started = time.monotonic()
    with ctx.stage("scan", layout(n)) as stage:
        project = stage.project
        deployed = project.run(*UP, timeout=ctx.timeout(n))
        existing = [(shop, s) for shop, subs in stage.shopify.subscriptions().items() for s in subs]
        if existing:  # a drifted subscription: the refresh and the previews show it
            shop, first = existing[0]
            stage.shopify.control.delete_subscription(shop, int(first["id"]))
        project.run("refresh", "--preview-only", "--diff", timeout=ctx.timeout(n))
        for name, args in ARTIFACTS:
            run = project.run(*args, timeout=ctx.timeout(n), stdin="")
            (project.root / name).write_text(run.output)
    found = hits([ctx.workdir], ctx.secrets.values)
    measured = {"secrets": len(ctx.secrets.values), "files scanned": _count(ctx.workdir), "hits": len(found)}
    notes = [f"{path.relative_to(ctx.workdir)}: {count} secret(s)" for path, count in found[:10]]
    if not deployed.ok:
        notes.append(f"its `pulumi up` failed (exit {deployed.returncode}): the scan covers less")
    return Row(check, measured, goal, time.monotonic() - started, notes)


def _count(root: Path) -> int:
    return sum(1 for p in root.rglob("*") if p.is_file() and p.name not in BY_DESIGN)
