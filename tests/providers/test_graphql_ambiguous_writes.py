"""A lost or failed answer to a GraphQL create costs a lookup and a retry, never a duplicate or a failed run:
the provider (through ShopSubscriptions.create) over the GraphQL transport against the emulator, with the
emulator's fault injection on the GraphQL endpoint's POSTs."""

from __future__ import annotations

from typing import Any

import pytest

from shopstream.emulator import RunningEmulator
from shopstream.providers.shopify.webhook import WebhookSubscriptionProvider
from shopstream.providers.user_errors import UserFacingError
from tests.providers.test_webhook_provider import SHOP, props

GRAPHQL = "/admin/api/*/graphql.json"


def graphql_props(emulator: RunningEmulator) -> dict[str, Any]:
    return props(emulator, api="graphql", name="shopstream-dev-orders_create")


def inject(emulator: RunningEmulator, kind: str, **spec: Any) -> None:
    rule = {"shop": SHOP, "path": GRAPHQL, "methods": ["POST"], kind: {"rate": 1.0, "limit": 1, **spec}}
    emulator.control.call("PUT", "/faults", {"seed": 7, "rules": [rule]})


@pytest.mark.parametrize(
    ("kind", "spec"),
    [
        ("reset_after", {}),  # applied, then the connection dropped
        ("ambiguous", {"statuses": [503]}),  # applied, then a 503
        ("error", {"statuses": [500]}),  # refused with a 500, nothing applied
        ("reset_before", {}),  # dropped before the app saw it
    ],
)
def test_a_create_whose_answer_is_lost_or_failed_results_in_exactly_one_subscription(
    emulator: RunningEmulator, provider: WebhookSubscriptionProvider, kind: str, spec: dict[str, Any]
) -> None:
    inject(emulator, kind, **spec)
    result = provider.create(graphql_props(emulator))
    subscriptions = emulator.control.subscriptions(SHOP)
    assert len(subscriptions) == 1
    assert result.id == str(subscriptions[0]["id"])
    assert result.outs is not None and result.outs["adopted"] is False
    assert result.outs["name"] == "shopstream-dev-orders_create"
    faults = [r for r in emulator.control.requests(SHOP) if r.get("fault")]
    assert len(faults) == 1, emulator.control.requests(SHOP)
    # The faulted create was never sent again blindly: a list came first.
    after_fault = [
        r["graphql"]["root_fields"]
        for r in emulator.control.requests(SHOP)
        if r.get("graphql") and not r.get("fault")
    ]
    assert after_fault[0] == ["webhookSubscriptions"], after_fault


def test_a_create_that_times_out_after_being_applied_results_in_one_subscription(
    emulator: RunningEmulator, provider: WebhookSubscriptionProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOPSTREAM_HTTP_READ_TIMEOUT", "0.5")
    inject(emulator, "latency", seconds=2.0, phase="after")
    result = provider.create(graphql_props(emulator))
    (subscription,) = emulator.control.subscriptions(SHOP)
    assert result.id == str(subscription["id"])


def test_a_create_that_keeps_failing_is_one_sentence_and_leaves_nothing_behind(
    emulator: RunningEmulator, provider: WebhookSubscriptionProvider
) -> None:
    rule = {
        "shop": SHOP,
        "path": GRAPHQL,
        "methods": ["POST"],
        "error": {"rate": 1.0, "statuses": [502]},
    }
    emulator.control.call("PUT", "/faults", {"seed": 7, "rules": [rule]})
    with pytest.raises(UserFacingError) as info:
        provider.create(graphql_props(emulator))
    assert "acme-eu" in str(info.value) and "\n" not in str(info.value)
    assert emulator.control.subscriptions(SHOP) == []
