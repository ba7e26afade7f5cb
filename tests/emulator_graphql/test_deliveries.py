"""Deliveries of GraphQL-made subscriptions: X-Shopify-Name, and Pub/Sub / EventBridge to the sink."""

from __future__ import annotations

from tests.emulator_deliveries.conftest import FAST, SECRET
from tests.emulator_graphql.support import make_shop

ARN = "arn:aws:events:us-east-1::event-source/aws.partner/shopify.com/123/orders"


def test_deliveries_carry_the_subscription_name(emulator, receiver):
    emulator.control.create_shop("acme", client_secret=SECRET)
    emulator.control.set_delivery_settings(**FAST)
    api = make_shop(emulator)
    api.create("ORDERS_CREATE", uri=receiver.url("/named"), name="prod-stack_orders")
    api.create("ORDERS_CREATE", uri=receiver.url("/plain"))
    answer = emulator.control.trigger_event("acme", "orders/create", {"id": 7}, wait=5)
    assert [d["status"] for d in answer["deliveries"]] == ["succeeded", "succeeded"]
    named, plain = receiver.requests_to("/named"), receiver.requests_to("/plain")
    assert named[0].headers["x-shopify-name"] == "prod-stack_orders"
    assert "x-shopify-name" not in plain[0].headers
    assert named[0].headers["x-shopify-topic"] == "orders/create"


def test_cloud_destinations_are_published_to_the_sink(emulator):
    emulator.control.create_shop("acme", client_secret=SECRET)
    api = make_shop(emulator)
    pubsub = api.create(
        "ORDERS_CREATE", uri="pubsub://my-project:orders", name="to-pubsub", includeFields=["id"]
    )
    bridge = api.create("ORDERS_CREATE", uri=ARN)
    answer = emulator.control.trigger_event("acme", "orders/create", {"id": 7, "email": "a@b.c"}, wait=5)
    assert answer["skipped"] == []
    assert [d["status"] for d in answer["deliveries"]] == ["succeeded", "succeeded"]
    # Workers send concurrently: the sink's order is the order of publication, not of subscription.
    by_destination = {m["destination"]: m for m in emulator.control.sink("acme")}
    first, second = by_destination["pubsub"], by_destination["eventbridge"]
    assert first["destination"] == "pubsub" and first["pubsub_project"] == "my-project"
    assert first["pubsub_topic"] == "orders" and first["subscription_id"] == int(pubsub["legacyResourceId"])
    assert first["body"] == '{"id":7}'
    assert first["attributes"]["X-Shopify-Topic"] == "orders/create"
    assert first["attributes"]["X-Shopify-Name"] == "to-pubsub"
    assert "X-Shopify-Hmac-Sha256" not in first["attributes"]  # signed for HTTPS only
    assert second["destination"] == "eventbridge" and second["arn"] == ARN
    assert second["subscription_id"] == int(bridge["legacyResourceId"])
    assert sorted(m["seq"] for m in emulator.control.sink()) == sorted([first["seq"], second["seq"]])
    emulator.control.clear_sink("acme")
    assert emulator.control.sink("acme") == []
