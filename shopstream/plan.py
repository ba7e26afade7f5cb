"""What a preview would change in one stack, worked out from Pulumi's steps (pure: no I/O).

Pulumi's dynamic providers send no detailed diff, so the fields that change are found by comparing each
step's old and new inputs. Replacements arrive as several steps for one URN (create-replacement, replace,
delete-replaced) and count once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SUBSCRIPTION_TYPE = "pulumi-python:dynamic/shopify:WebhookSubscription"
PIPELINE_TYPE_PREFIX = "pulumi-python:dynamic/aep:"
DATAFLOW_KIND = "Dataflow"  # the AEP dataflow's kind: pulumi-python:dynamic/aep:Dataflow
MASK = "[secret]"
# Inputs that are secrets whatever the engine says about them.
SECRET_INPUTS = frozenset({"hmac_secret", "client_secret", "access_token", "token"})
# Bookkeeping inputs that never mean a change to the user.
IGNORED_INPUTS = frozenset({"__provider", "granted_scopes"})

_ACTION_OF_OP = {
    "create": "create",
    "update": "update",
    "delete": "delete",
    "replace": "replace",
    "create-replacement": "replace",
    "delete-replaced": "replace",
    "discard": "delete",
    "discard-replaced": "replace",
}
ACTIONS = ("create", "update", "replace", "delete")


@dataclass(frozen=True)
class Step:
    """One resource step, from an Automation API event or a `pulumi preview --json` step."""

    op: str
    urn: str
    type: str
    old_inputs: Mapping[str, Any]
    new_inputs: Mapping[str, Any]

    @property
    def name(self) -> str:
        return self.urn.split("::")[-1]

    @classmethod
    def from_json(cls, step: Mapping[str, Any]) -> Step:
        old = step.get("oldState") or {}
        new = step.get("newState") or {}
        urn = str(step["urn"])
        return cls(
            op=str(step["op"]),
            urn=urn,
            # A child's URN type is `<parent type>$<type>`.
            type=str(new.get("type") or old.get("type") or urn.split("::")[-2].split("$")[-1]),
            old_inputs=old.get("inputs") or {},
            new_inputs=new.get("inputs") or {},
        )


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class ResourceChange:
    """A subscription (shop, topic) or a pipeline part (kind, name) and what happens to it."""

    action: str  # create | update | replace | delete | same
    name: str
    kind: str
    shop: str = ""
    topic: str = ""
    changes: tuple[FieldChange, ...] = ()


@dataclass
class StackPlan:
    stack: str
    production: bool
    subscriptions: list[ResourceChange] = field(default_factory=list)
    pipeline: list[ResourceChange] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ACTIONS, 0)
        for change in self.subscriptions + self.pipeline:
            if change.action in counts:
                counts[change.action] += 1
        return counts

    @property
    def has_changes(self) -> bool:
        return any(self.counts.values())


def mask(key: str, value: Any) -> Any:
    return MASK if key in SECRET_INPUTS and value not in (None, "") else value


def field_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    keys = sorted((old.keys() | new.keys()) - IGNORED_INPUTS)
    return tuple(
        FieldChange(key, mask(key, old.get(key)), mask(key, new.get(key)))
        for key in keys
        if old.get(key) != new.get(key)
    )


def _merge_replacements(steps: Iterable[Step]) -> list[tuple[str, Step]]:
    """(action, step) per URN, in first-seen order: a replacement's steps collapse into one `replace`
    whose step carries the old inputs of the replaced resource and the new inputs of its replacement."""
    grouped: dict[str, list[Step]] = {}
    for step in steps:
        grouped.setdefault(step.urn, []).append(step)
    merged = []
    for group in grouped.values():
        actions = [_ACTION_OF_OP.get(step.op, "same") for step in group]
        action = "replace" if "replace" in actions else actions[0]
        old = next((step.old_inputs for step in group if step.old_inputs), {})
        new = next((step.new_inputs for step in group if step.new_inputs), {})
        merged.append((action, dataclasses.replace(group[0], old_inputs=old, new_inputs=new)))
    return merged


def plan_stack(stack: str, steps: Iterable[Step], *, production: bool) -> StackPlan:
    plan = StackPlan(stack=stack, production=production)
    for action, step in _merge_replacements(steps):
        inputs = step.new_inputs or step.old_inputs
        changes = field_changes(step.old_inputs, step.new_inputs) if action in ("update", "replace") else ()
        if step.type == SUBSCRIPTION_TYPE:
            plan.subscriptions.append(
                ResourceChange(
                    action,
                    step.name,
                    "WebhookSubscription",
                    str(inputs.get("shop", "")),
                    str(inputs.get("topic", "")),
                    changes,
                )
            )
        elif step.type.startswith(PIPELINE_TYPE_PREFIX):
            plan.pipeline.append(ResourceChange(action, step.name, step.type.split(":")[-1], changes=changes))
    plan.flags = flags_for(plan)
    return plan


def flags_for(plan: StackPlan) -> list[str]:
    """What a reviewer must not miss, most dangerous first."""
    flags = []
    for change in plan.pipeline:
        if change.kind == DATAFLOW_KIND and change.action in ("replace", "delete"):
            flags.append(
                f"{plan.stack}: {'replaces' if change.action == 'replace' else 'deletes'} the dataflow "
                f"{change.name}: ingestion stops and the inlet URL changes"
            )
        elif change.kind == DATAFLOW_KIND and any(
            c.field == "enabled" and c.new is False for c in change.changes
        ):
            flags.append(f"{plan.stack}: disables the dataflow {change.name}: ingestion stops")
    deletes = [c for c in plan.subscriptions if c.action == "delete"]
    if plan.production and deletes:
        listed = ", ".join(f"{c.shop} {c.topic}" for c in deletes)
        flags.append(f"{plan.stack} (production): deletes {len(deletes)} subscription(s): {listed}")
    return flags
