"""Failures, retries on the (compressed) schedule, timeouts, and removal after the final failed retry."""

from __future__ import annotations

import itertools
import json

from tests.emulator_deliveries.receiver import Reply


def test_non_2xx_and_3xx_are_retried_until_a_2xx(emulator, acme, receiver):
    acme.create("orders/create", receiver.url("/hooks"))
    receiver.script("/hooks", 500, Reply(302, headers=(("Location", receiver.url("/moved")),)), 200)
    answer = emulator.control.trigger_event("acme", "orders/create", {"id": 7}, wait=5)

    [delivery] = answer["deliveries"]
    assert delivery["status"] == "succeeded" and delivery["retries"] == 2
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 302, 200]
    assert [a["kind"] for a in delivery["attempts"]] == ["delivery", "retry", "retry"]
    assert [a["ok"] for a in delivery["attempts"]] == [False, False, True]
    assert delivery["attempts"][0]["error"] == "HTTP 500"
    sent = receiver.requests_to("/hooks")
    assert len(sent) == 3
    assert len({r.headers["x-shopify-webhook-id"] for r in sent}) == 1  # a retry keeps the webhook id
    assert len({r.body for r in sent}) == 1 and len({r.headers["x-shopify-hmac-sha256"] for r in sent}) == 1
    assert receiver.requests_to("/moved") == []  # redirects are failures, never followed


def test_a_slow_receiver_is_a_timeout_failure(emulator, acme, receiver):
    emulator.control.set_delivery_settings(timeout=0.3, retry_schedule=[0.05])
    acme.create("orders/create", receiver.url("/slow"))
    receiver.script("/slow", Reply(200, delay=0.8))
    answer = emulator.control.trigger_event("acme", "orders/create", {"id": 7}, wait=5)

    [delivery] = answer["deliveries"]
    first, second = delivery["attempts"]
    assert first["ok"] is False and first["status_code"] is None and first["error"] == "timeout"
    assert first["duration_ms"] < 700  # gave up at the timeout, not when the receiver answered
    assert second["ok"] is True and second["status_code"] == 200
    assert delivery["status"] == "succeeded" and delivery["retries"] == 1


def test_retries_follow_the_compressed_schedule(emulator, acme, receiver):
    # 100 s and 200 s scaled by 0.002: 0.2 s then 0.4 s.
    emulator.control.set_delivery_settings(
        retry_schedule=[100, 200], time_scale=0.002, remove_failing_subscriptions=False
    )
    sub = acme.create("orders/create", receiver.url("/down"))
    receiver.script("/down", 503, 503, 503)
    answer = emulator.control.trigger_event("acme", "orders/create", {"id": 7}, wait=5)

    times = [r.at for r in receiver.requests_to("/down")]
    assert len(times) == 3
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert 0.19 <= gaps[0] < 0.5, gaps
    assert 0.39 <= gaps[1] < 0.7, gaps
    [delivery] = answer["deliveries"]
    assert delivery["status"] == "failed" and delivery["retries"] == 2 and delivery["removal"] is None
    offsets = [a["offset_seconds"] for a in delivery["attempts"]]
    assert offsets[0] < 0.3 and 0.55 <= offsets[2] < 1.2, offsets
    # Removal switched off: the subscription stays.
    assert [w["id"] for w in acme.get("/webhooks.json").json()["webhooks"]] == [sub["id"]]


def test_subscription_is_removed_after_the_final_failed_retry(emulator, acme, receiver):
    emulator.control.set_delivery_settings(retry_schedule=[0.02] * 8)  # Shopify's 8 retries, compressed
    doomed = acme.create("orders/create", receiver.url("/gone"))
    kept = acme.create("orders/create", receiver.url("/fine"))
    receiver.script("/gone", *[500] * 9)
    answer = emulator.control.trigger_event("acme", "orders/create", {"id": 7}, wait=5)

    failed = next(d for d in answer["deliveries"] if d["subscription_id"] == doomed["id"])
    assert failed["status"] == "subscription_removed"
    assert failed["retries"] == 8 and len(failed["attempts"]) == 9
    assert failed["removal"]["subscription_id"] == doomed["id"]
    assert "9 consecutive failed attempts" in failed["removal"]["reason"]
    assert failed["removal"]["at"].endswith("Z")
    assert len(receiver.requests_to("/gone")) == 9
    # Gone from the Admin API (and the control view); the healthy subscription stays.
    assert [w["id"] for w in acme.get("/webhooks.json").json()["webhooks"]] == [kept["id"]]
    assert acme.get(f"/webhooks/{doomed['id']}.json").status_code == 404
    assert [s["id"] for s in emulator.control.subscriptions("acme")] == [kept["id"]]
    removed = emulator.control.deliveries("acme", status="subscription_removed")
    assert [d["id"] for d in removed] == [failed["id"]]


def test_connection_refused_counts_as_failure(emulator, acme, receiver):
    emulator.control.set_delivery_settings(retry_schedule=[])
    port = receiver.port
    receiver.stop()  # nothing listens on the port any more
    sub = acme.create("orders/create", f"http://127.0.0.1:{port}/hooks")
    answer = emulator.control.trigger_event("acme", "orders/create", {"id": 7}, wait=5)
    [delivery] = answer["deliveries"]
    [attempt] = delivery["attempts"]
    assert attempt["status_code"] is None and attempt["error"].startswith("connection error")
    # No retries configured: the first failure is the final one.
    assert (
        delivery["status"] == "subscription_removed" and delivery["removal"]["subscription_id"] == sub["id"]
    )


def test_retries_keep_the_address_and_payload_of_the_trigger(emulator, acme, receiver):
    emulator.control.set_delivery_settings(retry_schedule=[0.4])
    sub = acme.create("orders/create", receiver.url("/old"))
    receiver.script("/old", 500)
    answer = emulator.control.trigger_event("acme", "orders/create", {"id": 7})
    receiver.wait_for(1)
    acme.put(
        f"/webhooks/{sub['id']}.json", json={"webhook": {"id": sub["id"], "address": receiver.url("/new")}}
    )
    assert emulator.control.wait_for_deliveries(5, shop="acme")

    assert [r.path for r in receiver.received] == ["/old", "/old"]
    assert [json.loads(r.body) for r in receiver.received] == [{"id": 7}, {"id": 7}]
    delivery = emulator.control.delivery(answer["deliveries"][0]["id"])
    assert delivery["status"] == "succeeded" and delivery["address"] == receiver.url("/old")
