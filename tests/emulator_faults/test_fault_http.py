"""Each kind of injected fault over real HTTP; the control surface shows whether the write was applied."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest
import requests

from shopstream.emulator import FaultConfigError, parse_fault_config
from shopstream.emulator.control_client import ControlClientError
from shopstream.emulator.fault_model import StreamState, decide
from tests.emulator.support import Admin, make_shop

WEBHOOKS = "/admin/api/*/webhooks.json"


def set_faults(emulator: Any, *rules: dict[str, Any], seed: int = 1) -> dict[str, Any]:
    state: dict[str, Any] = emulator.control.call("PUT", "/faults", {"seed": seed, "rules": list(rules)})
    return state


def create_body(n: int = 1) -> dict[str, Any]:
    return {"webhook": {"topic": "orders/create", "address": f"https://hooks.example.com/{n}"}}


def last_entry(emulator: Any, shop: str = "acme") -> dict[str, Any]:
    entry: dict[str, Any] = emulator.control.requests(shop)[-1]
    return entry


@pytest.fixture
def admin(emulator: Any) -> Admin:
    return make_shop(emulator)


def test_off_by_default(emulator, admin):
    state = emulator.control.call("GET", "/faults")
    assert state["faults"] == {"seed": 0, "rules": []}
    assert admin.post("/webhooks.json", json=create_body()).status_code == 201
    assert emulator.control.call("GET", "/faults/counters")["counters"]["matched"] == 0
    assert last_entry(emulator)["fault"] is None


def test_error_answers_5xx_and_applies_nothing(emulator, admin):
    set_faults(
        emulator,
        {"shop": "acme", "path": WEBHOOKS, "methods": ["POST"], "error": {"rate": 1, "statuses": [502]}},
    )
    response = admin.post("/webhooks.json", json=create_body())
    assert response.status_code == 502
    assert response.json() == {"errors": "Bad Gateway"}
    assert emulator.control.subscriptions("acme") == []
    entry = last_entry(emulator)
    assert (entry["method"], entry["status"], entry["fault"]) == ("POST", 502, "error_502")
    # Other methods and paths of the shop are untouched.
    assert admin.get("/webhooks.json").status_code == 200


def test_ambiguous_applies_the_write_and_answers_5xx(emulator, admin):
    set_faults(
        emulator,
        {"shop": "acme", "methods": ["POST"], "ambiguous": {"rate": 1, "statuses": [503], "limit": 1}},
    )
    response = admin.post("/webhooks.json", json=create_body())
    assert response.status_code == 503
    assert response.json() == {"errors": "Service Unavailable"}
    [sub] = emulator.control.subscriptions("acme")
    assert sub["address"] == "https://hooks.example.com/1"
    entry = last_entry(emulator)
    assert (entry["status"], entry["fault"], entry["app"]) == (201, "ambiguous_503", "default")
    # limit 1: the retry after the lookup is answered truthfully (Shopify's duplicate refusal).
    assert admin.post("/webhooks.json", json=create_body()).status_code == 422


def test_reset_before_drops_the_connection_and_applies_nothing(emulator, admin):
    set_faults(emulator, {"shop": "acme", "methods": ["POST"], "reset_before": {"rate": 1}})
    with pytest.raises(requests.ConnectionError):
        admin.post("/webhooks.json", json=create_body())
    assert emulator.control.subscriptions("acme") == []
    entry = last_entry(emulator)
    assert (entry["status"], entry["fault"]) == (0, "reset_before")


def test_reset_after_applies_the_write_and_drops_the_answer(emulator, admin):
    set_faults(emulator, {"shop": "acme", "methods": ["POST"], "reset_after": {"rate": 1}})
    with pytest.raises(requests.ConnectionError):
        admin.post("/webhooks.json", json=create_body())
    assert len(emulator.control.subscriptions("acme")) == 1
    entry = last_entry(emulator)
    assert (entry["status"], entry["fault"]) == (201, "reset_after")


def test_a_dropped_connection_is_a_tcp_reset_or_eof(emulator, admin):
    """What a client sees at the socket: no status line, the connection reset (or at least closed)."""
    set_faults(emulator, {"shop": "acme", "reset_after": {"rate": 1}})
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=10) as sock:
        sock.sendall(
            b"GET /shops/acme/admin/api/2026-10/webhooks.json HTTP/1.1\r\nHost: x\r\n"
            b"X-Shopify-Access-Token: " + admin.token.encode() + b"\r\n\r\n"
        )
        try:
            data = sock.recv(1024)
        except ConnectionResetError:
            data = b""
    assert data == b""


def test_throttle_storm_then_normal_service(emulator, admin):
    set_faults(
        emulator, {"shop": "acme", "throttle": {"rate": 1, "burst": 3, "retry_after": 1.5, "limit": 1}}
    )
    answers = [admin.get("/webhooks.json") for _ in range(4)]
    assert [a.status_code for a in answers] == [429, 429, 429, 200]
    assert {a.headers.get("Retry-After") for a in answers[:3]} == {"1.5"}
    assert "Exceeded 2 calls per second" in answers[0].json()["errors"]
    counters = emulator.control.call("GET", "/faults/counters")["counters"]
    assert counters["by_kind"]["throttle"] == 3
    assert counters["by_rule"] == [{"throttle": 1}]  # one storm


def test_latency_after_applies_before_a_client_read_timeout(emulator, admin):
    set_faults(emulator, {"shop": "acme", "methods": ["POST"], "latency": {"seconds": 5, "phase": "after"}})
    with pytest.raises(requests.ReadTimeout):
        requests.post(
            f"{admin.base}/webhooks.json",
            headers={"X-Shopify-Access-Token": admin.token},
            json=create_body(),
            timeout=(5, 0.5),
        )
    assert len(emulator.control.subscriptions("acme")) == 1  # applied while the answer waits
    assert last_entry(emulator)["fault"] == "latency"


def test_latency_before_delays_the_write_itself(emulator, admin):
    set_faults(emulator, {"shop": "acme", "methods": ["POST"], "latency": {"seconds": 4, "phase": "before"}})
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        requests.post(
            f"{admin.base}/webhooks.json",
            headers={"X-Shopify-Access-Token": admin.token},
            json=create_body(),
            timeout=(5, 0.3),
        )
    if time.monotonic() - started < 3:  # only meaningful while the sleep is surely still running
        assert emulator.control.subscriptions("acme") == []
    deadline = time.monotonic() + 30
    while not emulator.control.subscriptions("acme") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(emulator.control.subscriptions("acme")) == 1
    assert time.monotonic() - started >= 4


def test_graphql_path_and_host_addressing_are_covered(emulator, admin):
    set_faults(
        emulator,
        {"shop": "acme", "path": "/admin/api/*/graphql.json", "error": {"rate": 1, "statuses": [504]}},
    )
    graphql = requests.post(
        f"{admin.base}/graphql.json",
        headers={"X-Shopify-Access-Token": admin.token},
        json={"query": "{ shop { name } }"},
        timeout=10,
    )
    assert graphql.status_code == 504
    by_host = requests.post(
        f"{emulator.base_url}/admin/api/2026-10/graphql.json",
        headers={"X-Shopify-Access-Token": admin.token, "Host": "acme.myshopify.com"},
        json={"query": "{ shop { name } }"},
        timeout=10,
    )
    assert by_host.status_code == 504
    assert admin.get("/webhooks.json").status_code == 200  # not the pattern
    assert emulator.control.call("GET", "/faults/counters")["counters"]["by_shop"] == {"acme": {"error": 2}}


def test_aep_paths_are_covered_and_the_control_surface_never_is(emulator):
    set_faults(emulator, {"path": "/ims/*", "error": {"rate": 1, "statuses": [500]}}, {"error": {"rate": 1}})
    response = requests.post(f"{emulator.base_url}/ims/token/v3", data={"grant_type": "x"}, timeout=10)
    assert response.status_code == 500
    assert response.json()["title"] == "Internal Server Error"  # the AEP problem shape
    assert emulator.control.aep.requests() == []  # the AEP app never saw it
    # The catch-all rule matches everything else, but /_control keeps working (this very call).
    assert emulator.control.call("GET", "/health") == {"ok": True}
    log = emulator.control.call("GET", "/faults/log")["faults"]
    assert [(e["shop"], e["path"], e["kind"], e["applied"]) for e in log] == [
        (None, "/ims/token/v3", "error", False)
    ]


def test_ambiguous_on_aep_reaches_the_aep_app(emulator):
    set_faults(emulator, {"path": "/ims/*", "ambiguous": {"rate": 1, "statuses": [503]}})
    response = requests.post(f"{emulator.base_url}/ims/token/v3", data={"grant_type": "x"}, timeout=10)
    assert response.status_code == 503
    assert [e["path"] for e in emulator.control.aep.requests()] == ["/ims/token/v3"]


def test_a_seed_gives_the_same_faults_over_http(emulator, admin):
    rule = {"shop": "acme", "error": {"rate": 0.4}, "throttle": {"rate": 0.1, "burst": 2}}

    def run() -> list[int]:
        set_faults(emulator, rule, seed=42)  # PUT restarts the schedule
        return [admin.get("/webhooks/count.json").status_code for _ in range(25)]

    first = run()
    assert first == run()
    assert set(first) - {200} and 200 in first
    expected = parse_fault_config({"seed": 42, "rules": [rule]})
    stream, injected = StreamState(), dict[str, int]()
    assert first == [decide(expected, 0, "acme", stream, injected).status or 200 for _ in range(25)]


def test_counters_log_delete_and_append(emulator, admin):
    set_faults(
        emulator, {"shop": "acme", "methods": ["GET"], "error": {"rate": 1, "statuses": [500], "limit": 2}}
    )
    statuses = [admin.get("/webhooks.json").status_code for _ in range(3)]
    assert statuses == [500, 500, 200]
    state = emulator.control.call("DELETE", "/faults")
    assert state["faults"]["rules"] == []
    assert state["counters"]["matched"] == 3 and state["counters"]["injected"] == 2
    log = emulator.control.call("GET", "/faults/log", params={"since": 1, "shop": "acme"})["faults"]
    assert [(e["seq"], e["status"]) for e in log] == [(2, 500)]
    added = emulator.control.call("POST", "/faults/rules", {"shop": "acme", "reset_before": {"rate": 1}})
    assert added["index"] == 0 and added["rule"]["reset_before"] == {"rate": 1.0, "limit": None}
    with pytest.raises(requests.ConnectionError):
        admin.get("/webhooks.json")


def test_bad_configuration_is_a_400_with_the_reason(emulator):
    with pytest.raises(ControlClientError) as error:
        set_faults(emulator, {"error": {"rate": 0.7}, "ambiguous": {"rate": 0.7}})
    assert error.value.status == 400
    assert "add up to 1.4" in error.value.message
    with pytest.raises(ControlClientError) as error:
        emulator.control.call("GET", "/faults/log", params={"since": "x"})
    assert error.value.status == 400


def test_start_configuration_and_reset(emulator_factory):
    with pytest.raises(FaultConfigError, match="rules must be a list"):
        emulator_factory(faults={"rules": "all of them"})
    emulator = emulator_factory(faults={"seed": 9, "rules": [{"shop": "acme", "error": {"rate": 1}}]})
    admin = make_shop(emulator)
    assert admin.get("/webhooks.json").status_code >= 500
    set_faults(emulator)  # no rules
    assert admin.get("/webhooks.json").status_code == 200
    emulator.control.reset()  # back to the start configuration, counters zeroed
    state = emulator.control.call("GET", "/faults")
    assert state["faults"]["seed"] == 9 and len(state["faults"]["rules"]) == 1
    assert state["counters"]["injected"] == 0
