"""What a delivery looks like on the wire: headers, signature, body, field filtering and fan-out."""

from __future__ import annotations

import json
import re
import uuid

from shopstream.shopify_api.webhook_signature import verify
from tests.emulator.support import make_shop
from tests.emulator_deliveries.conftest import SECRET

ORDER = {
    "id": 820982911946154508,
    "email": "jon@example.com",
    "total_price": "199.00",
    "note": "Caf\u00e9 \u2615",  # non-ASCII: the signature covers the exact UTF-8 bytes
    "line_items": [{"id": 1, "title": "Mug"}],
    "metafields": [
        {"namespace": "custom", "key": "gift", "value": "yes"},
        {"namespace": "other", "key": "x", "value": "1"},
    ],
}
TRIGGERED_AT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$")


def test_delivery_headers_signature_and_body(emulator, acme, receiver):
    sub = acme.create("orders/create", receiver.url("/orders"))
    answer = emulator.control.trigger_event("acme", "orders/create", ORDER, wait=5)

    [got] = receiver.received
    assert got.path == "/orders"
    assert json.loads(got.body) == ORDER  # the payload itself, no wrapper key
    assert got.headers["content-type"] == "application/json"
    assert got.headers["x-shopify-topic"] == "orders/create"
    assert got.headers["x-shopify-shop-domain"] == "acme.myshopify.com"
    assert got.headers["x-shopify-api-version"] == "2026-07"  # the app's webhook version
    assert verify(got.body, SECRET, got.headers["x-shopify-hmac-sha256"])
    assert not verify(got.body + b" ", SECRET, got.headers["x-shopify-hmac-sha256"])
    assert not verify(got.body, "another-secret", got.headers["x-shopify-hmac-sha256"])
    webhook_id = got.headers["x-shopify-webhook-id"]
    assert str(uuid.UUID(webhook_id)) == webhook_id
    assert got.headers["x-shopify-event-id"] == answer["event"]["id"]
    assert TRIGGERED_AT.match(got.headers["x-shopify-triggered-at"])
    assert got.headers["x-shopify-triggered-at"] == answer["event"]["triggered_at"]

    [delivery] = answer["deliveries"]
    assert delivery["status"] == "succeeded" and delivery["settled"] is True
    assert delivery["subscription_id"] == sub["id"] and delivery["webhook_id"] == webhook_id
    assert delivery["retries"] == 0 and delivery["removal"] is None
    [attempt] = delivery["attempts"]
    assert attempt["kind"] == "delivery" and attempt["status_code"] == 200 and attempt["ok"] is True
    assert delivery["body"].encode() == got.body
    assert answer["skipped"] == []


def test_fields_and_metafield_namespaces_filter_the_payload(emulator, acme, receiver):
    acme.create(
        "orders/create", receiver.url("/some"), fields=["id", "email"], metafield_namespaces=["custom"]
    )
    acme.create("orders/create", receiver.url("/all"))
    emulator.control.trigger_event("acme", "orders/create", ORDER, wait=5)

    [some] = receiver.requests_to("/some")
    assert json.loads(some.body) == {
        "id": ORDER["id"],
        "email": ORDER["email"],
        "metafields": [{"namespace": "custom", "key": "gift", "value": "yes"}],
    }
    assert verify(some.body, SECRET, some.headers["x-shopify-hmac-sha256"])  # signed after filtering
    [everything] = receiver.requests_to("/all")
    assert json.loads(everything.body) == ORDER


def test_fields_without_namespaces_drop_metafields(emulator, acme, receiver):
    acme.create("orders/create", receiver.url("/ids"), fields=["id"])
    emulator.control.trigger_event("acme", "orders/create", ORDER, wait=5)
    [got] = receiver.received
    assert json.loads(got.body) == {"id": ORDER["id"]}


def test_fan_out_to_every_subscription_of_the_topic_in_the_shop(emulator, acme, receiver):
    other_app = make_shop(emulator, "acme", app="analytics")
    emulator.control.call("PATCH", "/shops/acme/apps/analytics", {"client_secret": "analytics-secret"})
    acme.create("orders/create", receiver.url("/a"))
    acme.create("orders/create", receiver.url("/b"))
    other_app.create("orders/create", receiver.url("/c"))
    acme.create("orders/updated", receiver.url("/not-this-topic"))
    globex = make_shop(emulator, "globex")
    globex.create("orders/create", receiver.url("/not-this-shop"))

    answer = emulator.control.trigger_event("acme", "orders/create", {"id": 1}, wait=5)

    by_path = {r.path: r for r in receiver.received}
    assert sorted(by_path) == ["/a", "/b", "/c"]
    webhook_ids = {r.headers["x-shopify-webhook-id"] for r in by_path.values()}
    assert len(webhook_ids) == 3  # one per delivery
    assert {r.headers["x-shopify-event-id"] for r in by_path.values()} == {answer["event"]["id"]}
    assert verify(by_path["/a"].body, SECRET, by_path["/a"].headers["x-shopify-hmac-sha256"])
    assert verify(by_path["/c"].body, "analytics-secret", by_path["/c"].headers["x-shopify-hmac-sha256"])
    assert [d["app"] for d in answer["deliveries"]] == ["default", "default", "analytics"]
    assert all(d["status"] == "succeeded" for d in answer["deliveries"])
    assert emulator.control.deliveries("globex") == []


def test_event_without_subscriptions_schedules_nothing(emulator, acme, receiver):
    answer = emulator.control.trigger_event("acme", "orders/create", {"id": 1}, wait=1)
    assert answer["deliveries"] == [] and answer["skipped"] == []
    assert re.fullmatch(r"[0-9a-f-]{36}", answer["event"]["id"])
    assert receiver.received == []
