"""The per-shop session over HTTP: one list serves many reads, concurrent checks share one scope fetch."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from pulumi.dynamic import Config, ConfigureRequest

from shopstream.emulator import RunningEmulator
from shopstream.providers import credentials
from shopstream.providers.shopify import preflight, session
from shopstream.providers.shopify.webhook import WebhookSubscriptionProvider
from shopstream.providers.shopify.webhook_inputs import normalise
from tests.e2e.bulk import topics_with_scopes

SHOP = "acme-eu"


@pytest.fixture
def provider(emulator: RunningEmulator) -> Iterator[WebhookSubscriptionProvider]:
    emulator.control.create_shop(SHOP)
    _, scopes = topics_with_scopes(60)
    token = emulator.control.create_token(SHOP, scopes)
    provider = WebhookSubscriptionProvider()
    provider.configure(
        ConfigureRequest(Config({"shopstream:shopifyTokens": json.dumps({SHOP: token})}, "shopstream"))
    )
    session.reset()
    yield provider
    credentials.clear()
    preflight.forget()


def state(emulator: RunningEmulator, webhook: dict[str, Any]) -> dict[str, Any]:
    inputs, failures = normalise(
        {
            "shop": SHOP,
            "topic": webhook["topic"],
            "address": webhook["address"],
            "api_version": "2026-10",
            "endpoint": emulator.shop_url(SHOP),
        }
    )
    assert failures == []
    return {**inputs, "webhook_id": str(webhook["id"]), "__provider": "x"}


def test_one_list_serves_every_read_of_a_shop(
    emulator: RunningEmulator, provider: WebhookSubscriptionProvider
) -> None:
    created = [
        emulator.control.create_subscription(
            SHOP, topic="orders/create", address=f"https://hooks.example.com/{i}"
        )
        for i in range(300)
    ]
    gone = created.pop()
    emulator.control.delete_subscription(SHOP, gone["id"])
    since = emulator.control.requests(SHOP)[-1]["seq"] if emulator.control.requests(SHOP) else 0

    with ThreadPoolExecutor(max_workers=4) as pool:  # the provider server's four threads
        reads = list(pool.map(lambda w: provider.read(str(w["id"]), state(emulator, w)), [*created, gone]))

    assert [r.id for r in reads[:-1]] == [str(w["id"]) for w in created]
    assert reads[-1].id == ""  # deleted behind our back: dropped from the state
    log = emulator.control.requests(SHOP, since=since)
    assert [r["method"] for r in log] == ["GET", "GET"]  # ceil(299 / 250) pages, no GET per subscription
    assert all("webhooks.json" in r["path"] for r in log)


def test_concurrent_checks_of_one_shop_share_one_scope_fetch(
    emulator: RunningEmulator, provider: WebhookSubscriptionProvider
) -> None:
    wanted, _ = topics_with_scopes(20)
    news = [
        {
            "shop": SHOP,
            "topic": topic,
            "address": "https://hooks.example.com/x",
            "api_version": "2026-10",
            "endpoint": emulator.shop_url(SHOP),
            "__provider": "x",
        }
        for topic in wanted
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda n: provider.check({}, n), news))
    assert all(r.failures == [] for r in results)
    scope_calls = [r for r in emulator.control.requests(SHOP) if r["path"].endswith("access_scopes.json")]
    assert len(scope_calls) == 1
    # The state keeps only the granted scopes that serve each topic, not the shop's whole list.
    assert all(len(r.inputs["granted_scopes"]) <= 2 for r in results)
