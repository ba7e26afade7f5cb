"""The webhook provider with `client_id` and the client secret in the stack config: check, create, read,
update and delete over GraphQL and REST with tokens by the client credentials grant; no token or secret in
any output; a rotated client secret changes no resource."""

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
from shopstream.providers.shopify.webhook_inputs import normalise

SHOP = "acme-eu"
CLIENT_ID = "dev-dashboard-app"
SECRET = "client-secret-0123456789abcdef"
ADDRESS = "https://hooks.example.com/orders"


@pytest.fixture(autouse=True)
def _fresh_process() -> Iterator[None]:
    preflight.forget()
    credentials.clear()
    yield
    preflight.forget()
    credentials.clear()


def configured(config: dict[str, Any]) -> WebhookSubscriptionProvider:
    provider = WebhookSubscriptionProvider()
    provider.configure(
        ConfigureRequest(Config({f"shopstream:{k}": v for k, v in config.items()}, "shopstream"))
    )
    return provider


def news(emulator: RunningEmulator, api: str, **overrides: Any) -> dict[str, Any]:
    return {
        "shop": SHOP,
        "topic": "orders/create",
        "address": ADDRESS,
        "api": api,
        "api_version": "2026-10",
        "endpoint": emulator.shop_url(SHOP),
        "client_id": CLIENT_ID,
        "name": "shopstream-dev-orders_create" if api == "graphql" else None,
        **overrides,
    }


def checked(provider: WebhookSubscriptionProvider, values: dict[str, Any]) -> dict[str, Any]:
    result = provider.check({}, values)
    assert result.failures == [], [f.reason for f in result.failures]
    assert result.inputs is not None
    return {**result.inputs, "__provider": "serialized-provider"}


def issued_tokens(emulator: RunningEmulator) -> list[str]:
    return [t["id"] for t in emulator.control.tokens(SHOP) if t["grant"] == "client_credentials"]


@pytest.mark.parametrize(
    ("api", "config"),
    [
        ("graphql", {"shopifyClientSecrets": json.dumps({SHOP: SECRET})}),
        ("rest", {"shopifyClientSecret": SECRET}),
        ("graphql", {"shopifyAppSecret": SECRET}),  # the signing secret is the client secret
    ],
)
def test_the_whole_lifecycle_with_client_credentials(
    emulator: RunningEmulator, api: str, config: dict[str, Any]
) -> None:
    emulator.control.create_shop(SHOP, client_id=CLIENT_ID, client_secret=SECRET, scopes=["read_orders"])
    provider = configured(config)
    props = checked(provider, news(emulator, api))  # the preflight fetched a token and the scopes
    assert props["granted_scopes"] == ["read_orders"]
    created = provider.create(props)
    assert created.outs is not None
    read = provider.read(created.id, {**props, **created.outs})
    assert read.outs is not None and read.outs["webhook_id"] == created.id
    changed = checked(provider, news(emulator, api, address=ADDRESS + "2"))
    updated = provider.update(created.id, {**props, **created.outs}, changed)
    assert updated.outs is not None and updated.outs["address"] == ADDRESS + "2"
    provider.delete(created.id, {**changed, **updated.outs})
    assert emulator.control.subscriptions(SHOP) == []
    assert len(issued_tokens(emulator)) == 1  # one token served the whole run
    everything = json.dumps([props, created.outs, read.outs, read.inputs, updated.outs])
    assert SECRET not in everything and "shpat_" not in everything


def test_a_missing_client_secret_fails_the_preview_with_the_command(emulator: RunningEmulator) -> None:
    emulator.control.create_shop(SHOP, client_id=CLIENT_ID, client_secret=SECRET, scopes=["read_orders"])
    provider = configured({})
    result = provider.check({}, news(emulator, "graphql"))
    (failure,) = result.failures
    assert failure.property == "shop"
    assert "shopifyClientSecrets.acme-eu" in failure.reason and "client_id" in failure.reason


def test_a_wrong_client_secret_fails_the_preview_without_the_secret(emulator: RunningEmulator) -> None:
    emulator.control.create_shop(SHOP, client_id=CLIENT_ID, client_secret=SECRET, scopes=["read_orders"])
    wrong = "wrong-secret-000000000000000000"
    provider = configured({"shopifyClientSecret": wrong})
    result = provider.check({}, news(emulator, "graphql"))
    (failure,) = result.failures
    assert "invalid_client" in failure.reason and wrong not in failure.reason


def test_a_rotated_client_secret_changes_no_resource(emulator: RunningEmulator) -> None:
    emulator.control.create_shop(SHOP, client_id=CLIENT_ID, client_secret=SECRET, scopes=["read_orders"])
    provider = configured({"shopifyClientSecret": SECRET})
    props = checked(provider, news(emulator, "graphql"))
    created = provider.create(props)
    assert created.outs is not None
    olds = {**props, **created.outs}

    rotated = "rotated-secret-abcdef0123456789"
    emulator.control.update_app(SHOP, "default", client_secret=rotated)
    provider = configured({"shopifyClientSecret": rotated})  # the next `pulumi up`
    again = checked(provider, news(emulator, "graphql"))
    assert not provider.diff(created.id, olds, again).changes
    read = provider.read(created.id, olds)
    assert read.outs is not None and read.outs["webhook_id"] == created.id
    assert rotated not in json.dumps([again, read.outs])


def test_the_scope_check_uses_the_apps_scopes_and_words_the_app_fix(emulator: RunningEmulator) -> None:
    emulator.control.create_shop(SHOP, client_id=CLIENT_ID, client_secret=SECRET, scopes=["read_orders"])
    provider = configured({"shopifyClientSecret": SECRET})
    result = provider.check({}, news(emulator, "graphql", topic="products/update"))
    (failure,) = result.failures
    assert failure.property == "topic" and "read_products" in failure.reason
    assert "Dev Dashboard" in failure.reason and "shopifyTokens" not in failure.reason


def test_normalise_keeps_the_client_id_as_a_plain_input() -> None:
    inputs, failures = normalise(
        {"shop": SHOP, "topic": "orders/create", "address": ADDRESS, "client_id": "x"}
    )
    assert failures == [] and inputs["client_id"] == "x"
