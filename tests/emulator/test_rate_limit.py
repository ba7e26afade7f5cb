"""REST leaky bucket per shop and app, call-limit header and 429 (reference §3.1)."""

from __future__ import annotations

import requests

from shopstream.shopify_api.ratelimit import parse_call_limit, retry_after_seconds
from tests.emulator.support import FakeClock, make_shop

THROTTLED_2 = {
    "errors": "Exceeded 2 calls per second for api client. "
    "Reduce request rates to resume uninterrupted service."
}


def test_call_limit_header_counts_requests_with_the_default_bucket(emulator_factory):
    clock = FakeClock()
    emu = emulator_factory(clock=clock)
    admin = make_shop(emu)
    seen = [admin.get("/webhooks.json").headers["X-Shopify-Shop-Api-Call-Limit"] for _ in range(3)]
    assert seen == ["1/40", "2/40", "3/40"]
    clock.advance(1.0)  # 2 leak out
    assert admin.get("/webhooks.json").headers["X-Shopify-Shop-Api-Call-Limit"] == "2/40"


def test_full_bucket_gives_429_with_retry_after_then_recovers(emulator_factory):
    clock = FakeClock()
    emu = emulator_factory(clock=clock, bucket_size=5)
    admin = make_shop(emu)
    headers = [admin.get("/webhooks/count.json").headers["X-Shopify-Shop-Api-Call-Limit"] for _ in range(5)]
    assert [parse_call_limit(h) for h in headers] == [(n, 5) for n in range(1, 6)]
    refused = admin.post(
        "/webhooks.json", json={"webhook": {"topic": "orders/create", "address": "https://a.io"}}
    )
    assert refused.status_code == 429
    assert refused.json() == THROTTLED_2
    assert refused.headers["Retry-After"] == "2.0"
    assert refused.headers["X-Shopify-Shop-Api-Call-Limit"] == "5/5"
    assert emu.control.subscriptions("acme") == []  # a refused request does nothing
    clock.advance(retry_after_seconds(refused.headers["Retry-After"]))
    again = admin.get("/webhooks/count.json")
    assert again.status_code == 200
    assert again.headers["X-Shopify-Shop-Api-Call-Limit"] == "2/5"  # 4 leaked in 2 s, plus this one


def test_retry_after_covers_a_slow_leak(emulator_factory):
    clock = FakeClock()
    emu = emulator_factory(clock=clock, bucket_size=2, leak_rate=0.1)
    admin = make_shop(emu)
    admin.get("/webhooks.json")
    admin.get("/webhooks.json")
    refused = admin.get("/webhooks.json")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "10.0"
    assert refused.json()["errors"].startswith("Exceeded 0.1 calls per second for api client.")
    clock.advance(9.9)
    assert admin.get("/webhooks.json").status_code == 429
    clock.advance(0.1)
    assert admin.get("/webhooks.json").status_code == 200


def test_buckets_are_per_shop_and_per_app_and_settable_per_shop(emulator_factory):
    clock = FakeClock()
    emu = emulator_factory(clock=clock)
    acme = make_shop(emu, "acme")
    acme_other_app = make_shop(emu, "acme", app="other")
    globex = make_shop(emu, "globex")
    emu.control.set_rate_limit("acme", bucket_size=3, leak_rate=1)
    for _ in range(3):
        assert acme.get("/webhooks.json").status_code == 200
    refused = acme.get("/webhooks.json")
    assert refused.status_code == 429
    assert refused.headers["X-Shopify-Shop-Api-Call-Limit"] == "3/3"
    assert refused.json()["errors"].startswith("Exceeded 1 calls per second")
    # Another app on the same shop and another shop have their own buckets.
    assert acme_other_app.get("/webhooks.json").headers["X-Shopify-Shop-Api-Call-Limit"] == "1/3"
    assert globex.get("/webhooks.json").headers["X-Shopify-Shop-Api-Call-Limit"] == "1/40"
    shop = emu.control.call("GET", "/shops/acme")["shop"]
    assert shop["rate_limit"] == {"bucket_size": 3, "leak_rate": 1.0, "default": False}
    # Back to the server default.
    emu.control.call("DELETE", "/shops/acme/rate_limit")
    assert acme.get("/webhooks.json").headers["X-Shopify-Shop-Api-Call-Limit"] == "1/40"


def test_unauthenticated_and_control_requests_do_not_count(emulator_factory):
    clock = FakeClock()
    emu = emulator_factory(clock=clock, bucket_size=2)
    admin = make_shop(emu)
    for _ in range(5):
        bad = requests.get(
            f"{admin.base}/webhooks.json", headers={"X-Shopify-Access-Token": "nope"}, timeout=10
        )
        assert bad.status_code == 401
        assert "X-Shopify-Shop-Api-Call-Limit" not in bad.headers
        emu.control.subscriptions("acme")
    assert admin.get("/webhooks.json").headers["X-Shopify-Shop-Api-Call-Limit"] == "1/2"


def test_server_wide_settings(emulator_factory):
    clock = FakeClock()
    emu = emulator_factory(clock=clock, bucket_size=400, leak_rate=20)  # Shopify Plus figures
    admin = make_shop(emu)
    assert admin.get("/webhooks.json").headers["X-Shopify-Shop-Api-Call-Limit"] == "1/400"


def test_control_rejects_bad_rate_limits(emulator):
    emulator.control.create_shop("acme")
    for body in (
        {"bucket_size": 0, "leak_rate": 1},
        {"bucket_size": 5, "leak_rate": 0},
        {"bucket_size": "5"},
    ):
        response = requests.put(f"{emulator.base_url}/_control/shops/acme/rate_limit", json=body, timeout=10)
        assert response.status_code == 400
        assert "error" in response.json()
