"""One stack's preview as `shopstream preview` and `up` run it: refreshed first (so drift is in the plan),
with the policy pack as advisory (its violations become part of the plan instead of stopping it), and an
endpoint that cannot be reached turned into a visible warning.

When the refresh fails only because Shopify, IMS or the Platform cannot be reached, the preview runs
again without the refresh, so a reviewer still sees the plan, under a warning that says drift is not in it.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from pathlib import Path

from shopstream import automation
from shopstream.automation import EventCollector, Progress, StackError
from shopstream.plan import StackPlan, plan_stack
from shopstream.policy.pack_config import PACK_DIR, config_for
from shopstream.stackfile.load import load_stack_file, stack_file_path
from shopstream.versions import topic_notes

# How our clients word an endpoint with no HTTP answer (shopify_api.errors / aep_api.errors).
UNREACHABLE_MARK = "Could not reach "
NOT_REFRESHED = "the preview could not refresh, so drift (changes made outside the tool) is not in it"


def unreachable(problems: Sequence[str]) -> list[str]:
    """The diagnostics that say an endpoint gave no answer, each from its "Could not reach" on."""
    found = []
    for problem in problems:
        at = problem.find(UNREACHABLE_MARK)
        if at >= 0 and problem[at:] not in found:
            found.append(problem[at:])
    return found


def policy_config_file(directory: Path, *, production: bool, advisory: bool) -> Path:
    path = directory / ("policy-advisory.json" if advisory else "policy-mandatory.json")
    path.write_text(json.dumps(config_for(production, advisory=advisory)))
    return path


def preview_plan(
    project_dir: Path, name: str, *, refresh: bool, progress: Progress | None = None
) -> StackPlan:
    """The StackPlan of stack `name` (see the module docstring). Raises StackError / StackFileError."""
    spec = load_stack_file(stack_file_path(project_dir, name))
    stack = automation.open_stack(project_dir, name)
    warnings: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        config = policy_config_file(Path(scratch), production=spec.production, advisory=True)

        def run(refresh_first: bool) -> EventCollector:
            return automation.preview(
                stack,
                refresh=refresh_first,
                policy_packs=[str(PACK_DIR)],
                policy_pack_configs=[str(config)],
                progress=progress,
            )

        try:
            outcome = run(refresh)
            refreshed = refresh
        except StackError as error:
            cannot_reach = unreachable([*error.problems, str(error)])
            if not (refresh and cannot_reach):
                raise
            if progress:
                progress("an endpoint cannot be reached: previewing against the state, without a refresh")
            warnings += [*cannot_reach, NOT_REFRESHED]
            outcome = run(False)
            refreshed = False
    warnings += [w for w in unreachable(outcome.problems) if w not in warnings]
    return plan_stack(
        name,
        outcome.steps,
        production=spec.production,
        refreshed=refreshed,
        warnings=warnings,
        violations=outcome.violations,
        topic_changes=topic_notes,
    )
