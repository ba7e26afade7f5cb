"""Documented REST errors, status and body (reference §1.4)."""

from __future__ import annotations

import pytest
import requests

from shopstream.shopify_api.topics import COMPLIANCE_TOPICS, topics_allowed
from tests.emulator.support import VERSION, Admin, make_shop

UNAUTHORIZED = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
NOT_FOUND = {"errors": "Not Found"}
MISSING = {"errors": {"webhook": "Required parameter missing or invalid"}}


def _allowed(scopes: list[str]) -> str:
    return ", ".join(sorted({*topics_allowed(scopes, VERSION), *COMPLIANCE_TOPICS}))


@pytest.mark.parametrize("token", [None, "", "shpat_00000000000000000000000000000000"])
def test_401_for_missing_or_wrong_token(emulator, token):
    make_shop(emulator)
    headers = {} if token is None else {"X-Shopify-Access-Token": token}
    response = requests.get(f"{emulator.shop_url('acme')}/admin/api/{VERSION}/webhooks.json", headers=headers)
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_401_for_a_token_of_another_shop(emulator):
    make_shop(emulator, "one")
    other = make_shop(emulator, "two")
    response = Admin(emulator.shop_url("one"), other.token).get("/webhooks.json")
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_404_for_unknown_shop(emulator):
    admin = make_shop(emulator)
    response = Admin(emulator.shop_url("nope"), admin.token).get("/webhooks.json")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_404_for_unknown_id(emulator, method):
    admin = make_shop(emulator)
    response = admin.request(
        method, "/webhooks/1900000000999.json", json={"webhook": {"address": "https://x.io"}}
    )
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_404_for_non_numeric_id(emulator):
    admin = make_shop(emulator)
    response = admin.get("/webhooks/abc.json")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_422_duplicate_topic_and_address(emulator):
    admin = make_shop(emulator)
    admin.create("orders/create", "https://a.example.com/x")
    response = admin.post(
        "/webhooks.json", json={"webhook": {"topic": "orders/create", "address": "https://a.example.com/x"}}
    )
    assert response.status_code == 422
    assert response.json() == {"errors": {"address": ["for this topic has already been taken"]}}


def test_422_duplicate_on_update(emulator):
    admin = make_shop(emulator)
    admin.create("orders/create", "https://a.example.com/x")
    other = admin.create("orders/create", "https://a.example.com/y")
    response = admin.put(
        f"/webhooks/{other['id']}.json", json={"webhook": {"address": "https://a.example.com/x"}}
    )
    assert response.status_code == 422
    assert response.json() == {"errors": {"address": ["for this topic has already been taken"]}}


def test_422_unknown_topic_lists_topics_allowed_by_granted_scopes(emulator):
    admin = make_shop(emulator, scopes=("read_orders",))
    response = admin.post(
        "/webhooks.json", json={"webhook": {"topic": "nope/create", "address": "https://a.example.com/x"}}
    )
    assert response.status_code == 422
    message = (
        "Invalid topic specified: nope/create. Does it exist? Is there a missing access scope? "
        f"Topics allowed: {_allowed(['read_orders'])}"
    )
    assert response.json() == {"errors": {"topic": [message]}}
    assert "orders/create" in message and "products/create" not in message


def test_422_topic_whose_scope_the_token_lacks(emulator):
    admin = make_shop(emulator, scopes=("read_orders",))
    response = admin.post(
        "/webhooks.json", json={"webhook": {"topic": "products/create", "address": "https://a.example.com/x"}}
    )
    assert response.status_code == 422
    assert response.json()["errors"]["topic"] == [
        "Invalid topic specified: products/create. Does it exist? Is there a missing access scope? "
        f"Topics allowed: {_allowed(['read_orders'])}"
    ]


def test_422_compliance_topic_cannot_be_subscribed(emulator):
    admin = make_shop(emulator)
    response = admin.post(
        "/webhooks.json", json={"webhook": {"topic": "shop/redact", "address": "https://a.example.com/x"}}
    )
    assert response.status_code == 422
    assert response.json()["errors"]["topic"][0].startswith("Invalid topic specified: shop/redact.")


def test_422_topic_added_in_a_later_version(emulator):
    # tax_summaries/create exists from 2026-04 on.
    admin = make_shop(emulator, scopes=("read_fulfillments",))
    old = Admin(admin.shop_url, admin.token, version="2026-01")
    body = {"webhook": {"topic": "tax_summaries/create", "address": "https://a.example.com/x"}}
    assert old.post("/webhooks.json", json=body).status_code == 422
    assert admin.post("/webhooks.json", json=body).status_code == 201


def test_422_missing_topic_and_address(emulator):
    admin = make_shop(emulator, scopes=("read_orders",))
    response = admin.post("/webhooks.json", json={"webhook": {"body": "foobar"}})
    assert response.status_code == 422
    assert response.json() == {
        "errors": {
            "topic": [
                "Invalid topic specified: . Does it exist? Is there a missing access scope? "
                f"Topics allowed: {_allowed(['read_orders'])}",
                "can't be blank",
            ],
            "address": ["can't be blank"],
        }
    }


