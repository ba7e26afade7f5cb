"""The webhook provider's check() hands the token's scopes to the policy pack as `granted_scopes`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pulumi.dynamic import Config, ConfigureRequest

from shopstream.emulator import RunningEmulator
from shopstream.providers import credentials
from shopstream.providers.shopify import preflight
from shopstream.providers.shopify.webhook import WebhookSubscriptionProvider

SHOP = "acme-eu"


@pytest.fixture
def provider(emulator: RunningEmulator) -> Iterator[WebhookSubscriptionProvider]:
    emulator.control.create_shop(SHOP)
    token = emulator.control.create_token(SHOP, ["read_products", "write_orders"])
    provider = WebhookSubscriptionProvider()
    provider.configure(
        ConfigureRequest(Config({"shopstream:shopifyTokens": json.dumps({SHOP: token})}, "shopstream"))
    )
    yield provider
    credentials.clear()
    preflight.forget()


def news(emulator: RunningEmulator, **overrides: Any) -> dict[str, Any]:
    return {
        "shop": SHOP,
        "topic": "orders/create",
        "address": "https://hooks.example.com/orders",
        "api_version": "2026-10",
        "endpoint": emulator.shop_url(SHOP),
        "__provider": "x",
        **overrides,
    }


def test_check_adds_the_granted_scopes_that_serve_the_topic(
    emulator: RunningEmulator, provider: WebhookSubscriptionProvider
) -> None:
    # The token has read_products and write_orders; only write_orders (which implies read) serves orders/*.
    result = provider.check({}, news(emulator))
    assert result.failures == []
    assert result.inputs["granted_scopes"] == ["write_orders"]


def test_granted_scopes_come_with_a_skipped_scope_check_too(
    emulator: RunningEmulator, provider: WebhookSubscriptionProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pack's rule stays the guard when the provider's own scope check is switched off.
    monkeypatch.setenv(preflight.SKIP_SCOPE_CHECK_ENV, "1")
    result = provider.check({}, news(emulator, topic="customers/create"))
    assert result.failures == []
    assert result.inputs["granted_scopes"] == []  # none serves customers/*: the pack's rule reports it


def test_no_granted_scopes_when_shopify_cannot_be_asked(provider: WebhookSubscriptionProvider) -> None:
    result = provider.check({}, {**news_static(), "endpoint": "http://127.0.0.1:9/shops/acme-eu"})
    assert result.failures == []
    assert "granted_scopes" not in result.inputs


def test_a_change_of_scopes_is_not_a_change_of_the_subscription(
    emulator: RunningEmulator, provider: WebhookSubscriptionProvider
) -> None:
    checked = provider.check({}, news(emulator)).inputs
    olds = {**checked, "granted_scopes": ["read_orders"]}
    diff = provider.diff("1", olds, checked)
    assert diff.changes is False and not diff.replaces


def news_static() -> dict[str, Any]:
    return {
        "shop": SHOP,
        "topic": "orders/create",
        "address": "https://hooks.example.com/orders",
        "api_version": "2026-10",
        "__provider": "x",
    }
