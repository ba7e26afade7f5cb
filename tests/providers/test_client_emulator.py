"""ShopifyAdminClient against the Shopify emulator over HTTP: CRUD, pagination, throttling, errors."""

from __future__ import annotations

import time

import pytest

from shopstream.emulator import RunningEmulator
from shopstream.providers.retry import RetryPolicy
from shopstream.providers.shopify.client import ShopifyAdminClient
from shopstream.shopify_api import errors

SHOP = "acme-eu"
VERSION = "2026-10"


def setup_shop(emulator: RunningEmulator, scopes: list[str] | None = None) -> ShopifyAdminClient:
    emulator.control.create_shop(SHOP)
    token = emulator.control.create_token(
        SHOP, scopes if scopes is not None else ["read_orders", "read_products"]
    )
    return ShopifyAdminClient(emulator.shop_url(SHOP), VERSION, token, SHOP)


def test_crud_roundtrip(emulator: RunningEmulator) -> None:
    client = setup_shop(emulator)
    created = client.create_webhook(
        "orders/create", "https://hooks.example.com/o", "json", ["id", "updated_at"], ["ns"]
    )
    assert isinstance(created["id"], int)
    assert created["topic"] == "orders/create" and created["fields"] == ["id", "updated_at"]
    assert client.served_api_version == VERSION
    assert client.call_limit is not None and client.call_limit[1] == 40

    fetched = client.get_webhook(created["id"])
    assert fetched is not None and fetched["address"] == "https://hooks.example.com/o"

    updated = client.update_webhook(created["id"], address="https://hooks.example.com/o2", fields=[])
    assert updated["address"] == "https://hooks.example.com/o2" and updated["fields"] == []
    assert updated["metafield_namespaces"] == ["ns"]  # untouched when not sent

    assert client.count_webhooks(topic="orders/create") == 1
    assert client.delete_webhook(created["id"]) is True
    assert client.delete_webhook(created["id"]) is False
    assert client.get_webhook(created["id"]) is None


def test_list_follows_link_header_through_more_than_250(emulator: RunningEmulator) -> None:
    client = setup_shop(emulator)
    for n in range(260):
        topic = "orders/create" if n % 2 else "products/update"
        emulator.control.create_subscription(SHOP, topic=topic, address=f"https://hooks.example.com/{n}")
    everything = client.list_webhooks()
    assert len(everything) == 260
    assert len({w["id"] for w in everything}) == 260
    assert client.count_webhooks() == 260
    # Two pages: the second request is the Link URL with page_info (and no other filters).
    admin_gets = [r for r in emulator.control.requests(SHOP) if r["path"].endswith("/webhooks.json")]
    assert len(admin_gets) == 2
    assert "page_info" in admin_gets[1]["query"]
    orders = client.list_webhooks(topic="orders/create")
    assert len(orders) == 130 and {w["topic"] for w in orders} == {"orders/create"}
    one = client.list_webhooks(topic="orders/create", address="https://hooks.example.com/7")
    assert [w["address"] for w in one] == ["https://hooks.example.com/7"]


def test_429_from_a_tiny_bucket_is_waited_out_in_seconds(emulator: RunningEmulator) -> None:
    client = setup_shop(emulator)
    emulator.control.set_rate_limit(SHOP, bucket_size=2, leak_rate=0.5)
    started = time.monotonic()
    for _ in range(3):
        assert client.list_webhooks() == []
    elapsed = time.monotonic() - started
    statuses = [r["status"] for r in emulator.control.requests(SHOP)]
    assert statuses == [200, 200, 429, 200]  # the bucket refused the third call once, then it went through
    assert elapsed >= 2.0  # the emulator sends Retry-After: 2.0 (seconds; a ms reading would not wait)


def test_429_that_would_block_too_long_is_a_clear_error(emulator: RunningEmulator) -> None:
    client = setup_shop(emulator)
    client = ShopifyAdminClient(
        emulator.shop_url(SHOP), VERSION, client._token, SHOP, policy=RetryPolicy(max_throttle_wait=1.0)
    )
    emulator.control.set_rate_limit(SHOP, bucket_size=1, leak_rate=0.01)  # Retry-After ≈ 100 s
    client.list_webhooks()
    with pytest.raises(errors.RateLimited) as info:
        client.create_webhook("orders/create", "https://hooks.example.com/o")
    assert "acme-eu" in str(info.value) and "throttling" in str(info.value)


def test_missing_scope_is_a_scope_error_naming_the_scope(emulator: RunningEmulator) -> None:
    client = setup_shop(emulator, scopes=["read_products"])
    with pytest.raises(errors.ScopeError) as info:
        client.create_webhook("orders/create", "https://hooks.example.com/o")
    message = str(info.value)
    assert "refused topic orders/create" in message and "read_orders" in message
    assert "pulumi config set --secret --path 'shopifyTokens.acme-eu'" in message
    assert client._token not in message


def test_duplicate_is_a_duplicate_error(emulator: RunningEmulator) -> None:
    client = setup_shop(emulator)
    client.create_webhook("orders/create", "https://hooks.example.com/o")
    with pytest.raises(errors.DuplicateError):
        client.create_webhook("orders/create", "https://hooks.example.com/o")


def test_bad_token_is_an_auth_error(emulator: RunningEmulator) -> None:
    setup_shop(emulator)
    bad = "shpat_00000000000000000000000000000000"
    client = ShopifyAdminClient(emulator.shop_url(SHOP), VERSION, bad, SHOP)
    with pytest.raises(errors.AuthError) as info:
        client.list_webhooks()
    assert bad not in str(info.value)


def test_unknown_shop_is_not_mistaken_for_a_missing_subscription(emulator: RunningEmulator) -> None:
    setup_shop(emulator)
    client = ShopifyAdminClient(emulator.shop_url("nope"), VERSION, "shpat_x", "nope")
    with pytest.raises(errors.NotFound) as info:
        client.get_webhook(1)
    assert "shop or the API path does not exist" in str(info.value)
