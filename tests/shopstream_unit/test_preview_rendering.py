"""Previews of unknowns, creates, deletes and replacements, and a golden Markdown preview (pure).

The golden input is the engine's steps of a real `preview --refresh` (captured from the e2e pipeline
world, provider blobs removed) in which a new dataset replaces the target connection and the dataflow and
the API version goes from 2026-10 to 2026-07. Regenerate the golden file after an intended change with
SHOPSTREAM_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pulumi.runtime.rpc import UNKNOWN

from shopstream.plan import KNOWN_AFTER_APPLY, SUBSCRIPTION_TYPE, PolicyViolation, Step, plan_stack
from shopstream.render import as_json, markdown
from shopstream.shopify_api.topics import TopicHistory
from shopstream.versions import topic_notes

GOLDEN = Path(__file__).parent / "golden"
FLOW = "pulumi-python:dynamic/aep:Dataflow"


def step(op: str, type_: str, name: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> Step:
    return Step(op, f"urn:pulumi:prod::shopstream::{type_}::{name}", type_, old or {}, new or {})


def sub(topic: str, **extra: Any) -> dict[str, Any]:
    return {"shop": "acme", "topic": topic, "address": "https://a.example/h", "format": "json", **extra}


def test_unknowns_render_as_known_after_apply_in_markdown_and_json() -> None:
    old = sub("orders/create")
    new = sub("orders/create", address=UNKNOWN, fields=["id", UNKNOWN])
    plan = plan_stack(
        "prod", [step("update", SUBSCRIPTION_TYPE, "acme/orders/create", old, new)], production=False
    )
    text = markdown([plan])
    data = json.dumps(as_json([plan]))
    assert UNKNOWN not in text + data
    assert f"`address`: https://a.example/h → {KNOWN_AFTER_APPLY}" in text
    assert f'`fields`:  → ["id", "{KNOWN_AFTER_APPLY}"]' in text
    [change] = as_json([plan])["stacks"][0]["subscriptions"][0]["changes"][:1]
    assert change == {"field": "address", "old": "https://a.example/h", "new": KNOWN_AFTER_APPLY}


def test_create_and_delete_rows_show_what_will_exist_or_go() -> None:
    created = sub("orders/paid", fields=["id", "email"], filter="total_price:>100", name="shopstream-prod")
    deleted = sub("orders/cancelled", address="https://old.example/x")
    steps = [
        step("create", SUBSCRIPTION_TYPE, "acme/orders/paid", None, created),
        step("delete", SUBSCRIPTION_TYPE, "acme/orders/cancelled", deleted, None),
    ]
    plan = plan_stack("prod", steps, production=False)
    text = markdown([plan])
    assert (
        "| `orders/paid` | create | `address`: https://a.example/h<br>`format`: json"
        '<br>`fields`: ["id", "email"]<br>`filter`: total_price:>100<br>`name`: shopstream-prod |' in text
    )
    assert "| `orders/cancelled` | delete | `address`: https://old.example/x<br>`format`: json |" in text
    rows = {s["topic"]: s for s in as_json([plan])["stacks"][0]["subscriptions"]}
    assert rows["orders/paid"]["attributes"]["filter"] == "total_price:>100"
    assert rows["orders/cancelled"]["attributes"] == {"address": "https://old.example/x", "format": "json"}


def test_a_create_whose_address_is_not_known_yet_says_so() -> None:
    plan = plan_stack(
        "prod",
        [step("create", SUBSCRIPTION_TYPE, "acme/x", None, sub("orders/create", address=UNKNOWN))],
        production=False,
    )
    assert f"| `orders/create` | create | `address`: {KNOWN_AFTER_APPLY}<br>`format`: json |" in markdown(
        [plan]
    )


def test_a_replacement_shows_old_and_new() -> None:
    old = {"name": "f", "target_connection_id": "tc-1"}
    new = {"name": "f", "target_connection_id": UNKNOWN}
    steps = [
        step("create-replacement", FLOW, "flow", old, new),
        step("replace", FLOW, "flow", old, new),
        step("delete-replaced", FLOW, "flow", old, None),
    ]
    plan = plan_stack("prod", steps, production=False)
    assert (
        f"| Dataflow | `flow` | replace | `target_connection_id`: tc-1 → {KNOWN_AFTER_APPLY} |"
        in markdown([plan])
    )


def test_refresh_steps_of_a_refreshed_preview_do_not_hide_the_plan() -> None:
    old = sub("orders/create")
    steps = [
        step("refresh", SUBSCRIPTION_TYPE, "acme/orders/create", old, old),
        step("update", SUBSCRIPTION_TYPE, "acme/orders/create", old, sub("orders/create", fields=["id"])),
    ]
    assert plan_stack("prod", steps, production=False).counts["update"] == 1


def fake_topic_changes(old: str, new: str, topics: Sequence[str]) -> list[str]:
    return [f"`{topic}` changes between {old} and {new}" for topic in topics]


def test_violations_warnings_and_the_api_version_come_first() -> None:
    old, new = sub("orders/create", api_version="2026-10"), sub("orders/create", api_version="2027-01")
    plan = plan_stack(
        "prod",
        [step("same", SUBSCRIPTION_TYPE, "acme/orders/create", old, new)],
        production=True,
        warnings=["Could not reach Shopify shop acme at https://acme.example"],
        violations=[PolicyViolation("webhook-address-https", "acme/orders/create", "must use https")],
        topic_changes=fake_topic_changes,
    )
    text = markdown([plan])
    order = [
        text.index("Policy violations"),
        text.index("Could not reach Shopify shop acme"),
        text.index("Shopify API version 2026-10 → 2027-01"),
        text.index("`orders/create` changes between 2026-10 and 2027-01"),
        text.index("### prod"),
    ]
    assert order == sorted(order)
    assert "> - prod: `webhook-address-https`: acme/orders/create: must use https" in text
    data = as_json([plan])["stacks"][0]
    assert (
        data["api_version"]["new"] == "2027-01" and data["violations"][0]["policy"] == "webhook-address-https"
    )


def test_the_topics_a_new_version_renames_or_removes_are_named() -> None:
    history = TopicHistory(
        removed={"carts/create": "2027-01"}, renamed={"orders/paid": ("orders/settled", "2027-01")}
    )
    topics = ["orders/create", "orders/paid", "carts/create"]
    assert topic_notes("2026-10", "2027-01", topics, history) == [
        "`orders/paid` is renamed to orders/settled in 2027-01",
        "`carts/create` is removed in 2027-01",
    ]
    assert topic_notes("2026-10", "2026-07", ["orders/create"]) == []  # the real table: nothing yet


def test_golden_markdown_of_a_replaced_dataflow() -> None:
    raw = json.loads((GOLDEN / "dataflow_replaced.steps.json").read_text())
    steps = [Step(s["op"], s["urn"], s["type"], s["old"] or {}, s["new"] or {}) for s in raw]
    plan = plan_stack("e2e", steps, production=True, refreshed=True)
    text = markdown([plan])
    golden = GOLDEN / "dataflow_replaced.md"
    if os.environ.get("SHOPSTREAM_UPDATE_GOLDEN") == "1":
        golden.write_text(text)
    assert text == golden.read_text(), f"the preview differs from {golden}; see the module docstring"
    assert UNKNOWN not in text and KNOWN_AFTER_APPLY in text
