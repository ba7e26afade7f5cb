"""REST webhook resource over HTTP: create, get, update, delete, count, object shape."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from tests.emulator.support import VERSION, FakeClock, make_shop

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")


def test_create_returns_201_and_the_full_object(emulator):
    admin = make_shop(emulator)
    response = admin.post(
        "/webhooks.json",
        json={
            "webhook": {
                "topic": "orders/create",
                "address": "https://hooks.example.com/orders",
                "fields": ["id", "updated_at"],
                "metafield_namespaces": ["custom"],
            }
        },
    )
    assert response.status_code == 201
    webhook = response.json()["webhook"]
    assert list(webhook) == [
        "id",
        "address",
        "topic",
        "created_at",
        "updated_at",
        "format",
        "fields",
        "metafield_namespaces",
        "api_version",
    ]
    assert webhook["id"] >= 1_900_000_000_000
    assert webhook["address"] == "https://hooks.example.com/orders"
    assert webhook["topic"] == "orders/create"
    assert webhook["format"] == "json"
    assert webhook["fields"] == ["id", "updated_at"]
    assert webhook["metafield_namespaces"] == ["custom"]
    assert webhook["api_version"] == "2026-10"  # newest stable: the app default
    assert ISO_WITH_OFFSET.match(webhook["created_at"])
    assert webhook["created_at"].endswith("-05:00")
    assert webhook["created_at"] == webhook["updated_at"]


def test_ids_are_large_and_increasing(emulator):
    admin = make_shop(emulator)
    first = admin.create("orders/create", "https://a.example.com/1")
    second = admin.create("orders/create", "https://a.example.com/2")
    assert second["id"] > first["id"] >= 1_900_000_000_000


def test_timestamps_use_the_shop_timezone_and_clock(emulator_factory):
    clock = FakeClock()
    emu = emulator_factory(clock=clock)
    tokyo = make_shop(emu, "tokyo", timezone="+09:00")
    utc_shop = make_shop(emu, "plain")
    assert tokyo.create("shop/update", "https://a.example.com/x")["created_at"] == "2026-11-29T02:00:00+09:00"
    assert (
        utc_shop.create("shop/update", "https://a.example.com/x")["created_at"] == "2026-11-28T12:00:00-05:00"
    )


def test_api_version_is_the_apps_webhook_version_not_the_request_version(emulator):
    emulator.control.create_shop("acme", webhook_api_version="2026-04")
    token = emulator.control.create_token("acme", ["read_orders"])
    from tests.emulator.support import Admin

    admin = Admin(emulator.shop_url("acme"), token, version="2026-07")
    created = admin.create("orders/create", "https://a.example.com/x")
    assert created["api_version"] == "2026-04"
    # Changing the app's setting shows on existing subscriptions.
    emulator.control.call("PATCH", "/shops/acme/apps/default", {"webhook_api_version": "2026-10"})
    assert admin.get(f"/webhooks/{created['id']}.json").json()["webhook"]["api_version"] == "2026-10"


def test_get_one_and_fields_projection(emulator):
    admin = make_shop(emulator)
    created = admin.create("orders/create", "https://a.example.com/x")
    response = admin.get(f"/webhooks/{created['id']}.json")
    assert response.status_code == 200
    assert response.json() == {"webhook": created}
    projected = admin.get(f"/webhooks/{created['id']}.json", params={"fields": "id, topic,nonexistent"})
    assert projected.json() == {"webhook": {"id": created["id"], "topic": "orders/create"}}


def test_update_address_fields_and_namespaces_bumps_updated_at(emulator_factory):
    clock = FakeClock()
    emu = emulator_factory(clock=clock)
    admin = make_shop(emu)
    created = admin.create("orders/create", "https://a.example.com/x")
    clock.advance(60)
    response = admin.put(
        f"/webhooks/{created['id']}.json",
        json={
            "webhook": {
                "id": created["id"],
                "address": "https://b.example.com/y",
                "fields": ["id"],
                "metafield_namespaces": ["ns"],
            }
        },
    )
    assert response.status_code == 200
    updated = response.json()["webhook"]
    assert updated["address"] == "https://b.example.com/y"
    assert updated["fields"] == ["id"]
    assert updated["metafield_namespaces"] == ["ns"]
    assert updated["created_at"] == created["created_at"]
    assert updated["updated_at"] == "2026-11-28T12:01:00-05:00"
    assert admin.get(f"/webhooks/{created['id']}.json").json()["webhook"] == updated


def test_update_without_changes_keeps_updated_at(emulator_factory):
    clock = FakeClock()
    emu = emulator_factory(clock=clock)
    admin = make_shop(emu)
    created = admin.create("orders/create", "https://a.example.com/x")
    clock.advance(60)
    response = admin.put(
        f"/webhooks/{created['id']}.json",
        json={"webhook": {"address": created["address"], "topic": created["topic"]}},
    )
    assert response.status_code == 200
    assert response.json()["webhook"]["updated_at"] == created["updated_at"]


def test_delete_returns_empty_object_then_404(emulator):
    admin = make_shop(emulator)
    created = admin.create("orders/create", "https://a.example.com/x")
    response = admin.delete(f"/webhooks/{created['id']}.json")
    assert response.status_code == 200
    assert response.json() == {}
    gone = admin.get(f"/webhooks/{created['id']}.json")
    assert gone.status_code == 404
    assert gone.json() == {"errors": "Not Found"}


def test_count_with_address_and_topic_filters(emulator):
    admin = make_shop(emulator)
    admin.create("orders/create", "https://a.example.com/1")
    admin.create("orders/create", "https://a.example.com/2")
    admin.create("products/create", "https://a.example.com/1")
    assert admin.get("/webhooks/count.json").json() == {"count": 3}
    assert admin.get("/webhooks/count.json", params={"topic": "orders/create"}).json() == {"count": 2}
    assert admin.get("/webhooks/count.json", params={"address": "https://a.example.com/1"}).json() == {
        "count": 2
    }
    both = admin.get(
        "/webhooks/count.json", params={"address": "https://a.example.com/1", "topic": "orders/create"}
    )
    assert both.json() == {"count": 1}
    # Count takes only address and topic; other list filters are ignored.
    assert admin.get("/webhooks/count.json", params={"since_id": "99999999999999"}).json() == {"count": 3}


def test_same_topic_to_other_address_and_xml_format_are_not_duplicates(emulator):
    admin = make_shop(emulator)
    admin.create("orders/create", "https://a.example.com/1")
    admin.create("orders/create", "https://a.example.com/2")
    xml = admin.create("orders/create", "https://a.example.com/1", format="xml")
    assert xml["format"] == "xml"


def test_cloud_addresses_are_accepted(emulator):
    admin = make_shop(emulator)
    pubsub = admin.create("orders/create", "pubsub://my-project-1:orders-topic")
    arn = "arn:aws:events:us-east-1::event-source/aws.partner/shopify.com/1234567/orders"
    eventbridge = admin.create("orders/create", arn)
    assert (pubsub["address"], eventbridge["address"]) == ("pubsub://my-project-1:orders-topic", arn)


def test_loopback_http_addresses_are_an_emulator_allowance(emulator):
    admin = make_shop(emulator)
    for address in ("http://127.0.0.1:9000/hooks", "http://localhost/hooks", "http://[::1]:9000/h"):
        assert admin.create("orders/create", address)["address"] == address


def test_write_scope_implies_read_for_topics(emulator):
    admin = make_shop(emulator, scopes=("write_orders",))
    assert admin.create("orders/create", "https://a.example.com/x")["topic"] == "orders/create"


def test_topics_that_need_no_scope(emulator):
    admin = make_shop(emulator, scopes=())
    assert admin.create("app/uninstalled", "https://a.example.com/x")["topic"] == "app/uninstalled"


def test_version_header_on_crud_responses(emulator):
    admin = make_shop(emulator)
    created = admin.create("orders/create", "https://a.example.com/x")
    response = admin.get(f"/webhooks/{created['id']}.json")
    assert response.headers["X-Shopify-API-Version"] == VERSION


def test_concurrent_creates_of_the_same_subscription_yield_exactly_one(emulator):
    admin = make_shop(emulator)
    body = {"webhook": {"topic": "orders/create", "address": "https://a.example.com/race"}}
    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = sorted(pool.map(lambda _: admin.post("/webhooks.json", json=body).status_code, range(10)))
    assert statuses == [201] + [422] * 9
    assert admin.get("/webhooks/count.json").json() == {"count": 1}
