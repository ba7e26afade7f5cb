"""A lost or failed answer to a create costs a lookup and a retry, never a duplicate or a failed run
(issue 9): the provider against the emulator over HTTP, with the emulator's fault injection on POSTs."""

from __future__ import annotations

from typing import Any

import pytest

from shopstream.emulator import RunningEmulator
from shopstream.providers.shopify.webhook import WebhookSubscriptionProvider
from shopstream.providers.user_errors import UserFacingError
from tests.providers.test_webhook_provider import SHOP, props

WEBHOOKS = "/admin/api/*/webhooks.json"


def inject(emulator: RunningEmulator, kind: str, **spec: Any) -> None:
    rule = {"shop": SHOP, "path": WEBHOOKS, "methods": ["POST"], kind: {"rate": 1.0, "limit": 1, **spec}}
    emulator.control.call("PUT", "/faults", {"seed": 7, "rules": [rule]})


def posts(emulator: RunningEmulator) -> list[dict[str, Any]]:
    return [r for r in emulator.control.requests(SHOP) if r["method"] == "POST"]


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
    result = provider.create(props(emulator))
    subscriptions = emulator.control.subscriptions(SHOP)
    assert len(subscriptions) == 1
    assert result.id == str(subscriptions[0]["id"])
    assert result.outs is not None and result.outs["adopted"] is False
    faults = [r for r in posts(emulator) if r.get("fault")]
    assert len(faults) == 1, posts(emulator)


def test_a_create_that_times_out_after_being_applied_results_in_one_subscription(
    emulator: RunningEmulator, provider: WebhookSubscriptionProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOPSTREAM_HTTP_READ_TIMEOUT", "0.5")
    inject(emulator, "latency", seconds=2.0, phase="after")
    result = provider.create(props(emulator))
    (subscription,) = emulator.control.subscriptions(SHOP)
    assert result.id == str(subscription["id"])


def test_a_create_that_keeps_failing_is_one_sentence_and_leaves_nothing_behind(
    emulator: RunningEmulator, provider: WebhookSubscriptionProvider
) -> None:
    rule = {"shop": SHOP, "path": WEBHOOKS, "methods": ["POST"], "error": {"rate": 1.0, "statuses": [502]}}
    emulator.control.call("PUT", "/faults", {"seed": 7, "rules": [rule]})
    with pytest.raises(UserFacingError) as info:
        provider.create(props(emulator))
    assert "acme-eu" in str(info.value) and "\n" not in str(info.value)
    assert emulator.control.subscriptions(SHOP) == []
    assert len(posts(emulator)) == 4  # bounded: MAX_CREATE_TRIES
