"""The thin transport to Pulumi: Automation API stacks on the project's own CLI, and their steps."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from shopstream.plan import Step
from shopstream.toolchain import VENV_BIN, require_toolchain, toolchain_environment


class StackError(Exception):
    """A Pulumi command failed; the message is the CLI's own error, trimmed to what a user needs."""


def open_stack(project_dir: Path, stack: str) -> auto.Stack:
    """An existing stack of the project in `project_dir`, run with .venv/bin/pulumi and the offline switches.

    The user's own PULUMI_BACKEND_URL / PULUMI_CONFIG_PASSPHRASE(_FILE) / PULUMI_HOME are kept as they are.
    """
    require_toolchain()
    options = auto.LocalWorkspaceOptions(
        work_dir=str(project_dir),
        pulumi_command=auto.PulumiCommand(root=str(VENV_BIN.parent)),
        env_vars=toolchain_environment(os.environ),
    )
    try:
        return auto.select_stack(stack_name=stack, work_dir=str(project_dir), opts=options)
    except auto.CommandError as error:
        raise StackError(command_error_message(error)) from None


def command_error_message(error: auto.CommandError) -> str:
    """The CLI's `error:` lines (the automation error string also carries the whole command and stdout)."""
    text = str(error)
    errors = [line.strip() for line in text.splitlines() if line.strip().startswith("error:")]
    return " ".join(dict.fromkeys(errors)) or text.strip().splitlines()[-1]


class _StepCollector:
    """Collects steps from engine events: planned steps (pre events) for a preview, or the outcome of
    each read (outputs events) for a refresh, where the pre events only say "refresh"."""

    def __init__(self, outcome: bool) -> None:
        self.outcome = outcome
        self.steps: list[Step] = []

    def __call__(self, event: auto.EngineEvent) -> None:
        source = event.res_outputs_event if self.outcome else event.resource_pre_event
        if source is None:
            return
        meta = source.metadata
        self.steps.append(
            Step(
                op=str(meta.op.value if hasattr(meta.op, "value") else meta.op),
                urn=meta.urn,
                type=meta.type,
                old_inputs=dict(meta.old.inputs or {}) if meta.old else {},
                new_inputs=dict(meta.new.inputs or {}) if meta.new else {},
            )
        )


def _collect(run: Callable[..., Any], *, outcome: bool = False, **kwargs: Any) -> list[Step]:
    collector = _StepCollector(outcome)
    try:
        run(on_event=collector, color="never", **kwargs)
    except auto.CommandError as error:
        raise StackError(command_error_message(error)) from None
    return collector.steps


def preview_steps(stack: auto.Stack) -> list[Step]:
    return _collect(stack.preview)


def refresh_preview_steps(stack: auto.Stack) -> list[Step]:
    """A refresh preview: what Shopify and AEP differ in from the state. Takes no state lock."""
    return _collect(stack.preview_refresh, outcome=True)
