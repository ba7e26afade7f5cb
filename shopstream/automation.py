"""The thin transport to Pulumi: Automation API stacks on the project's own CLI, and what their engine
events say (steps, warning and error diagnostics, policy violations), with progress lines as they come.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from shopstream.plan import PolicyViolation, Step
from shopstream.toolchain import VENV_BIN, require_toolchain, toolchain_environment

Progress = Callable[[str], None]


class StackError(Exception):
    """A Pulumi command failed; the message is the CLI's own error, trimmed to what a user needs."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)  # the run's warning and error diagnostics


def missing_stack_message(stack: str) -> str:
    return (
        f"no Pulumi stack named '{stack}' exists in the current backend; create it with "
        f"`pulumi stack init {stack}` (it writes stacks/Pulumi.{stack}.yaml), store its secrets "
        '(see the README, "Pointing a stack at a real shop"), then run this again'
    )


def _workspace_options(project_dir: Path) -> auto.LocalWorkspaceOptions:
    require_toolchain()
    return auto.LocalWorkspaceOptions(
        work_dir=str(project_dir),
        pulumi_command=auto.PulumiCommand(root=str(VENV_BIN.parent)),
        env_vars=toolchain_environment(os.environ),
    )


def open_workspace(project_dir: Path) -> auto.LocalWorkspace:
    """The project's workspace without a stack selected (reads no state)."""
    return auto.LocalWorkspace(**_workspace_options(project_dir).__dict__)


def open_stack(project_dir: Path, stack: str) -> auto.Stack:
    """An existing stack of the project in `project_dir`, run with .venv/bin/pulumi and the offline switches.

    The user's own PULUMI_BACKEND_URL / PULUMI_CONFIG_PASSPHRASE(_FILE) / PULUMI_HOME are kept as they are.
    """
    options = _workspace_options(project_dir)
    try:
        return auto.select_stack(stack_name=stack, work_dir=str(project_dir), opts=options)
    except auto.StackNotFoundError:
        raise StackError(missing_stack_message(stack)) from None
    except auto.CommandError as error:
        raise StackError(command_error_message(error)) from None


def command_error_message(error: auto.CommandError) -> str:
    """The CLI's `error:` lines (the automation error string also carries the whole command and stdout)."""
    text = str(error)
    errors = [line.strip() for line in text.splitlines() if line.strip().startswith("error:")]
    return " ".join(dict.fromkeys(errors)) or text.strip().splitlines()[-1]


def _op(meta: Any) -> str:
    return str(meta.op.value if hasattr(meta.op, "value") else meta.op)


def _name(urn: str | None) -> str:
    return (urn or "").split("::")[-1]


@dataclass
class EventCollector:
    """Collects, from engine events: planned steps (pre events) for a preview, or the outcome of each read
    (outputs events) for a refresh, where the pre events only say "refresh"; warning and error diagnostics;
    policy violations. Each resource step is also a progress line."""

    outcome: bool = False
    progress: Progress | None = None
    steps: list[Step] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    violations: list[PolicyViolation] = field(default_factory=list)

    def __call__(self, event: auto.EngineEvent) -> None:
        if event.diagnostic_event is not None:
            self._diagnostic(event.diagnostic_event)
        if event.policy_event is not None and not _skipped_for_unknowns(event.policy_event.message):
            policy = event.policy_event
            # The engine sends the policy's description, then the violation's own message, on its last line.
            lines = [line for line in policy.message.splitlines() if line.strip()] or [""]
            self.violations.append(
                PolicyViolation(policy.policy_name, _name(policy.resource_urn), _one_line(lines[-1]))
            )
        pre = event.resource_pre_event
        if pre is not None and self.progress and pre.metadata.type.startswith("pulumi-python:dynamic/"):
            self.progress(f"{_op(pre.metadata)} {_name(pre.metadata.urn)}")
        source = event.res_outputs_event if self.outcome else pre
        if source is None:
            return
        meta = source.metadata
        self.steps.append(
            Step(
                op=_op(meta),
                urn=meta.urn,
                type=meta.type,
                old_inputs=dict(meta.old.inputs or {}) if meta.old else {},
                new_inputs=dict(meta.new.inputs or {}) if meta.new else {},
            )
        )

    def _diagnostic(self, diagnostic: auto.DiagnosticEvent) -> None:
        if diagnostic.severity not in ("warning", "error"):
            return
        message = _one_line(diagnostic.message)
        if message and message not in self.problems:
            self.problems.append(message)


def _skipped_for_unknowns(message: str) -> bool:
    """pulumi_policy's note that a policy could not run because an input is not known yet (a preview
    of a new inlet): not a violation; the policy runs on the real value at `up`."""
    return "can't run policy" in message and "during preview" in message


def _one_line(message: str) -> str:
    text = " ".join(message.split())
    return text.removeprefix("error: ").removeprefix("warning: ")


def _run(
    run: Callable[..., Any], collector: EventCollector, progress: Progress | None, what: str, **kwargs: Any
) -> EventCollector:
    started = time.monotonic()
    if progress:
        progress(f"{what} ...")
    try:
        run(on_event=collector, color="never", **kwargs)
    except auto.CommandError as error:
        if progress:
            progress(f"{what} failed after {time.monotonic() - started:.0f}s")
        raise StackError(command_error_message(error), collector.problems) from None
    if progress:
        progress(f"{what} done in {time.monotonic() - started:.0f}s")
    return collector


def preview(
    stack: auto.Stack,
    *,
    refresh: bool = False,
    policy_packs: Sequence[str] = (),
    policy_pack_configs: Sequence[str] = (),
    progress: Progress | None = None,
) -> EventCollector:
    """A preview (after a refresh of what Shopify and AEP have, when `refresh`) and what it said."""
    what = "refresh and preview" if refresh else "preview"
    return _run(
        stack.preview,
        EventCollector(progress=progress),
        progress,
        what,
        refresh=refresh,
        policy_packs=list(policy_packs) or None,
        policy_pack_configs=list(policy_pack_configs) or None,
    )


def preview_steps(stack: auto.Stack) -> list[Step]:
    return preview(stack).steps


def refresh_preview_steps(stack: auto.Stack, progress: Progress | None = None) -> list[Step]:
    """A refresh preview: what Shopify and AEP differ in from the state. Takes no state lock."""
    return _run(
        stack.preview_refresh, EventCollector(outcome=True, progress=progress), progress, "refresh preview"
    ).steps
