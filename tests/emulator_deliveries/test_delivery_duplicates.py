"""At-least-once duplicates: redelivery and the trigger's duplicate option keep the webhook id."""

from __future__ import annotations

from shopstream.shopify_api.webhook_signature import verify
from tests.emulator_deliveries.conftest import SECRET


def test_redeliver_sends_the_same_delivery_again(emulator, acme, receiver):
    acme.create("orders/create", receiver.url("/hooks"))
    [delivery] = emulator.control.trigger_event("acme", "orders/create", {"id": 7}, wait=5)["deliveries"]

    again = emulator.control.redeliver(delivery["id"], wait=5)

    first, second = receiver.received
    assert (
        second.headers["x-shopify-webhook-id"]
        == first.headers["x-shopify-webhook-id"]
        == delivery["webhook_id"]
    )
    assert second.headers["x-shopify-event-id"] == first.headers["x-shopify-event-id"]
    assert second.body == first.body
    assert verify(second.body, SECRET, second.headers["x-shopify-hmac-sha256"])
    assert [a["kind"] for a in again["attempts"]] == ["delivery", "redeliver"]
    assert again["status"] == "succeeded" and again["settled"] is True


def test_redeliver_after_removal_still_sends_to_the_original_address(emulator, acme, receiver):
    emulator.control.set_delivery_settings(retry_schedule=[])
    acme.create("orders/create", receiver.url("/hooks"))
    receiver.script("/hooks", 500)
    [delivery] = emulator.control.trigger_event("acme", "orders/create", {"id": 7}, wait=5)["deliveries"]
    assert delivery["status"] == "subscription_removed"

    again = emulator.control.redeliver(delivery["id"], wait=5)
    assert [a["status_code"] for a in again["attempts"]] == [500, 200]
    assert again["status"] == "subscription_removed"  # extra sends do not change the cycle's outcome
    assert len(receiver.requests_to("/hooks")) == 2


def test_duplicate_option_sends_each_delivery_twice(emulator, acme, receiver):
    acme.create("orders/create", receiver.url("/a"))
    acme.create("orders/create", receiver.url("/b"))
    answer = emulator.control.trigger_event("acme", "orders/create", {"id": 7}, duplicate=True, wait=5)

    for path in ("/a", "/b"):
        sent = receiver.requests_to(path)
        assert len(sent) == 2
        assert sent[0].headers["x-shopify-webhook-id"] == sent[1].headers["x-shopify-webhook-id"]
        assert sent[0].body == sent[1].body
    ids = {r.headers["x-shopify-webhook-id"] for r in receiver.received}
    assert ids == {d["webhook_id"] for d in answer["deliveries"]} and len(ids) == 2
    for delivery in answer["deliveries"]:
        assert sorted(a["kind"] for a in delivery["attempts"]) == ["delivery", "duplicate"]
        assert delivery["status"] == "succeeded"
