"""Pure decisions of the operator CLI: stale locks and pending operations, exit codes, unreachable
endpoints (the end-to-end runs are in tests/cli/test_operator_day.py)."""

from __future__ import annotations

from pathlib import Path

from shopstream import recovery
from shopstream.exit_codes import EXIT_CHANGES, EXIT_ERROR, EXIT_GUARDRAIL, EXIT_NEEDS_RECOVERY, worst
from shopstream.previews import unreachable
from shopstream.recovery import ELSEWHERE, LIVE, STALE, Diagnosis, Lock

LOCK = Lock(4242, "ci", "runner-1", "2026-12-01T10:00:00Z", "/state/.pulumi/locks/organization/p/prod/x.json")


def test_a_lock_is_stale_only_on_this_host_with_no_pulumi_process_behind_its_pid() -> None:
    assert recovery.classify(LOCK, hostname="runner-1", process=lambda pid: None) == STALE
    assert recovery.classify(LOCK, hostname="runner-1", process=lambda pid: "/usr/bin/pulumi up") == LIVE
    # The pid now belongs to an unrelated program: the pulumi that took the lock is gone.
    assert recovery.classify(LOCK, hostname="runner-1", process=lambda pid: "/usr/sbin/sshd") == STALE
    assert recovery.classify(LOCK, hostname="laptop", process=lambda pid: None) == ELSEWHERE


def test_lock_files_and_pulumis_lock_error_are_read() -> None:
    text = '{"pid":17,"username":"ci","hostname":"h","timestamp":"2026-12-01T10:00:00.1Z"}'
    assert recovery.parse_lock_file(text, "f.json") == Lock(17, "ci", "h", "2026-12-01T10:00:00.1Z", "f.json")
    assert recovery.parse_lock_file("not json", "f.json") is None
    message = (
        "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or "
        "delete the lock file with `pulumi cancel`.\n  postgres://****:****@127.0.0.1:5432/db/.pulumi/locks/"
        "organization/shopstream/prod/ab.json: created by root@runner-1 (pid 99) at 2026-12-01T10:00:00Z"
    )
    [lock] = recovery.parse_lock_error(message)
    assert (lock.pid, lock.username, lock.hostname) == (99, "root", "runner-1")
    assert lock.where.endswith("/prod/ab.json") and "****:****" in lock.where


def test_the_commands_come_in_the_order_that_recovers() -> None:
    pending = recovery.pending_operations(
        {
            "pending_operations": [
                {"type": "creating", "resource": {"urn": "urn:pulumi:prod::p::t::acme/orders/paid"}}
            ]
        }
    )
    assert [(op.type, op.name) for op in pending] == [("creating", "acme/orders/paid")]
    both = Diagnosis("prod", [(LOCK, STALE)], pending)
    assert recovery.recovery_commands(both) == [
        "pulumi cancel --yes --stack prod",
        "pulumi refresh --clear-pending-creates --yes --stack prod",
        "shopstream up --stack prod",
    ]
    assert recovery.recovery_commands(Diagnosis("prod", [], pending))[0].startswith("pulumi refresh")
    assert recovery.recovery_commands(Diagnosis("prod")) == []
    assert both.safe_to_recover and not Diagnosis("prod", [(LOCK, ELSEWHERE)]).safe_to_recover
    assert any(
        "check on runner-1" in line for line in recovery.describe(Diagnosis("prod", [(LOCK, ELSEWHERE)]))
    )


def test_file_backend_urls_and_lock_locations(tmp_path: Path) -> None:
    assert recovery.file_backend_dir(f"file://{tmp_path}?no_tmp_dir=true") == tmp_path
    assert recovery.file_backend_dir("file://~/state") == Path.home() / "state"
    assert (
        recovery.file_backend_dir("postgres://u:p@h/db") is None and recovery.file_backend_dir(None) is None
    )
    new = tmp_path / ".pulumi/locks/organization/shopstream/prod/a.json"
    old = tmp_path / ".pulumi/locks/prod/b.json"
    other = tmp_path / ".pulumi/locks/organization/shopstream/staging/c.json"
    for path in (new, old, other):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")
    assert recovery.find_lock_files(tmp_path, "shopstream", "prod") == sorted([new, old])


def test_the_worst_exit_code_wins() -> None:
    assert worst([]) == 0
    assert worst([0, EXIT_CHANGES]) == EXIT_CHANGES
    assert worst([EXIT_CHANGES, EXIT_GUARDRAIL, 0]) == EXIT_GUARDRAIL
    assert worst([EXIT_GUARDRAIL, EXIT_NEEDS_RECOVERY]) == EXIT_NEEDS_RECOVERY
    assert worst([EXIT_NEEDS_RECOVERY, EXIT_ERROR, 0]) == EXIT_ERROR
    assert worst([0, 255]) == 255  # an unknown code counts as an error


def test_unreachable_diagnostics_are_picked_from_the_engines_text() -> None:
    sentence = "Could not reach Shopify shop acme at http://127.0.0.1:9/shops/acme while reading (refused)"
    problems = [
        f"pulumi-python:dynamic/shopify:WebhookSubscription (acme/orders/create): error: {sentence}",
        "preview failed",
        "Shopify shop acme answered HTTP 401",
        sentence,  # the same sentence twice counts once
    ]
    assert unreachable(problems) == [sentence]


def test_an_empty_state_sidecar_left_by_a_kill_is_found_and_removed_first(tmp_path: Path) -> None:
    stacks = tmp_path / ".pulumi" / "stacks" / "shopstream"
    stacks.mkdir(parents=True)
    (stacks / "prod.json").write_text("{}")
    (stacks / "prod.json.attrs").write_text("")  # truncated by the kill
    (stacks / "prod.json.bak.attrs").write_text('{"user.cache_control": ""}')  # intact: left alone
    (stacks / "other.json.attrs").write_text("")  # another stack's: not ours
    found = recovery.find_empty_sidecars(tmp_path, "shopstream", "prod")
    assert found == [stacks / "prod.json.attrs"]
    diagnosis = recovery.diagnose("prod", {}, [], empty_sidecars=found)
    assert diagnosis.needs_recovery and diagnosis.safe_to_recover
    commands = recovery.recovery_commands(diagnosis)
    assert commands[0] == f"rm {stacks / 'prod.json.attrs'}" and commands[-1] == "shopstream up --stack prod"
    assert any("empty state metadata" in line for line in recovery.describe(diagnosis))
