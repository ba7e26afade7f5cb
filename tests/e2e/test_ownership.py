"""No stack deletes what another stack manages (issue 9): two stacks of one backend declaring the same
subscription get a conflict at preview, and destroying the second never deletes the first's."""

from __future__ import annotations

import re

import pytest

from tests.e2e.pulumi_project import PulumiProject
from tests.e2e.worlds import ShopifyWorld

SHOP = "acme-eu"
TOPICS = ["orders/create", "orders/updated", "products/update"]


@pytest.mark.parametrize("api", ["rest", "graphql"])
def test_a_second_stack_declaring_the_same_subscriptions_is_a_conflict_and_destroys_nothing_of_the_first(
    world: ShopifyWorld, api: str
) -> None:
    first = world.project
    first.init(world.tokens)
    desired = world.stack_file({SHOP: TOPICS})
    desired["shopify"]["api"] = api
    first.write_stack_file(desired)
    assert first.up().returncode == 0
    owned = {s["id"] for s in world.subscriptions(SHOP)}
    assert len(owned) == len(TOPICS)

    second = PulumiProject(first.root, stack="second")
    second.init(world.tokens)
    second.write_stack_file(desired)
    preview = second.preview()
    assert preview.returncode != 0
    # The first check failure stops the preview; which topic is checked first is up to the engine.
    assert re.search(
        r"stack e2e already manages the [a-z/_]+ subscription of shop acme-eu", preview.output
    ), preview.output
    assert "Traceback" not in preview.output
    up = second.up()
    assert up.returncode != 0
    assert {s["id"] for s in world.subscriptions(SHOP)} == owned

    destroyed = second.run("destroy", "--yes", "--skip-preview")
    assert destroyed.returncode == 0, destroyed.output
    assert {s["id"] for s in world.subscriptions(SHOP)} == owned  # the first stack's are all still there

    # A subscription of its own (another address) is fine next to the first stack's.
    own = world.stack_file({SHOP: TOPICS[:1]}, address="https://other.example.com/hooks")
    own["shopify"]["api"] = api
    second.write_stack_file(own)
    assert second.up().returncode == 0
    assert len(world.subscriptions(SHOP)) == len(TOPICS) + 1


def test_rest_adoption_needs_proof_that_no_stack_owns_it_or_adopt_true(world: ShopifyWorld) -> None:
    project = world.project
    project.init(world.tokens)
    stray = world.emulator.control.create_subscription(
        SHOP, topic="orders/create", address="https://hooks.example.com/shopify"
    )
    project.write_stack_file(world.stack_file({SHOP: ["orders/create"]}))
    project.env["SHOPSTREAM_OWNERSHIP_SCAN"] = "0"  # as if the backend could not be read
    refused = project.up()
    assert refused.returncode != 0
    assert 'set "adopt: true"' in refused.output and "Traceback" not in refused.output
    project.write_stack_file(world.stack_file({SHOP: [{"topic": "orders/create", "adopt": True}]}))
    adopted = project.up()
    assert adopted.returncode == 0, adopted.output
    (only,) = world.subscriptions(SHOP)
    assert only["id"] == stray["id"]
