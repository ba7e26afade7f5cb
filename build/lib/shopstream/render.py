"""StackPlans as Markdown (a pull-request comment, also what `up` prints) and as JSON (for tools).

At the top, before any stack: policy violations, warnings (an endpoint that could not be reached),
stacks whose preview failed, API version changes, then the flags of destructive plans.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from shopstream.plan import ACTIONS, DATAFLOW_KIND, ResourceChange, StackPlan

_SYMBOL = {"create": "+", "update": "~", "replace": "+-", "delete": "-", "same": " "}
_LONG = 60


def _value(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= _LONG else text[: _LONG - 1] + "…"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _changes(change: ResourceChange) -> str:
    """Old → new per changed field; for a create or delete, what will exist or go."""
    if change.action in ("create", "delete"):
        return "<br>".join(_cell(f"`{key}`: {_value(value)}") for key, value in change.attributes)
    return "<br>".join(_cell(f"`{c.field}`: {_value(c.old)} → {_value(c.new)}") for c in change.changes)


def summary_line(plan: StackPlan) -> str:
    counts = plan.counts
    if plan.error is not None:
        return f"**{plan.stack}**: the preview failed"
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
        rows.append(f"| `{change.topic}` | {change.action} | {_changes(change)} |")
    return rows


def _alert(kind: str, title: str, lines: Sequence[str]) -> list[str]:
    return [f"> [!{kind}]", f"> **{title}**", *(f"> - {_cell(line)}" for line in lines), ""] if lines else []


def header(plans: Sequence[StackPlan]) -> list[str]:
    """The blocks a reviewer must see first (see the module docstring)."""
    violations = [
        f"{plan.stack}: `{v.policy}`: "
        + (v.message if not v.resource or v.message.startswith(v.resource) else f"{v.resource}: {v.message}")
        for plan in plans
        for v in plan.violations
    ]
    warnings = [f"{plan.stack}: {warning}" for plan in plans for warning in plan.warnings]
    errors = [f"{plan.stack}: {plan.error}" for plan in plans if plan.error is not None]
    versions = []
    for plan in plans:
        if plan.api_version is not None:
            change = plan.api_version
            versions.append(f"{plan.stack}: Shopify API version {change.old} → {change.new}")
            versions += [f"{plan.stack}: {note}" for note in change.topic_notes]
    return [
        *_alert("CAUTION", "Policy violations: `shopstream up` will refuse this plan", violations),
        *_alert("CAUTION", "Preview failed", errors),
        *_alert("WARNING", "Warnings", warnings),
        *_alert("IMPORTANT", "API version change", versions),
        *_alert("WARNING", "Destructive changes", [flag for plan in plans for flag in plan.flags]),
    ]


def markdown(plans: Sequence[StackPlan]) -> str:
    out = ["## shopstream preview", "", *header(plans)]
    for plan in plans:
        out += [f"### {plan.stack}", "", summary_line(plan), ""]
        if plan.error is not None:
            continue
        changed = [c for c in plan.subscriptions if c.action != "same"]
        for shop in sorted({c.shop for c in changed}):
            out += [f"#### {shop}", "", *_subscription_rows([c for c in changed if c.shop == shop]), ""]
        pipeline = [c for c in plan.pipeline if c.action != "same"]
        if pipeline:
            out += ["#### AEP pipeline", "", "| part | name | action | changes |", "|---|---|---|---|"]
            out += [f"| {c.kind} | `{c.name}` | {c.action} | {_changes(c)} |" for c in pipeline]
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
        "attributes": dict(change.attributes),
    }


def as_json(plans: Sequence[StackPlan]) -> dict[str, Any]:
    return {
        "flags": [flag for plan in plans for flag in plan.flags],
        "stacks": [
            {
                "stack": plan.stack,
                "production": plan.production,
                "refreshed": plan.refreshed,
                "error": plan.error,
                "warnings": plan.warnings,
                "violations": [
                    {"policy": v.policy, "resource": v.resource, "message": v.message}
                    for v in plan.violations
                ],
                "api_version": (
                    {
                        "old": plan.api_version.old,
                        "new": plan.api_version.new,
                        "topic_notes": list(plan.api_version.topic_notes),
                    }
                    if plan.api_version
                    else None
                ),
                "summary": plan.counts,
                "subscriptions": [_change_json(c) for c in plan.subscriptions if c.action != "same"],
                "pipeline": [_change_json(c) for c in plan.pipeline if c.action != "same"],
                "flags": plan.flags,
            }
            for plan in plans
        ],
    }
