"""userErrors of webhookSubscriptionCreate/Update/Delete, as catalogued in the reference (§4.5)."""

from __future__ import annotations

import pytest

from tests.emulator.support import Admin
from tests.emulator_graphql.support import DELETE, UPDATE, make_shop

ADDRESS = ["webhookSubscription", "callbackUrl"]
FORMAT = ["webhookSubscription", "format"]
NAME = ["webhookSubscription", "name"]
BAD_FILTER = "The specified filter is invalid, please ensure you specify the field(s) you wish to filter on."
ARN = "arn:aws:events:us-east-1::event-source/aws.partner/shopify.com/123/orders"


@pytest.mark.parametrize(
    ("topic", "sub", "errors"),
    [
        (
            "ORDERS_CREATE",
            {"uri": "http://hooks.example.com/x"},
            [(ADDRESS, "Address protocol http:// is not supported")],
        ),
        (
            "ORDERS_CREATE",
            {"uri": "ftp://hooks.example.com/x"},
            [(ADDRESS, "Address protocol ftp:// is not supported")],
        ),
        ("ORDERS_CREATE", {"uri": "https://"}, [(ADDRESS, "Address is invalid")]),
        (
            "ORDERS_CREATE",
            {"uri": "https://acme.myshopify.com/x"},
            [(ADDRESS, "Address cannot be a Shopify or an internal domain")],
        ),
        ("ORDERS_CREATE", {}, [(ADDRESS, "Address can't be blank")]),
        (
            "ORDERS_CREATE",
            {"uri": "pubsub://x"},
            [(ADDRESS, "Address is not a valid GCP pub/sub format. Format should be pubsub://project:topic")],
        ),
        (
            "ORDERS_CREATE",
            {"uri": "pubsub://my-project:orders", "format": "XML"},
            [(FORMAT, "Format can only be used with format: 'json'")],
        ),
        (
            "ORDERS_CREATE",
            {"uri": ARN, "format": "XML"},
            [(FORMAT, "Format can only be used with format: 'json'")],
        ),
        (
            "RETURNS_APPROVE",
            {"uri": "https://hooks.example.com/r", "format": "XML"},
            [(FORMAT, "Format 'xml' is invalid for this webhook topic. Allowed formats: json")],
        ),
        (
            "ORDERS_CREATE",
            {"uri": "https://hooks.example.com/x", "name": ""},
            [
                (NAME, "Name is too short (minimum is 1 character)"),
                (NAME, "Name name field can only contain alphanumeric characters, underscores, and hyphens"),
            ],
        ),
        (
            "ORDERS_CREATE",
            {"uri": "https://hooks.example.com/x", "name": "has spaces"},
            [(NAME, "Name name field can only contain alphanumeric characters, underscores, and hyphens")],
        ),
        (
            "ORDERS_CREATE",
            {"uri": "https://hooks.example.com/x", "name": "n" * 51},
            [(NAME, "Name is too long (maximum is 50 characters)")],
        ),
        (
            "ORDERS_CREATE",
            {"uri": "https://hooks.example.com/x", "filter": "just words"},
            [(["webhookSubscription"], BAD_FILTER)],
        ),
        (
            "THEMES_CREATE",
            {"uri": "https://hooks.example.com/x"},
            [(["webhookSubscription"], "You cannot create a webhook subscription with the specified topic")],
        ),
    ],
)
def test_create_refusals(emulator, topic, sub, errors):
    api = make_shop(emulator)
    assert api.user_errors(topic, **sub) == [
        {"field": field, "message": message} for field, message in errors
    ]
    assert emulator.control.subscriptions("acme") == []


def test_duplicates_are_same_topic_uri_format_and_filter(emulator):
    api = make_shop(emulator)
    api.create("ORDERS_CREATE", uri="https://hooks.example.com/a", filter="")
    taken = [{"field": ADDRESS, "message": "Address for this topic has already been taken"}]
    assert api.user_errors("ORDERS_CREATE", uri="https://hooks.example.com/a") == taken  # null filter == ""
    # Another filter, format or topic is another subscription.
    api.create("ORDERS_CREATE", uri="https://hooks.example.com/a", filter="total_price:>100")
    api.create("ORDERS_CREATE", uri="https://hooks.example.com/a", format="XML")
    api.create("ORDERS_PAID", uri="https://hooks.example.com/a")
    assert len(emulator.control.subscriptions("acme")) == 4
    # REST sets no filter: it collides with the unfiltered JSON one only.
    rest = Admin(api.shop_url, api.token)
    body = {"webhook": {"topic": "orders/create", "address": "https://hooks.example.com/a"}}
    clash = rest.post("/webhooks.json", json=body)
    assert clash.status_code == 422
    assert clash.json() == {"errors": {"address": ["for this topic has already been taken"]}}
    first = emulator.control.subscriptions("acme")[0]
    assert first["filter"] == ""
    emulator.control.delete_subscription("acme", first["id"])
    assert rest.post("/webhooks.json", json=body).status_code == 201  # the filtered one does not collide


def test_names_are_unique_per_app_case_insensitively(emulator):
    api = make_shop(emulator)
    api.create("ORDERS_CREATE", uri="https://hooks.example.com/a", name="Owner-1")
    errors = api.user_errors("ORDERS_PAID", uri="https://hooks.example.com/b", name="owner-1")
    assert errors == [{"field": NAME, "message": "Name has already been taken"}]


def test_loopback_http_is_accepted_for_local_delivery(emulator):
    # Deviation from Shopify (which refuses every http://): the local demo delivers to 127.0.0.1.
    api = make_shop(emulator)
    assert api.create("ORDERS_CREATE", uri="http://127.0.0.1:9/hooks")["uri"] == "http://127.0.0.1:9/hooks"


def test_update_and_delete_refusals(emulator):
    api = make_shop(emulator)
    a = api.create("ORDERS_CREATE", uri="https://hooks.example.com/a")
    api.create("ORDERS_CREATE", uri="https://hooks.example.com/b")
    missing = {"field": ["id"], "message": "Webhook subscription does not exist"}
    for bad_id in ("gid://shopify/WebhookSubscription/1", "gid://shopify/Product/1", "not-a-gid"):
        update = api.data(UPDATE, {"id": bad_id, "sub": {"uri": "https://hooks.example.com/c"}})
        assert update["webhookSubscriptionUpdate"] == {"webhookSubscription": None, "userErrors": [missing]}
        delete = api.data(DELETE, {"id": bad_id})
        assert delete["webhookSubscriptionDelete"] == {
            "deletedWebhookSubscriptionId": None,
            "userErrors": [missing],
        }
    clash = api.data(UPDATE, {"id": a["id"], "sub": {"uri": "https://hooks.example.com/b"}})
    assert clash["webhookSubscriptionUpdate"]["userErrors"] == [
        {"field": ADDRESS, "message": "Address for this topic has already been taken"}
    ]
    bad_name = api.data(UPDATE, {"id": a["id"], "sub": {"name": "has spaces"}})
    assert bad_name["webhookSubscriptionUpdate"]["userErrors"][0]["field"] == NAME
    to_xml_cloud = api.data(
        UPDATE, {"id": a["id"], "sub": {"uri": "pubsub://my-project:orders", "format": "XML"}}
    )
    assert to_xml_cloud["webhookSubscriptionUpdate"]["userErrors"][0]["field"] == FORMAT
    assert emulator.control.subscriptions("acme")[0]["address"] == "https://hooks.example.com/a"