def test_422_missing_address_only(emulator):
    admin = make_shop(emulator)
    response = admin.post("/webhooks.json", json={"webhook": {"topic": "orders/create"}})
    assert response.status_code == 422
    assert response.json() == {"errors": {"address": ["can't be blank"]}}


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("http://example.com/hooks", "protocol http:// is not supported"),
        ("ftp://example.com/hooks", "protocol ftp:// is not supported"),
        ("ws://example.com/hooks", "protocol ws:// is not supported"),
        ("https://", "is invalid"),
        ("/webhooks", "is invalid"),
        ("example.com/hooks", "is invalid"),
        ("https://acme.myshopify.com/hooks", "cannot be a Shopify or an internal domain"),
        ("https://admin.shopify.com/hooks", "cannot be a Shopify or an internal domain"),
        ("https://10.0.0.5/hooks", "cannot be a Shopify or an internal domain"),
        ("https://192.168.1.2/hooks", "cannot be a Shopify or an internal domain"),
        ("https://intranet/hooks", "cannot be a Shopify or an internal domain"),
        ("https://printer.local/hooks", "cannot be a Shopify or an internal domain"),
        ("http://10.0.0.5/hooks", "protocol http:// is not supported"),
        ("pubsub://bad", "is not a valid GCP pub/sub format. Format should be pubsub://project:topic"),
        ("https://example.com/" + "a" * 70_000, "is too big (maximum is 64 KB)"),
    ],
)
def test_422_address_validation(emulator, address, message):
    admin = make_shop(emulator)
    response = admin.post("/webhooks.json", json={"webhook": {"topic": "orders/create", "address": address}})
    assert response.status_code == 422
    assert response.json() == {"errors": {"address": [message]}}


def test_422_bad_eventbridge_arn(emulator):
    admin = make_shop(emulator)
    response = admin.post(
        "/webhooks.json", json={"webhook": {"topic": "orders/create", "address": "arn:aws:sqs:x"}}
    )
    assert response.status_code == 422
    assert response.json()["errors"]["address"][0].startswith("is not a valid AWS EventBridge")


def test_422_address_validation_on_update(emulator):
    admin = make_shop(emulator)
    created = admin.create("orders/create", "https://a.example.com/x")
    response = admin.put(
        f"/webhooks/{created['id']}.json", json={"webhook": {"address": "http://example.com/"}}
    )
    assert response.status_code == 422
    assert response.json() == {"errors": {"address": ["protocol http:// is not supported"]}}


def test_422_xml_format_with_cloud_address_and_unknown_format(emulator):
    admin = make_shop(emulator)
    cloud = admin.post(
        "/webhooks.json",
        json={
            "webhook": {"topic": "orders/create", "address": "pubsub://my-project:orders", "format": "xml"}
        },
    )
    assert cloud.status_code == 422
    assert cloud.json() == {"errors": {"format": ["can only be used with format: 'json'"]}}
    yaml = admin.post(
        "/webhooks.json",
        json={"webhook": {"topic": "orders/create", "address": "https://a.example.com/x", "format": "yaml"}},
    )
    assert yaml.status_code == 422
    assert yaml.json() == {"errors": {"format": ["is not included in the list"]}}


def test_422_fields_must_be_a_list_of_strings(emulator):
    admin = make_shop(emulator)
    response = admin.post(
        "/webhooks.json",
        json={"webhook": {"topic": "orders/create", "address": "https://a.example.com/x", "fields": "id"}},
    )
    assert response.status_code == 422
    assert response.json() == {"errors": {"fields": ["is invalid"]}}


def test_422_topic_change_on_update_is_refused(emulator):
    # UNCONFIRMED in the reference; the emulator treats topic as immutable.
    admin = make_shop(emulator)
    created = admin.create("orders/create", "https://a.example.com/x")
    response = admin.put(f"/webhooks/{created['id']}.json", json={"webhook": {"topic": "orders/updated"}})
    assert response.status_code == 422
    assert response.json() == {"errors": {"topic": ["can't be changed"]}}
    assert admin.get(f"/webhooks/{created['id']}.json").json()["webhook"]["topic"] == "orders/create"


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"hook": {"topic": "orders/create"}}',
        b'{"webhook": "orders/create"}',
        b'{"webhook": {}}',
    ],
)
def test_400_malformed_body_on_create_and_update(emulator, body):
    admin = make_shop(emulator)
    created = admin.create("orders/create", "https://a.example.com/x")
    headers = {"Content-Type": "application/json"}
    create = admin.post("/webhooks.json", data=body, headers=headers)
    assert create.status_code == 400
    assert create.json() == MISSING
    update = admin.put(f"/webhooks/{created['id']}.json", data=body, headers=headers)
    assert update.status_code == 400
    assert update.json() == MISSING


def test_error_responses_carry_call_limit_and_version_headers(emulator):
    admin = make_shop(emulator)
    response = admin.get("/webhooks/1.json")
    assert response.status_code == 404
    assert response.headers["X-Shopify-Shop-Api-Call-Limit"] == "1/40"
    assert response.headers["X-Shopify-API-Version"] == VERSION
