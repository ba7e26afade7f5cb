"""End to end through the real `pulumi` CLI against the Shopify emulator over HTTP (issue 2)."""

from __future__ import annotations

import json
from typing import Any

from tests.e2e.worlds import ShopifyWorld

TYPE = "pulumi-python:dynamic/shopify:WebhookSubscription"
FIVE_TOPICS: dict[str, list[Any]] = {
    "acme-eu": ["orders/create", "orders/updated", {"topic": "products/update", "fields": ["id", "title"]}],
    "acme-us": ["orders/create", {"topic": "customers/create", "metafield_namespaces": ["loyalty"]}],
}
DRIFT_EXIT_CODE = 7  # pulumi's exit code for a violated --expect-no-changes


def preview_steps(world: ShopifyWorld, *extra: str) -> dict[str, dict[str, Any]]:
    """Resource name -> JSON preview step, for the subscriptions only."""
    result = world.project.preview("--json", *extra).check()
    steps = json.loads(result.stdout)["steps"]
    return {step["urn"].split("::")[-1]: step for step in steps if step["urn"].split("::")[-2] == TYPE}


def changed_inputs(step: dict[str, Any]) -> set[str]:
    """Dynamic providers send no detailed diff, so compare the step's old and new inputs."""
    old = step["oldState"]["inputs"]
    new = step["newState"]["inputs"]
    return {key for key in old.keys() | new.keys() if key != "__provider" and old.get(key) != new.get(key)}


def deployed(world: ShopifyWorld) -> None:
    world.project.init(world.tokens)
    world.project.write_stack_file(world.stack_file(FIVE_TOPICS))
    world.project.up().check()


def test_up_creates_exactly_the_declared_subscriptions_and_a_second_up_changes_nothing(
    world: ShopifyWorld,
) -> None:
    deployed(world)

    assert sorted(world.by_topic("acme-eu")) == ["orders/create", "orders/updated", "products/update"]
    assert sorted(world.by_topic("acme-us")) == ["customers/create", "orders/create"]
    assert world.by_topic("acme-eu")["products/update"]["fields"] == ["id", "title"]
    assert world.by_topic("acme-us")["customers/create"]["metafield_namespaces"] == ["loyalty"]
    assert {s["address"] for shop in world.shops for s in world.subscriptions(shop)} == {
        "https://hooks.example.com/shopify"
    }
    outputs = world.project.outputs()
    assert outputs["shops"]["acme-eu"]["orders/create"] == str(
        world.by_topic("acme-eu")["orders/create"]["id"]
    )

    marks = {shop: world.last_request_seq(shop) for shop in world.shops}
    second = world.project.up("--expect-no-changes").check()
    assert "5 unchanged" in second.output or "6 unchanged" in second.output
    for shop in world.shops:
        assert world.write_requests(shop, since=marks[shop]) == [], "a no-op up sent a write to Shopify"


def test_yaml_edits_show_in_the_preview_and_up_applies_exactly_those(world: ShopifyWorld) -> None:
    deployed(world)
    before = {shop: world.by_topic(shop) for shop in world.shops}
    edited: dict[str, list[Any]] = {
        # add orders/paid, remove orders/updated, change fields of products/update
        "acme-eu": ["orders/create", "orders/paid", {"topic": "products/update", "fields": ["id", "vendor"]}],
        # change the address of one topic
        "acme-us": [
            {"topic": "orders/create", "address": "https://other.example.com/orders"},
            {"topic": "customers/create", "metafield_namespaces": ["loyalty"]},
        ],
    }
    world.project.write_stack_file(world.stack_file(edited))

    steps = preview_steps(world)
    ops = {name: step["op"] for name, step in steps.items() if step["op"] != "same"}
    assert ops == {
        "acme-eu/orders/paid": "create",
        "acme-eu/orders/updated": "delete",
        "acme-eu/products/update": "update",
        "acme-us/orders/create": "update",
    }
    assert changed_inputs(steps["acme-eu/products/update"]) == {"fields"}
    assert changed_inputs(steps["acme-us/orders/create"]) == {"address"}
    text = world.project.preview("--diff").check().output
    for name in ops:
        assert name in text

    world.project.up().check()
    after = {shop: world.by_topic(shop) for shop in world.shops}
    assert sorted(after["acme-eu"]) == ["orders/create", "orders/paid", "products/update"]
    assert after["acme-eu"]["products/update"]["fields"] == ["id", "vendor"]
    assert after["acme-us"]["orders/create"]["address"] == "https://other.example.com/orders"
    # updated in place, not replaced: the Shopify ids survive
    assert after["acme-eu"]["products/update"]["id"] == before["acme-eu"]["products/update"]["id"]
    assert after["acme-us"]["orders/create"]["id"] == before["acme-us"]["orders/create"]["id"]
    assert after["acme-eu"]["orders/create"] == before["acme-eu"]["orders/create"]
    assert after["acme-us"]["customers/create"] == before["acme-us"]["customers/create"]


