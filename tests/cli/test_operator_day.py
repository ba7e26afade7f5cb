"""The operator's day with the real `pulumi` CLI against the emulator (issue 10, and issue 9's kills):
refresh-first `up` repairs drift, `--detailed-exitcode`, an unreachable endpoint, several stacks at once,
and recovery from an interrupted update (a stale lock and a pending create)."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import subprocess
import sys
import uuid
from pathlib import Path

from shopstream.exit_codes import EXIT_CHANGES, EXIT_ERROR, EXIT_NEEDS_RECOVERY
from tests.cli.test_operator_cli import shopstream
from tests.e2e.pulumi_project import PulumiProject
from tests.e2e.worlds import ShopifyWorld


def test_drift_then_up_with_the_default_refresh_repairs_it(world: ShopifyWorld, tmp_path: Path) -> None:
    world.project.init(world.tokens)
    world.project.write_stack_file(world.stack_file({"acme-eu": ["orders/create", "orders/paid"]}))
    world.project.up().check()
    world.emulator.control.delete_subscription("acme-eu", world.by_topic("acme-eu")["orders/paid"]["id"])

    found = shopstream(world.project, "drift", "--stack", "e2e")
    assert found.returncode == EXIT_CHANGES, found.stdout + found.stderr
    assert "repair: shopstream up --stack e2e" in found.stdout
    assert "[e2e] refresh preview" in found.stderr  # progress lines while it runs

    repaired = shopstream(world.project, "up", "--stack", "e2e", "--yes")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "**e2e**: 1 to create" in repaired.stdout
    assert "| `orders/paid` | create | `address`: https://hooks.example.com/shopify" in repaired.stdout
    assert sorted(world.by_topic("acme-eu")) == ["orders/create", "orders/paid"]
    again = shopstream(world.project, "drift", "--stack", "e2e")
    assert again.returncode == 0, again.stdout + again.stderr


def test_preview_detailed_exitcode_is_0_without_changes_and_2_with(world: ShopifyWorld) -> None:
    world.project.init(world.tokens)
    world.project.write_stack_file(world.stack_file({"acme-eu": ["orders/create"]}))
    world.project.up().check()

    same = shopstream(world.project, "preview", "--stack", "e2e", "--detailed-exitcode")
    assert same.returncode == 0, same.stdout + same.stderr
    assert "**e2e**: no changes" in same.stdout
    world.project.write_stack_file(world.stack_file({"acme-eu": ["orders/create", "orders/paid"]}))
    changed = shopstream(world.project, "preview", "--stack", "e2e", "--detailed-exitcode")
    assert changed.returncode == EXIT_CHANGES, changed.stdout + changed.stderr
    plain = shopstream(world.project, "preview", "--stack", "e2e", "--no-refresh")
    assert plain.returncode == 0 and "1 to create" in plain.stdout, plain.stdout + plain.stderr


def test_an_unreachable_shop_is_a_warning_in_preview_and_an_error_in_drift(
    world: ShopifyWorld, tmp_path: Path
) -> None:
    world.project.init(world.tokens)
    world.project.write_stack_file(world.stack_file({"acme-eu": ["orders/create"]}))
    world.project.up().check()
    world.emulator.stop()  # nothing listens on its port any more: connection refused

    preview = shopstream(world.project, "preview", "--stack", "e2e")
    assert preview.returncode == 0, preview.stdout + preview.stderr
    text = preview.stdout
    assert text.index("**Warnings**") < text.index("### e2e")
    assert "Could not reach Shopify shop acme-eu" in text
    assert "the preview could not refresh" in text
    assert "Traceback" not in preview.stdout + preview.stderr

    out = tmp_path / "drift.json"
    drift = shopstream(world.project, "drift", "--stack", "e2e", "--json", str(out))
    assert drift.returncode == EXIT_ERROR, drift.stdout + drift.stderr
    assert "No drift" not in drift.stdout and "Drift could not be checked for e2e" in drift.stdout
    assert "Could not reach Shopify shop acme-eu" in drift.stdout
    assert "Traceback" not in drift.stdout + drift.stderr
    assert json.loads(out.read_text())["unchecked"] == ["e2e"]


def test_up_all_in_parallel_updates_each_stack_with_prefixed_lines(world: ShopifyWorld) -> None:
    eu, us = world.project, PulumiProject(world.project.root, stack="e2e-us")
    eu.init({"acme-eu": world.tokens["acme-eu"]})
    us.init({"acme-us": world.tokens["acme-us"]})
    eu.write_stack_file(world.stack_file({"acme-eu": ["orders/create"]}))
    us.write_stack_file(world.stack_file({"acme-us": ["orders/create", "orders/paid"]}))

    refused = shopstream(eu, "up", "--all", "--parallel", "2")
    assert refused.returncode == EXIT_ERROR and "needs --yes" in refused.stderr
    result = shopstream(eu, "up", "--all", "--parallel", "2", "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[e2e] **e2e**: 1 to create" in result.stdout
    assert "[e2e-us] **e2e-us**: 2 to create" in result.stdout
    assert "[e2e] exit 0" in result.stderr and "[e2e-us] exit 0" in result.stderr
    assert sorted(world.by_topic("acme-eu")) == ["orders/create"]
    assert sorted(world.by_topic("acme-us")) == ["orders/create", "orders/paid"]


def lock_dir(project: PulumiProject) -> Path:
    return project.root / "state" / ".pulumi" / "locks" / "organization" / "shopstream" / project.stack


def write_lock(project: PulumiProject, pid: int) -> Path:
    """A lock file as Pulumi's file backend writes it (pkg/backend/diy/lock.go, lockContent)."""
    path = lock_dir(project) / f"{uuid.uuid4()}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    content = {
        "pid": pid,
        "username": "ci",
        "hostname": socket.gethostname(),
        "timestamp": "2026-12-01T10:00:00Z",
    }
    path.write_text(json.dumps(content))
    return path


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def make_pending_create(project: PulumiProject, name: str) -> None:
    """The state a create leaves when the CLI dies after Shopify made the subscription: the resource is
    gone from `resources` and listed in `pending_operations` as creating. `pulumi stack import` drops
    pending operations, so the checkpoint file of the file backend is written directly (with the MD5
    that gocloud's fileblob keeps beside it)."""
    path = project.root / "state" / ".pulumi" / "stacks" / "shopstream" / f"{project.stack}.json"
    checkpoint = json.loads(path.read_text())
    latest = checkpoint["checkpoint"]["latest"]
    [resource] = [r for r in latest["resources"] if r["urn"].endswith(f"::{name}")]
    latest["resources"].remove(resource)
    latest["pending_operations"] = [{"resource": resource, "type": "creating"}]
    data = json.dumps(checkpoint, indent=4).encode()
    path.write_bytes(data)
    attrs_path = path.with_name(path.name + ".attrs")
    attrs = json.loads(attrs_path.read_text())
    attrs["md5"] = base64.b64encode(hashlib.md5(data).digest()).decode()
    attrs_path.write_text(json.dumps(attrs))
    pending = json.loads(project.export_state())["deployment"].get("pending_operations")
    assert [op["resource"]["urn"] for op in pending or []] == [resource["urn"]], (
        "the crafted state did not load"
    )


