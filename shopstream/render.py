"""StackPlans as Markdown (a pull-request comment) and as JSON (for tools)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from shopstream.plan import ACTIONS, DATAFLOW_KIND, FieldChange, ResourceChange, StackPlan

_SYMBOL = {"create": "+", "update": "~", "replace": "+-", "delete": "-", "same": " "}
_LONG = 60


def _value(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= _LONG else text[: _LONG - 1] + "…"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _changes(changes: Sequence[FieldChange]) -> str:
    return "<br>".join(_cell(f"`{c.field}`: {_value(c.old)} → {_value(c.new)}") for c in changes)


def summary_line(plan: StackPlan) -> str:
    counts = plan.counts
    if not plan.has_changes:
        return f"**{plan.stack}**: no changes"
    parts = ", ".join(f"{counts[action]} to {action}" for action in ACTIONS if counts[action])
    return f"**{plan.stack}**{' (production)' if plan.production else ''}: {parts}"


def _node_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def mermaid(plan: StackPlan) -> str:
    """Shops → topics → inlet → dataflow; changed edges carry their action."""
    lines = ["flowchart LR"]
    flows = [c for c in plan.pipeline if c.kind == DATAFLOW_KIND]
    target = "inlet"
    lines.append('  inlet(["AEP streaming inlet"])')
    for flow in flows:
        lines.append(f'  {_node_id("flow_" + flow.name)}[["dataflow {flow.name} ({flow.action})"]]')
        lines.append(f"  inlet --> {_node_id('flow_' + flow.name)}")
    for shop in sorted({c.shop for c in plan.subscriptions}):
        lines.append(f'  {_node_id("shop_" + shop)}["{shop}.myshopify.com"]')
    for change in plan.subscriptions:
        label = change.topic if change.action == "same" else f"{_SYMBOL[change.action]} {change.topic}"
        arrow = "-.->" if change.action == "delete" else "-->"
        lines.append(f'  {_node_id("shop_" + change.shop)} {arrow}|"{label}"| {target}')
    return "\n".join(lines)


def _subscription_rows(changes: list[ResourceChange]) -> list[str]:
    rows = ["| topic | action | changes |", "|---|---|---|"]
    for change in sorted(changes, key=lambda c: (*ACTIONS, "same").index(c.action)):
        rows.append(f"| `{change.topic}` | {change.action} | {_changes(change.changes)} |")
    return rows


def markdown(plans: Sequence[StackPlan]) -> str:
    out = ["## shopstream preview", ""]
    flags = [flag for plan in plans for flag in plan.flags]
    if flags:
        out += ["> [!WARNING]", *(f"> - {_cell(flag)}" for flag in flags), ""]
    for plan in plans:
        out += [f"### {plan.stack}", "", summary_line(plan), ""]
        changed = [c for c in plan.subscriptions if c.action != "same"]
        for shop in sorted({c.shop for c in changed}):
            out += [f"#### {shop}", "", *_subscription_rows([c for c in changed if c.shop == shop]), ""]
        pipeline = [c for c in plan.pipeline if c.action != "same"]
        if pipeline:
            out += ["#### AEP pipeline", "", "| part | name | action | changes |", "|---|---|---|---|"]
            out += [f"| {c.kind} | `{c.name}` | {c.action} | {_changes(c.changes)} |" for c in pipeline]
            out.append("")
        if plan.has_changes:
            out += ["```mermaid", mermaid(plan), "```", ""]
    return "\n".join(out).rstrip() + "\n"


def _change_json(change: ResourceChange) -> dict[str, Any]:
    return {
        "name": change.name,
        "kind": change.kind,
        "action": change.action,
        **({"shop": change.shop, "topic": change.topic} if change.shop else {}),
        "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in change.changes],
    }


def as_json(plans: Sequence[StackPlan]) -> dict[str, Any]:
    return {
        "flags": [flag for plan in plans for flag in plan.flags],
        "stacks": [
            {
                "stack": plan.stack,
                "production": plan.production,
                "summary": plan.counts,
                "subscriptions": [_change_json(c) for c in plan.subscriptions if c.action != "same"],
                "pipeline": [_change_json(c) for c in plan.pipeline if c.action != "same"],
                "flags": plan.flags,
            }
            for plan in plans
        ],
    }
