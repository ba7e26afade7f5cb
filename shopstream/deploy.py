"""`shopstream up` for one stack: crash check, refreshed preview, policy and guardrails, then the update.

Every line goes through `out` (the plan, Pulumi's own output) or `err` (progress, refusals), so several
stacks can run at once with their lines prefixed (`shopstream up --all --parallel N`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click
from pulumi import automation as auto

from shopstream import recovery
from shopstream.automation import StackError, command_error_message, open_stack, open_workspace
from shopstream.exit_codes import EXIT_ERROR, EXIT_GUARDRAIL, EXIT_NEEDS_RECOVERY, EXIT_OK
from shopstream.guardrails import evaluate_plan, render_violations
from shopstream.policy.pack_config import PACK_DIR
from shopstream.previews import policy_config_file, preview_plan
from shopstream.render import markdown
from shopstream.stackfile.errors import StackFileError
from shopstream.toolchain import ToolchainMissing

Say = Callable[[str], None]


@dataclass(frozen=True)
class UpOptions:
    yes: bool
    allow_destructive: bool
    max_destructive_share: float
    refresh: bool
    recover: bool
    confirm: bool  # ask before applying (one stack at a time, interactive)


def diagnose(stack: auto.Stack, name: str) -> recovery.Diagnosis:
    """Locks (file backends: read from the lock files) and pending operations of `name`."""
    deployment = stack.export_stack().deployment or {}
    url = os.environ.get("PULUMI_BACKEND_URL") or stack.workspace.who_am_i().url
    backend = recovery.file_backend_dir(url)
    project = stack.workspace.project_settings().name
    locks = recovery.read_locks(recovery.find_lock_files(backend, project, name)) if backend else []
    return recovery.diagnose(name, deployment, locks)


def mend_state_files(project_dir: Path, name: str, options: UpOptions, err: Say) -> int:
    """Before the stack is even opened: an empty state sidecar left by a kill (file backends) makes every
    Pulumi command fail with "failed to load checkpoint: EOF". Named (exit 4), or removed with --recover."""
    workspace = open_workspace(project_dir)
    backend = recovery.file_backend_dir(os.environ.get("PULUMI_BACKEND_URL") or workspace.who_am_i().url)
    if backend is None:
        return EXIT_OK
    sidecars = recovery.find_empty_sidecars(backend, workspace.project_settings().name, name)
    if not sidecars:
        return EXIT_OK
    if not options.recover:
        return _recovery_refusal(recovery.diagnose(name, {}, [], empty_sidecars=sidecars), err)
    for path in sidecars:
        path.unlink(missing_ok=True)
        err(f"recovery: removed the empty state metadata {path}")
    return EXIT_OK


def _recovery_refusal(diagnosis: recovery.Diagnosis, err: Say) -> int:
    live = any(state == recovery.LIVE for _, state in diagnosis.locks)
    if live:
        err(f"shopstream: stack {diagnosis.stack} is being updated by another process right now:")
        for line in recovery.describe(diagnosis):
            err(line)
        return EXIT_ERROR
    err(f"shopstream: stack {diagnosis.stack} was left behind by an interrupted update:")
    for line in recovery.describe(diagnosis):
        err(line)
    err("Run, in this order:")
    for command in recovery.recovery_commands(diagnosis):
        err(f"  {command}")
    if diagnosis.safe_to_recover:
        err(f"or let `shopstream up --stack {diagnosis.stack} --recover` run the first two for you.")
    return EXIT_NEEDS_RECOVERY


def recover(stack: auto.Stack, diagnosis: recovery.Diagnosis, out: Say, err: Say) -> None:
    """The safe recovery: only called when every lock is provably stale."""
    if diagnosis.locks:
        stack.cancel()
        err(f"recovery: removed the stale lock of {diagnosis.stack} (pulumi cancel)")
    if diagnosis.pending:
        stack.refresh(clear_pending_creates=True, on_output=out, color="never")
        cleared = len(diagnosis.pending)
        err(f"recovery: cleared {cleared} pending operation(s) (pulumi refresh --clear-pending-creates)")


def check_crash(stack: auto.Stack, name: str, options: UpOptions, out: Say, err: Say) -> int:
    """EXIT_OK when the stack may go ahead (recovering it first with --recover when that is safe)."""
    diagnosis = diagnose(stack, name)
    if not diagnosis.needs_recovery:
        return EXIT_OK
    live = any(state == recovery.LIVE for _, state in diagnosis.locks)
    if live or not options.recover or not diagnosis.safe_to_recover:
        return _recovery_refusal(diagnosis, err)
    recover(stack, diagnosis, out, err)
    return EXIT_OK


def up_stack(project_dir: Path, name: str, options: UpOptions, out: Say, err: Say) -> int:
    """One stack's `shopstream up`; the exit code (see shopstream.exit_codes)."""
    try:
        code = mend_state_files(project_dir, name, options, err)
        if code != EXIT_OK:
            return code
        stack = open_stack(project_dir, name)
        code = check_crash(stack, name, options, out, err)
        if code != EXIT_OK:
            return code
        plan = preview_plan(project_dir, name, refresh=options.refresh, progress=err)
    except (StackError, StackFileError, ToolchainMissing) as error:
        err(f"shopstream: {error}")
        return EXIT_ERROR
    except auto.CommandError as error:
        err(f"shopstream: {command_error_message(error)}")
        return EXIT_ERROR
    out(markdown([plan]))
    if options.refresh and not plan.refreshed:
        err(
            f"shopstream: {name}: could not refresh ({'; '.join(plan.warnings[:-1])}); an up now would not "
            "repair drift. Fix the endpoint, or run again with --no-refresh to apply the stack file as it is."
        )
        return EXIT_ERROR
    if plan.violations:
        err(f"shopstream: {name}: the policy pack refuses this plan:")
        for violation in plan.violations:
            err(f"  [{violation.policy}] {violation.resource}: {violation.message}")
        return EXIT_ERROR
    violations = evaluate_plan(plan, max_destructive_share=options.max_destructive_share)
    if violations and not options.allow_destructive:
        err(render_violations(violations))
        return EXIT_GUARDRAIL
    if not plan.has_changes:
        out("Nothing to do.")
        return EXIT_OK
    if options.confirm and not options.yes and not click.confirm(f"Apply these changes to {name}?"):
        err("shopstream: not applied")
        return EXIT_ERROR
    return _apply(stack, name, plan.production, options, out, err)


def _apply(stack: auto.Stack, name: str, production: bool, options: UpOptions, out: Say, err: Say) -> int:
    # The per-resource rules (HTTPS, production inlets, scopes) run as the policy pack, mandatory.
    with tempfile.TemporaryDirectory() as scratch:
        config = policy_config_file(Path(scratch), production=production, advisory=False)
        try:
            stack.up(
                on_output=out,
                color="never",
                refresh=options.refresh,
                policy_packs=[str(PACK_DIR)],
                policy_pack_configs=[str(config)],
                # One subscription that still fails after its retries must not leave the others undone.
                continue_on_error=True,
            )
        except auto.ConcurrentUpdateError as error:
            locks = recovery.parse_lock_error(str(error))
            diagnosis = recovery.diagnose(name, {}, locks)
            return _recovery_refusal(diagnosis, err) if locks else _fail(err, command_error_message(error))
        except auto.CommandError as error:
            return _fail(err, command_error_message(error))
    return EXIT_OK


def _fail(err: Say, message: str) -> int:
    err(f"shopstream: {message}")
    return EXIT_ERROR
