"""What a preview would change in one stack, worked out from Pulumi's steps (pure: no I/O).

Pulumi's dynamic providers send no detailed diff, so the fields that change are found by comparing each
step's old and new inputs. Replacements arrive as several steps for one URN (create-replacement, replace,
delete-replaced) and count once. Values Pulumi does not know yet (its wire placeholder) are shown as
"(known after apply)", secrets as "[secret]"; a create or delete lists what will exist or go.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi.runtime.rpc import UNKNOWN

SUBSCRIPTION_TYPE = "pulumi-python:dynamic/shopify:WebhookSubscription"
PIPELINE_TYPE_PREFIX = "pulumi-python:dynamic/aep:"
DATAFLOW_KIND = "Dataflow"  # the AEP dataflow's kind: pulumi-python:dynamic/aep:Dataflow
MASK = "[secret]"
KNOWN_AFTER_APPLY = "(known after apply)"
# Inputs that are secrets whatever the engine says about them.
SECRET_INPUTS = frozenset({"hmac_secret", "client_secret", "access_token", "token"})
# Bookkeeping inputs that never mean a change to the user.
IGNORED_INPUTS = frozenset({"__provider", "granted_scopes"})
# What a create or delete row shows: where the resource delivers or what it is (in this order).
SUMMARY_INPUTS = (
    "address",
    "uri",
    "format",
    "fields",
    "metafield_namespaces",
    "filter",
    "name",
    "dataset_id",
    "schema_id",
)
# Steps that only read (the refresh part of `preview --refresh`): no change to the plan.
READ_OPS = frozenset({"refresh", "read", "read-replacement", "read-discard"})

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
    # For a create: what will exist; for a delete: what goes (SUMMARY_INPUTS that are set).
    attributes: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class PolicyViolation:
    """A policy of the pack that a resource breaks (from the engine's policy events)."""

    policy: str
    resource: str  # the Pulumi logical name, or "" for a stack policy
    message: str


@dataclass(frozen=True)
class ApiVersionChange:
    old: str
    new: str
    # Topics this stack subscribes to that the new version renames or removes, one line each.
    topic_notes: tuple[str, ...] = ()


@dataclass
class StackPlan:
    stack: str
    production: bool
    subscriptions: list[ResourceChange] = field(default_factory=list)
    pipeline: list[ResourceChange] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    refreshed: bool = False  # the preview read Shopify and AEP first, so drift is in it
    warnings: list[str] = field(default_factory=list)  # e.g. an endpoint that could not be reached
    violations: list[PolicyViolation] = field(default_factory=list)
    api_version: ApiVersionChange | None = None
    error: str | None = None  # the preview of this stack failed; the message says why

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


def is_unknown(value: Any) -> bool:
    """Pulumi's placeholder for a value computed later, alone or inside a string."""
    return isinstance(value, str) and UNKNOWN in value


def known(value: Any) -> Any:
    """`value` with every unknown (also inside lists and mappings) replaced by KNOWN_AFTER_APPLY."""
    if is_unknown(value):
        return KNOWN_AFTER_APPLY
    if isinstance(value, list | tuple):
        return [known(item) for item in value]
    if isinstance(value, Mapping):
        return {key: known(item) for key, item in value.items()}
    return value


def mask(key: str, value: Any) -> Any:
    """What a preview may show of input `key`: secrets masked, unknowns as KNOWN_AFTER_APPLY."""
    if key in SECRET_INPUTS and value not in (None, ""):
        return MASK
    return known(value)


def attributes(inputs: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    """The SUMMARY_INPUTS that `inputs` sets (empty lists and strings left out), shown safely."""
    return tuple(
        (key, mask(key, inputs[key])) for key in SUMMARY_INPUTS if inputs.get(key) not in (None, "", [], ())
    )


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
        if step.op in READ_OPS:
            continue
        grouped.setdefault(step.urn, []).append(step)
    merged = []
    for group in grouped.values():
        actions = [_ACTION_OF_OP.get(step.op, "same") for step in group]
        action = "replace" if "replace" in actions else actions[0]
        old = next((step.old_inputs for step in group if step.old_inputs), {})
        new = next((step.new_inputs for step in group if step.new_inputs), {})
        merged.append((action, dataclasses.replace(group[0], old_inputs=old, new_inputs=new)))
    return merged


TopicChanges = Callable[[str, str, Sequence[str]], Sequence[str]]


def plan_stack(
    stack: str,
    steps: Iterable[Step],
    *,
    production: bool,
    refreshed: bool = False,
    warnings: Sequence[str] = (),
    violations: Sequence[PolicyViolation] = (),
    topic_changes: TopicChanges | None = None,
) -> StackPlan:
    """The plan of one stack. `topic_changes(old, new, topics)` words what a new API version does to the
    stack's topics (shopstream.versions.topic_notes), when the version changes."""
    plan = StackPlan(
        stack=stack,
        production=production,
        refreshed=refreshed,
        warnings=list(warnings),
        violations=list(violations),
    )
    versions: set[tuple[str, str]] = set()
    for action, step in _merge_replacements(steps):
        inputs = step.new_inputs or step.old_inputs
        changes = field_changes(step.old_inputs, step.new_inputs) if action in ("update", "replace") else ()
        shown = attributes(step.new_inputs if action == "create" else step.old_inputs)
        summary = shown if action in ("create", "delete") else ()
        if step.type == SUBSCRIPTION_TYPE:
            plan.subscriptions.append(
                ResourceChange(
                    action,
                    step.name,
                    "WebhookSubscription",
                    str(inputs.get("shop", "")),
                    str(inputs.get("topic", "")),
                    changes,
                    summary,
                )
            )
            old_version, new_version = step.old_inputs.get("api_version"), step.new_inputs.get("api_version")
            if isinstance(old_version, str) and isinstance(new_version, str) and old_version != new_version:
                versions.add((old_version, new_version))
        elif step.type.startswith(PIPELINE_TYPE_PREFIX):
            kind = step.type.split(":")[-1]
            plan.pipeline.append(ResourceChange(action, step.name, kind, changes=changes, attributes=summary))
    if versions:
        old, new = sorted(versions)[0]
        topics = sorted({c.topic for c in plan.subscriptions if c.action != "delete"})
        notes = tuple(topic_changes(old, new, topics)) if topic_changes else ()
        plan.api_version = ApiVersionChange(old, new, notes)
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