def test_drift_is_detected_by_refresh_and_repaired_by_up_refresh(world: ShopifyWorld) -> None:
    deployed(world)
    control = world.emulator.control
    deleted = world.by_topic("acme-eu")["orders/updated"]
    edited = world.by_topic("acme-us")["orders/create"]
    control.delete_subscription("acme-eu", deleted["id"])
    control.change_subscription("acme-us", edited["id"], address="https://hand-edited.example.com/x")

    drift = world.project.run("refresh", "--preview-only", "--expect-no-changes")
    assert drift.returncode == DRIFT_EXIT_CODE, drift.output
    assert "acme-eu/orders/updated" in drift.output
    assert "acme-us/orders/create" in drift.output

    world.project.up("--refresh").check()
    assert world.by_topic("acme-eu")["orders/updated"]["address"] == "https://hooks.example.com/shopify"
    assert world.by_topic("acme-us")["orders/create"]["address"] == "https://hooks.example.com/shopify"
    assert world.by_topic("acme-us")["orders/create"]["id"] == edited["id"]
    world.project.run("refresh", "--preview-only", "--expect-no-changes").check()


def test_an_existing_subscription_is_adopted_not_duplicated(world: ShopifyWorld) -> None:
    existing = world.emulator.control.create_subscription(
        "acme-eu", topic="orders/create", address="https://hooks.example.com/shopify"
    )
    deployed(world)

    matching = [s for s in world.subscriptions("acme-eu") if s["topic"] == "orders/create"]
    assert [s["id"] for s in matching] == [existing["id"]]
    assert world.project.outputs()["shops"]["acme-eu"]["orders/create"] == str(existing["id"])


def test_destroy_removes_every_managed_subscription_and_nothing_else(world: ShopifyWorld) -> None:
    control = world.emulator.control
    foreign_app = control.create_subscription(
        "acme-eu", topic="orders/create", address="https://hooks.example.com/shopify", app="other-app"
    )
    same_app_unmanaged = control.create_subscription(
        "acme-us", topic="products/create", address="https://someone-else.example.com/p"
    )
    deployed(world)

    world.project.run("destroy", "--yes", "--skip-preview").check()
    assert [s["id"] for s in world.emulator.control.subscriptions("acme-eu", app="other-app")] == [
        foreign_app["id"]
    ]
    assert [s["id"] for s in world.subscriptions("acme-us")] == [same_app_unmanaged["id"]]
    assert [s for s in world.subscriptions("acme-eu") if s.get("app", "default") == "default"] == []


def test_tokens_stay_out_of_state_and_output_and_rotation_changes_nothing(world: ShopifyWorld) -> None:
    deployed(world)
    outputs = [world.project.preview("--diff").check().output, world.project.export_state()]
    state_files = [
        p.read_text(errors="replace") for p in (world.project.root / "state").rglob("*") if p.is_file()
    ]
    for token in world.tokens.values():
        for text in [*outputs, *state_files]:
            assert token not in text

    rotated = world.emulator.control.create_token("acme-eu", ["read_orders", "read_products"])
    world.project.set_token("acme-eu", rotated)
    world.project.run("preview", "--expect-no-changes").check()
    up = world.project.up("--expect-no-changes").check()
    assert rotated not in up.output and rotated not in world.project.export_state()


def test_a_broken_stack_file_gives_one_clear_error_and_no_traceback(world: ShopifyWorld) -> None:
    world.project.init(world.tokens)
    broken = world.stack_file({"acme-eu": ["orders/create", "order/update", "orders/create"], "Bad Shop": []})
    broken["shopify"]["colour"] = "blue"
    world.project.write_stack_file(broken)

    result = world.project.preview()
    assert result.returncode != 0
    assert "Traceback" not in result.output
    assert "stacks/e2e.yaml" in result.output
    assert "shopify.colour" in result.output
    assert '"order/update"' in result.output and "orders/updated" in result.output
    assert "listed twice" in result.output or "more than once" in result.output
    assert "Bad Shop" in result.output
    assert world.subscriptions("acme-eu") == []
