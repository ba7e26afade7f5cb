"""Safety limits on a planned `up`, in the style of octoDNS's update/delete thresholds (pure functions).

A policy pack sees each resource's inputs but not the operation the engine will perform, so the limits
on *how much* an `up` destroys are enforced here, over the StackPlan of a preview (which lists unchanged
resources too, so the old state's size is known):

* `mass-destructive-change`: a production stack would delete or replace more than `max_destructive_share`
  of the webhook subscriptions it has now (the old state);
* `dataflow-replace`: a production stack would replace the AEP dataflow, and with it the streaming inlet
  every subscription delivers to.

The CLI (`shopstream up`) refuses such a plan unless the user passes an explicit override flag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shopstream.plan import DATAFLOW_KIND, StackPlan

DEFAULT_MAX_DESTRUCTIVE_SHARE = 0.25
OVERRIDE_FLAG = "--allow-destructive"

MASS_DESTRUCTIVE_CHANGE = "mass-destructive-change"
DATAFLOW_REPLACE = "dataflow-replace"


@dataclass(frozen=True)
class Violation:
    code: str
    message: str  # one sentence
    names: tuple[str, ...]  # the resources involved (Pulumi logical names)


def evaluate_plan(
    plan: StackPlan, *, max_destructive_share: float = DEFAULT_MAX_DESTRUCTIVE_SHARE
) -> list[Violation]:
    """The guardrails a planned `up` breaks; empty when it may go ahead (always, for non-production).

    The share is strictly "more than": with the default 0.25, 1 of 4 subscriptions may go, 2 of 4 may not.
    """
    if not 0.0 <= max_destructive_share <= 1.0:
        raise ValueError(f"max_destructive_share must be between 0 and 1, not {max_destructive_share}")
    if not plan.production:
        return []
    violations: list[Violation] = []

    existing = [change for change in plan.subscriptions if change.action != "create"]
    destroyed = [change.name for change in plan.subscriptions if change.action in ("delete", "replace")]
    if existing and len(destroyed) / len(existing) > max_destructive_share:
        violations.append(
            Violation(
                MASS_DESTRUCTIVE_CHANGE,
                f"This up would delete or replace {len(destroyed)} of the stack's {len(existing)} webhook "
                f"subscriptions ({len(destroyed) / len(existing):.0%}), more than the "
                f"{max_destructive_share:.0%} a production stack allows.",
                tuple(destroyed),
            )
        )
    for change in plan.pipeline:
        if change.kind == DATAFLOW_KIND and change.action == "replace":
            violations.append(
                Violation(
                    DATAFLOW_REPLACE,
                    f"This up would replace the AEP dataflow {change.name}, which gives the stack a new "
                    "streaming inlet and drops events sent to the old one while subscriptions move over.",
                    (change.name,),
                )
            )
    return violations


def render_violations(violations: Sequence[Violation], *, override_flag: str = OVERRIDE_FLAG) -> str:
    """A message for the terminal: each violation, the resources involved, and how to override."""
    if not violations:
        return ""
    lines = ["Refusing to run: this plan breaks the production guardrails."]
    for violation in violations:
        lines.append(f"  [{violation.code}] {violation.message}")
        names = violation.names
        shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
        lines.append(f"      resources: {shown}")
    lines.append(f"If this is intended, run again with {override_flag}.")
    return "\n".join(lines)