def test_a_stale_lock_and_a_pending_create_are_explained_then_recovered(world: ShopifyWorld) -> None:
    project = world.project
    project.init(world.tokens)
    project.write_stack_file(world.stack_file({"acme-eu": ["orders/create", "orders/paid"]}))
    project.up().check()
    make_pending_create(project, "acme-eu/orders/paid")
    lock = write_lock(project, dead_pid())
    assert "currently locked" in project.up().output  # Pulumi itself refuses the stack now

    told = shopstream(project, "up", "--stack", "e2e", "--yes")
    assert told.returncode == EXIT_NEEDS_RECOVERY, told.stdout + told.stderr
    assert (
        "the lock is stale" in told.stderr
        and "pending operation: creating acme-eu/orders/paid" in told.stderr
    )
    commands = [line.strip() for line in told.stderr.splitlines() if line.startswith("  ")]
    assert commands[-3:] == [
        "pulumi cancel --yes --stack e2e",
        "pulumi refresh --clear-pending-creates --yes --stack e2e",
        "shopstream up --stack e2e",
    ]
    assert "--recover" in told.stderr and lock.exists()

    recovered = shopstream(project, "up", "--stack", "e2e", "--yes", "--recover")
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    assert "removed the stale lock" in recovered.stderr and "cleared 1 pending operation" in recovered.stderr
    assert not lock.exists()
    # The subscription the lost create made is adopted, not duplicated.
    assert sorted(s["topic"] for s in world.subscriptions("acme-eu")) == ["orders/create", "orders/paid"]
    assert json.loads(project.export_state())["deployment"].get("pending_operations") in (None, [])
    assert shopstream(project, "up", "--stack", "e2e", "--yes").returncode == 0


def test_an_empty_state_sidecar_left_by_a_kill_is_named_then_removed_by_recover(world: ShopifyWorld) -> None:
    project = world.project
    project.init(world.tokens)
    project.write_stack_file(world.stack_file({"acme-eu": ["orders/create"]}))
    project.up().check()
    (sidecar,) = (project.root / "state" / ".pulumi" / "stacks").rglob("e2e.json.attrs")
    sidecar.write_text("")  # as a kill during the state write leaves it
    assert "failed to load checkpoint: EOF" in project.up().output  # Pulumi cannot read the stack now

    told = shopstream(project, "up", "--stack", "e2e", "--yes")
    assert told.returncode == EXIT_NEEDS_RECOVERY, told.stdout + told.stderr
    assert f"rm {sidecar}" in told.stderr and "Traceback" not in told.stderr
    recovered = shopstream(project, "up", "--stack", "e2e", "--yes", "--recover")
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    assert "removed the empty state metadata" in recovered.stderr
    assert [s["topic"] for s in world.subscriptions("acme-eu")] == ["orders/create"]
    assert project.up().returncode == 0


def test_recover_never_removes_a_lock_that_a_live_process_holds(world: ShopifyWorld) -> None:
    project = world.project
    project.init(world.tokens)
    project.write_stack_file(world.stack_file({"acme-eu": ["orders/create"]}))
    project.up().check()
    # A running process whose command line says pulumi, as a live `pulumi up` holding the lock would.
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "pulumi", "up"])
    try:
        lock = write_lock(project, holder.pid)
        refused = shopstream(project, "up", "--stack", "e2e", "--yes", "--recover")
        assert refused.returncode == EXIT_ERROR, refused.stdout + refused.stderr
        assert "being updated by another process" in refused.stderr and "still running" in refused.stderr
        assert lock.exists()
    finally:
        holder.kill()
        holder.wait()


def test_a_stack_file_without_a_pulumi_stack_hints_at_stack_init(world: ShopifyWorld) -> None:
    world.project.write_stack_file(world.stack_file({"acme-eu": ["orders/create"]}))  # no `stack init`
    result = shopstream(world.project, "up", "--stack", "e2e", "--yes")
    assert result.returncode == EXIT_ERROR
    assert "create it with `pulumi stack init e2e`" in result.stderr and "Traceback" not in result.stderr
    preview = shopstream(world.project, "preview", "--stack", "e2e")
    assert preview.returncode == EXIT_ERROR and "`pulumi stack init e2e`" in preview.stdout
