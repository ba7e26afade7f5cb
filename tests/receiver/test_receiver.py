"""shopstream.receiver: HMAC over the raw body, de-duplication by webhook id within a window, the WSGI app."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping

import pytest
from werkzeug.test import Client

from shopstream.receiver import (
    Outcome,
    WebhookIdWindow,
    receiver_app,
    verify_and_dedupe,
)
from shopstream.shopify_api.webhook_signature import sign

SECRET = "shpss_receiver"
BODY = json.dumps({"id": 820982911946154508, "email": "jon@example.com"}, separators=(",", ":")).encode()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def headers(
    body: bytes = BODY, webhook_id: str | None = "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"
) -> dict[str, str]:
    result = {"X-Shopify-Hmac-Sha256": sign(body, SECRET), "X-Shopify-Topic": "orders/create"}
    if webhook_id is not None:
        result["X-Shopify-Webhook-Id"] = webhook_id
    return result


# --- verify_and_dedupe -------------------------------------------------------------------------------


def test_a_good_delivery_is_accepted_once_within_the_window() -> None:
    clock = FakeClock()
    seen = WebhookIdWindow(60, clock=clock)
    first = verify_and_dedupe(BODY, headers(), SECRET, seen)
    assert first.outcome is Outcome.ACCEPTED and first.should_handle
    assert first.webhook_id == "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"
    clock.now += 59
    again = verify_and_dedupe(BODY, headers(), SECRET, seen)
    assert again.outcome is Outcome.DUPLICATE and not again.should_handle
    clock.now += 1  # 60 s after the first sighting: outside the window
    assert verify_and_dedupe(BODY, headers(), SECRET, seen).outcome is Outcome.ACCEPTED


def test_headers_are_case_insensitive() -> None:
    lowered = {key.lower(): value for key, value in headers().items()}
    seen = WebhookIdWindow()
    assert verify_and_dedupe(BODY, lowered, SECRET, seen).outcome is Outcome.ACCEPTED
    assert verify_and_dedupe(BODY, headers(), SECRET, seen).outcome is Outcome.DUPLICATE


@pytest.mark.parametrize(
    ("body", "given"),
    [
        (BODY + b" ", headers()),  # re-serialised or altered body
        (BODY, {**headers(), "X-Shopify-Hmac-Sha256": sign(BODY, "another secret")}),
        (BODY, {k: v for k, v in headers().items() if k != "X-Shopify-Hmac-Sha256"}),
    ],
    ids=["altered-body", "other-secret", "no-signature"],
)
def test_a_bad_hmac_is_rejected_and_not_remembered(body: bytes, given: Mapping[str, str]) -> None:
    seen = WebhookIdWindow()
    verdict = verify_and_dedupe(body, given, SECRET, seen)
    assert verdict.outcome is Outcome.REJECTED and not verdict.should_handle
    assert len(seen) == 0
    # A forged request carrying a genuine id cannot make the genuine delivery look like a duplicate.
    assert verify_and_dedupe(BODY, headers(), SECRET, seen).outcome is Outcome.ACCEPTED


def test_without_a_webhook_id_an_authentic_delivery_is_accepted_every_time() -> None:
    seen = WebhookIdWindow()
    for _ in range(2):
        verdict = verify_and_dedupe(BODY, headers(webhook_id=None), SECRET, seen)
        assert verdict.outcome is Outcome.ACCEPTED and verdict.webhook_id is None


# --- the window ---------------------------------------------------------------------------------------


def test_the_window_is_bounded_and_forgets() -> None:
    clock = FakeClock()
    seen = WebhookIdWindow(60, max_entries=2, clock=clock)
    assert not seen.check_and_add("a")
    assert not seen.check_and_add("b")
    assert not seen.check_and_add("c")  # evicts "a", the oldest
    assert len(seen) == 2
    assert not seen.check_and_add("a")
    seen.forget("a")
    assert not seen.check_and_add("a")
    clock.now += 60
    assert len(seen) == 0
    with pytest.raises(ValueError):
        WebhookIdWindow(0)


def test_concurrent_duplicates_are_accepted_exactly_once() -> None:
    seen = WebhookIdWindow()
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    barrier = threading.Barrier(16)

    def deliver() -> None:
        barrier.wait()
        outcome = verify_and_dedupe(BODY, headers(), SECRET, seen).outcome
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=deliver) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(Outcome.ACCEPTED) == 1 and outcomes.count(Outcome.DUPLICATE) == 15


# --- WSGI app -----------------------------------------------------------------------------------------


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[bytes, dict[str, str]]] = []
        self.fail = fail

    def __call__(self, body: bytes, given: Mapping[str, str]) -> None:
        self.calls.append((body, dict(given)))
        if self.fail:
            raise RuntimeError("downstream is down")


def test_the_app_handles_verifies_and_dedupes() -> None:
    clock = FakeClock()
    handler = Recorder()
    client = Client(receiver_app(SECRET, handler, seen=WebhookIdWindow(60, clock=clock)))

    good = client.post("/webhooks", data=BODY, headers=headers())
    assert good.status_code == 200 and len(handler.calls) == 1
    body, given = handler.calls[0]
    assert body == BODY and given["X-Shopify-Topic"] == "orders/create"

    bad = client.post("/webhooks", data=BODY, headers={**headers(), "X-Shopify-Hmac-Sha256": "AAAA"})
    assert bad.status_code == 401 and len(handler.calls) == 1

    duplicate = client.post("/webhooks", data=BODY, headers=headers())
    assert duplicate.status_code == 200 and duplicate.get_data() == b"duplicate\n"
    assert len(handler.calls) == 1  # not handled twice

    clock.now += 61
    later = client.post("/webhooks", data=BODY, headers=headers())
    assert later.status_code == 200 and len(handler.calls) == 2  # outside the window: handled again


def test_a_failing_handler_answers_500_and_the_retry_is_handled() -> None:
    handler = Recorder(fail=True)
    client = Client(receiver_app(SECRET, handler))
    assert client.post("/", data=BODY, headers=headers()).status_code == 500
    handler.fail = False
    assert client.post("/", data=BODY, headers=headers()).status_code == 200
    assert len(handler.calls) == 2


def test_only_posts_are_webhooks() -> None:
    handler = Recorder()
    client = Client(receiver_app(SECRET, handler))
    assert client.get("/").status_code == 405 and handler.calls == []
