"""The delivery control surface: validation, skipped subscriptions, waiting, settings, reset and stop."""

from __future__ import annotations

import pytest
import requests

from shopstream.emulator import deliveries
from shopstream.emulator.control_client import ControlClientError
from shopstream.emulator.delivery_model import DEFAULT_RETRY_SCHEDULE, DeliverySettings


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/shops/nope/events", {"topic": "orders/create", "payload": {}}, 404, "no shop named"),
        ("/shops/acme/events", {"payload": {}}, 400, "topic"),
        ("/shops/acme/events", {"topic": "orders/create", "payload": [1]}, 400, "payload"),
        ("/shops/acme/events", {"topic": "orders/create"}, 400, "payload"),
        (
            "/shops/acme/events",
            {"topic": "orders/create", "payload": {}, "duplicate": "yes"},
            400,
            "duplicate",
        ),
        ("/shops/acme/events", {"topic": "orders/create", "payload": {}, "wait": -1}, 400, "wait"),
        ("/deliveries/999/redeliver", {}, 404, "no delivery 999"),
        ("/deliveries/wait", {"timeout": "soon"}, 400, "timeout"),
    ],
)
def test_bad_requests(emulator, acme, path, body, status, message):
    with pytest.raises(ControlClientError) as caught:
        emulator.control.call("POST", path, body)
    assert caught.value.status == status
    assert message in caught.value.message


def test_bad_queries_and_unknown_ids(emulator, acme):
    base = f"{emulator.base_url}/_control"
    assert requests.get(f"{base}/deliveries/12345", timeout=10).status_code == 404
    assert requests.get(f"{base}/shops/nope/deliveries", timeout=10).status_code == 404
    bad_status = requests.get(f"{base}/shops/acme/deliveries", params={"status": "lost"}, timeout=10)
    assert bad_status.status_code == 400 and "status must be one of" in bad_status.json()["error"]
    bad_id = requests.get(f"{base}/deliveries", params={"subscription_id": "x"}, timeout=10)
    assert bad_id.status_code == 400


@pytest.mark.parametrize(
    "changes",
    [
        {"retry_schedule": "often"},
        {"retry_schedule": [1, -1]},
        {"retry_schedule": [0.1] * 101},
        {"time_scale": 0},
        {"timeout": "5"},
        {"allow_remote": 1},
        {"colour": "blue"},
    ],
)
def test_bad_settings_are_rejected_and_change_nothing(emulator, changes):
    before = emulator.control.delivery_settings()
    with pytest.raises(ControlClientError) as caught:
        emulator.control.set_delivery_settings(**changes)
    assert caught.value.status == 400
    assert emulator.control.delivery_settings() == before


def test_settings_defaults_and_updates(emulator):
    settings = emulator.control.delivery_settings()
    assert settings == {
        "retry_schedule": list(DEFAULT_RETRY_SCHEDULE),
        "time_scale": 1.0,
        "connect_timeout": 1.0,
        "timeout": 5.0,
        "remove_failing_subscriptions": True,
        "allow_remote": False,
    }
    assert len(settings["retry_schedule"]) == 8
    assert 3.5 * 3600 <= sum(settings["retry_schedule"]) <= 4.5 * 3600  # "8 times over 4 hours"
    updated = emulator.control.set_delivery_settings(retry_schedule="1, 2.5", time_scale=0.5)
    assert updated["retry_schedule"] == [1.0, 2.5] and updated["time_scale"] == 0.5
    assert updated["timeout"] == 5.0  # untouched keys keep their values


def test_subscriptions_that_cannot_be_delivered_are_skipped(emulator, acme, receiver):
    remote = emulator.control.create_subscription(
        "acme", topic="orders/create", address="https://example.com/h"
    )
    xml = emulator.control.create_subscription(
        "acme", topic="orders/create", address=receiver.url("/xml"), format="xml"
    )
    pubsub = emulator.control.create_subscription(
        "acme", topic="orders/create", address="pubsub://my-project:orders"
    )
    fine = emulator.control.create_subscription("acme", topic="orders/create", address=receiver.url("/ok"))
    answer = emulator.control.trigger_event("acme", "orders/create", {"id": 1}, wait=5)

    skipped = {item["subscription_id"]: item["reason"] for item in answer["skipped"]}
    assert set(skipped) == {remote["id"], xml["id"]}
    assert "allow_remote" in skipped[remote["id"]]
    assert "xml" in skipped[xml["id"]]
    # Pub/Sub is delivered without network, to the sink (tests/emulator_graphql/test_graphql_deliveries.py).
    assert [d["subscription_id"] for d in answer["deliveries"]] == [pubsub["id"], fine["id"]]
    assert [r.path for r in receiver.received] == ["/ok"]


def test_wait_reports_unsettled_deliveries_and_reset_clears_them(emulator, acme, receiver):
    emulator.control.set_delivery_settings(retry_schedule=[60])  # the retry is far away
    acme.create("orders/create", receiver.url("/down"))
    receiver.script("/down", 500)
    answer = emulator.control.trigger_event("acme", "orders/create", {"id": 1})
    receiver.wait_for(1)

    assert emulator.control.wait_for_deliveries(0.3, shop="acme") is False
    [delivery] = emulator.control.deliveries("acme", wait=0.2)
    assert delivery["status"] == "retrying" and delivery["settled"] is False
    assert 50 < delivery["next_retry_in_seconds"] <= 60
    assert (
        emulator.control.deliveries(status="retrying", event_id=answer["event"]["id"])[0]["id"]
        == delivery["id"]
    )
    assert emulator.control.deliveries("acme", status="succeeded") == []

    emulator.control.reset()
    assert emulator.control.deliveries() == []
    assert emulator.control.wait_for_deliveries(0.1) is True
    with pytest.raises(ControlClientError) as caught:
        emulator.control.delivery(delivery["id"])
    assert caught.value.status == 404


def test_deleting_a_shop_or_its_deliveries_forgets_them(emulator, acme, receiver):
    acme.create("orders/create", receiver.url("/hooks"))
    emulator.control.trigger_event("acme", "orders/create", {"id": 1}, wait=5)
    assert len(emulator.control.deliveries("acme")) == 1
    emulator.control.clear_deliveries("acme")
    assert emulator.control.deliveries("acme") == []
    emulator.control.trigger_event("acme", "orders/create", {"id": 2}, wait=5)
    emulator.control.call("DELETE", "/shops/acme")
    assert emulator.control.deliveries() == []


def test_stopping_the_server_stops_the_workers(emulator_factory, receiver):
    emu = emulator_factory(delivery_settings=DeliverySettings(retry_schedule=(60.0,)))
    emu.control.create_shop("acme")
    emu.control.create_subscription("acme", topic="orders/create", address=receiver.url("/down"))
    receiver.script("/down", 500)
    emu.control.trigger_event("acme", "orders/create", {"id": 1})
    receiver.wait_for(1)
    engine = deliveries.engine_of(emu.app)
    assert engine.alive_workers() == deliveries.DEFAULT_WORKERS

    emu.stop()

    assert engine.alive_workers() == 0
    with pytest.raises(deliveries.EngineStopped):
        engine.redeliver(1)
    assert len(receiver.received) == 1  # the queued retry was dropped
