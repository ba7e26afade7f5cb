"""Fixtures of the provider tests: a shop on the emulator with a token, and a configured provider."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from pulumi.dynamic import Config, ConfigureRequest

from shopstream.emulator import RunningEmulator
from shopstream.providers import credentials
from shopstream.providers.shopify import preflight
from shopstream.providers.shopify.webhook import WebhookSubscriptionProvider

SHOP = "acme-eu"


@pytest.fixture
def token(emulator: RunningEmulator) -> Iterator[str]:
    emulator.control.create_shop(SHOP)
    value = emulator.control.create_token(SHOP, ["read_orders", "read_products"])
    yield value
    credentials.clear()
    preflight.forget()


@pytest.fixture
def provider(token: str) -> WebhookSubscriptionProvider:
    provider = WebhookSubscriptionProvider()
    config = Config({"shopstream:shopifyTokens": json.dumps({SHOP: token})}, "shopstream")
    provider.configure(ConfigureRequest(config))
    return provider
