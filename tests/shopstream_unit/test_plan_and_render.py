"""shopstream.plan and shopstream.render over hand-made steps (pure)."""

from __future__ import annotations

from typing import Any

from shopstream.plan import MASK, SUBSCRIPTION_TYPE, Step, plan_stack
from shopstream.render import as_json, markdown, mermaid

BASE = "pulumi-python:dynamic/aep:BaseConnection"
FLOW = "pulumi-python:dynamic/aep:Dataflow"


def step(op: str, type_: str, name: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> Step:
    return Step(op, f"urn:pulumi:prod::shopstream::{type_}::{name}", type_, old or {}, new or {})


def sub(shop: str, topic: str, **extra: Any) -> dict[str, Any]:
    return {"shop": shop, "topic": topic, "address": "https://a.example", "fields": [], **extra}


def test_a_replacement_in_three_steps_is_one_replace_with_both_sides() -> None:
    old, new = sub("acme", "orders/create"), sub("acme", "orders/create", format="xml")
    steps = [
        step("create-replacement", SUBSCRIPTION_TYPE, "acme/orders/create", None, new),
        step("replace", SUBSCRIPTION_TYPE, "acme/orders/create", old, new),
        step("delete-replaced", SUBSCRIPTION_TYPE, "acme/orders/create", old, None),
    ]
    [change] = plan_stack("prod", steps, production=False).subscriptions
    assert (change.action, change.shop, change.topic) == ("replace", "acme", "orders/create")
    assert [(c.field, c.old, c.new) for c in change.changes] == [("format", None, "xml")]


def test_secrets_are_masked_and_bookkeeping_inputs_ignored() -> None:
    old = {"name": "a", "hmac_secret": "s3cret-old", "__provider": "x", "granted_scopes": ["read_orders"]}
    new = {"name": "a", "hmac_secret": "s3cret-new", "__provider": "y", "granted_scopes": []}
    plan = plan_stack("prod", [step("update", BASE, "base", old, new)], production=False)
    [change] = plan.pipeline
    assert [(c.field, c.old, c.new) for c in change.changes] == [("hmac_secret", MASK, MASK)]
    rendered = markdown([plan]) + str(as_json([plan]))
    assert "s3cret" not in rendered and MASK in rendered


def test_flags_name_dataflow_replacement_disable_and_production_deletes() -> None:
    steps = [
        step("delete", SUBSCRIPTION_TYPE, "acme/orders/paid", sub("acme", "orders/paid"), None),
        step("replace", FLOW, "flow", {"name": "f"}, {"name": "g"}),
        step("update", FLOW, "other-flow", {"enabled": True}, {"enabled": False}),
    ]
    flags = plan_stack("prod", steps, production=True).flags
    assert flags == [
        "prod: replaces the dataflow flow: ingestion stops and the inlet URL changes",
        "prod: disables the dataflow other-flow: ingestion stops",
        "prod (production): deletes 1 subscription(s): acme orders/paid",
    ]
    assert plan_stack("dev", steps[:1], production=False).flags == []


def test_markdown_lists_rows_per_shop_and_a_diagram_and_no_changes_says_so() -> None:
    steps = [
        step("create", SUBSCRIPTION_TYPE, "eu/orders/create", None, sub("eu", "orders/create")),
        step(
            "same",
            SUBSCRIPTION_TYPE,
            "us/orders/create",
            sub("us", "orders/create"),
            sub("us", "orders/create"),
        ),
    ]
    plan = plan_stack("staging", steps, production=False)
    text = markdown([plan])
    assert "**staging**: 1 to create" in text
    assert "#### eu" in text and "#### us" not in text  # unchanged shops get no table
    assert '|"+ orders/create"|' in mermaid(plan) and '|"orders/create"|' in mermaid(plan)
    same = plan_stack("staging", steps[1:], production=False)
    assert "**staging**: no changes" in markdown([same]) and "mermaid" not in markdown([same])
    assert as_json([same])["stacks"][0]["summary"] == {"create": 0, "update": 0, "replace": 0, "delete": 0}
