"""The /_control surface, and isolation between shops and between apps."""

from __future__ import annotations

import re

import pytest
import requests

from shopstream.emulator.control_client import ControlClientError
from tests.emulator.support import Admin, FakeClock, make_shop


def test_create_shop_defaults_and_returns_the_client_secret(emulator):
    created = emulator.control.create_shop("acme")
    assert created["shop"] == {
        "name": "acme",
        "domain": "acme.myshopify.com",
        "timezone": "-05:00",
        "rate_limit": {"bucket_size": 40, "leak_rate": 2.0, "default": True},
        "cost_limit": {
            "maximum_available": 2000,
            "restore_rate": 100.0,
            "max_query_cost": 1000,
            "default": True,
        },
        "refuse_non_expiring_tokens": False,
        "apps": [
            {
                "name": "default",
                "webhook_api_version": "2026-10",
                "client_id": created["app"]["client_id"],
                "scopes": [],
                "public": False,
                "installed": True,
            }
        ],
        "admin_base_url": f"{emulator.base_url}/shops/acme",
    }
    assert re.fullmatch(r"[0-9a-f]{32}", created["app"]["client_id"])
    assert re.fullmatch(r"[0-9a-f]{32}", created["app"]["client_secret"])
    # The secret is not shown again.
    assert "client_secret" not in str(emulator.control.call("GET", "/shops/acme"))
    assert [s["name"] for s in emulator.control.call("GET", "/shops")["shops"]] == ["acme"]


def test_create_shop_with_options(emulator):
    created = emulator.control.create_shop(
        "globex", timezone="Europe/Paris", app="sync", client_secret="s3cret", webhook_api_version="2026-07"
    )
    assert created["shop"]["timezone"] == "Europe/Paris"
    assert {k: created["app"][k] for k in ("name", "webhook_api_version", "client_secret")} == {
        "name": "sync",
        "webhook_api_version": "2026-07",
        "client_secret": "s3cret",
    }


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "Bad_Name"}, 400),
        ({"name": ""}, 400),
        ({}, 400),
        ({"name": "ok", "timezone": "Mars/Olympus"}, 400),
        ({"name": "ok", "webhook_api_version": "2020-01"}, 400),
        ({"name": "acme"}, 409),
    ],
)
def test_create_shop_errors(emulator, body, status):
    emulator.control.create_shop("acme")
    with pytest.raises(ControlClientError) as caught:
        emulator.control.call("POST", "/shops", body)
    assert caught.value.status == status
    assert caught.value.message
    assert [s["name"] for s in emulator.control.call("GET", "/shops")["shops"]] == [
        "acme"
    ]  # nothing half-made


def test_control_errors_are_json(emulator):
    response = requests.get(f"{emulator.base_url}/_control/shops/nope", timeout=10)
    assert response.status_code == 404
    assert response.json() == {"error": "no shop named 'nope'"}
    bad_json = requests.post(f"{emulator.base_url}/_control/shops", data=b"{", timeout=10)
    assert bad_json.status_code == 400 and "error" in bad_json.json()
    unknown = requests.get(f"{emulator.base_url}/_control/nothing", timeout=10)
    assert unknown.status_code == 404 and "error" in unknown.json()


def test_tokens(emulator):
    emulator.control.create_shop("acme")
    created = emulator.control.call("POST", "/shops/acme/tokens", {"scopes": "read_orders, write_products"})
    token = created["access_token"]
    assert re.fullmatch(r"shpat_[0-9a-f]{32}", token)
    assert created["token"]["scopes"] == ["read_orders", "write_products"]
    assert created["token"]["app"] == "default"
    listed = emulator.control.call("GET", "/shops/acme/tokens")
    assert token not in str(listed)
    assert [t["id"] for t in listed["tokens"]] == [created["token"]["id"]]

    admin = Admin(emulator.shop_url("acme"), token)
    body = {"webhook": {"topic": "customers/create", "address": "https://a.io/c"}}
    assert admin.post("/webhooks.json", json=body).status_code == 422
    emulator.control.call(
        "PATCH", f"/shops/acme/tokens/{created['token']['id']}", {"scopes": ["read_customers"]}
    )
    assert admin.post("/webhooks.json", json=body).status_code == 201

    emulator.control.call("DELETE", f"/shops/acme/tokens/{created['token']['id']}")
    assert admin.get("/webhooks.json").status_code == 401


def test_pinned_token_values(emulator):
    emulator.control.create_shop("acme")
    pinned = "shpat_" + "ab" * 16
    assert emulator.control.create_token("acme", ["read_orders"], token=pinned) == pinned
    assert Admin(emulator.shop_url("acme"), pinned).get("/webhooks.json").status_code == 200
    with pytest.raises(ControlClientError) as duplicate:
        emulator.control.create_token("acme", token=pinned)
    assert duplicate.value.status == 409
    with pytest.raises(ControlClientError) as malformed:
        emulator.control.create_token("acme", token="shpat_short")
    assert malformed.value.status == 400


def test_token_for_a_new_app_creates_the_app(emulator):
    emulator.control.create_shop("acme")
    emulator.control.create_token("acme", app="reporting")
    apps = emulator.control.call("GET", "/shops/acme/apps")["apps"]
    assert [a["name"] for a in apps] == ["default", "reporting"]


def test_apps(emulator):
    emulator.control.create_shop("acme")
    created = emulator.control.call(
        "POST", "/shops/acme/apps", {"name": "sync", "webhook_api_version": "unstable"}
    )
    assert created["app"]["webhook_api_version"] == "unstable" and created["app"]["client_secret"]
    changed = emulator.control.call("PATCH", "/shops/acme/apps/sync", {"webhook_api_version": "2026-04"})
    assert changed == {
        "app": {
            "name": "sync",
            "webhook_api_version": "2026-04",
            "client_id": created["app"]["client_id"],
            "scopes": [],
            "public": False,
            "installed": True,
        }
    }
    changed = emulator.control.update_app("acme", "sync", scopes="read_orders", public=True, installed=False)
    assert (changed["scopes"], changed["public"], changed["installed"]) == (["read_orders"], True, False)
    with pytest.raises(ControlClientError) as bad:
        emulator.control.update_app("acme", "sync", public="yes", scopes=["read_products"])
    assert bad.value.status == 400 and "public" in bad.value.message
    assert emulator.control.call("GET", "/shops/acme/apps")["apps"][1]["scopes"] == ["read_orders"]
    with pytest.raises(ControlClientError) as duplicate:
        emulator.control.call("POST", "/shops/acme/apps", {"name": "sync"})
    assert duplicate.value.status == 409


def test_change_behind_the_back_bumps_updated_at(emulator_factory):
    clock = FakeClock()
    emu = emulator_factory(clock=clock)
    admin = make_shop(emu)
    created = admin.create("orders/create", "https://a.io/x")
    changed = emu.control.change_subscription(
        "acme", created["id"], address="https://drift.io/y", fields=["id"]
    )
    assert changed["address"] == "https://drift.io/y"
    assert changed["updated_at"] > created["updated_at"]  # bumped even within the same second
    seen = admin.get(f"/webhooks/{created['id']}.json").json()["webhook"]
    assert seen["address"] == "https://drift.io/y"
    assert seen["fields"] == ["id"]
    assert seen["updated_at"] == "2026-11-28T12:00:01-05:00"
    clock.advance(600)
    later = emu.control.change_subscription("acme", created["id"], topic="orders/updated")
    assert later["topic"] == "orders/updated" and later["updated_at"] == "2026-11-28T12:10:00-05:00"


def test_delete_behind_the_back(emulator):
    admin = make_shop(emulator)
    created = admin.create("orders/create", "https://a.io/x")
    emulator.control.delete_subscription("acme", created["id"])
    assert admin.get(f"/webhooks/{created['id']}.json").status_code == 404
    with pytest.raises(ControlClientError) as missing:
        emulator.control.delete_subscription("acme", created["id"])
    assert missing.value.status == 404


def test_create_behind_the_back_with_a_past_created_at(emulator):
    admin = make_shop(emulator)
    sub = emulator.control.create_subscription(
        "acme", topic="orders/create", address="https://a.io/x", created_at="2026-01-01T00:00:00-05:00"
    )
    assert sub["app"] == "default"
    assert sub["created_at"] == "2026-01-01T00:00:00-05:00"
    listed = admin.get("/webhooks.json", params={"created_at_max": "2026-06-01"}).json()["webhooks"]
    assert [w["id"] for w in listed] == [sub["id"]]
    with pytest.raises(ControlClientError) as bad:
        emulator.control.create_subscription("acme", topic="orders/create")
    assert bad.value.status == 400


def test_control_lists_every_apps_subscriptions(emulator):
    first = make_shop(emulator)
    second = make_shop(emulator, app="other")
    a = first.create("orders/create", "https://a.io/x")
    b = second.create("orders/create", "https://a.io/x")
    listed = emulator.control.subscriptions("acme")
    assert [(s["id"], s["app"]) for s in listed] == [(a["id"], "default"), (b["id"], "other")]
    assert [s["id"] for s in emulator.control.subscriptions("acme", app="other")] == [b["id"]]
    assert (
        emulator.control.call("GET", f"/shops/acme/subscriptions/{a['id']}")["subscription"]["app"]
        == "default"
    )


def test_request_log_never_contains_the_token(emulator):
    admin = make_shop(emulator)
    token_id = emulator.control.call("GET", "/shops/acme/tokens")["tokens"][0]["id"]
    admin.create("orders/create", "https://a.io/x")
    admin.get("/webhooks.json", params={"limit": 5, "topic": "orders/create"})
    admin.get("/webhooks/1.json")
    requests.get(f"{admin.base}/webhooks.json", params={"access_token": admin.token}, timeout=10)
    raw = requests.get(f"{emulator.base_url}/_control/shops/acme/requests", timeout=10).text
    assert admin.token not in raw
    log = emulator.control.requests("acme")
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("POST", "/admin/api/2026-10/webhooks.json", 201),
        ("GET", "/admin/api/2026-10/webhooks.json", 200),
        ("GET", "/admin/api/2026-10/webhooks/1.json", 404),
        ("GET", "/admin/api/2026-10/webhooks.json", 401),
    ]
    assert log[1]["query"] == "limit=5&topic=orders%2Fcreate"
    assert log[3]["query"] == "access_token=%5BREDACTED%5D"
    assert (log[0]["app"], log[0]["token_id"]) == ("default", token_id)
    assert (log[3]["app"], log[3]["token_id"]) == (None, None)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", log[0]["time"])
    assert [e["seq"] for e in emulator.control.requests("acme", since=log[1]["seq"])] == [
        e["seq"] for e in log[2:]
    ]
    emulator.control.call("DELETE", "/shops/acme/requests")
    assert emulator.control.requests("acme") == []


def test_reset_forgets_everything_but_ids_keep_counting(emulator):
    admin = make_shop(emulator)
    first = admin.create("orders/create", "https://a.io/x")
    emulator.control.reset()
    assert emulator.control.call("GET", "/shops") == {"shops": []}
    assert admin.get("/webhooks.json").status_code == 404
    again = make_shop(emulator)
    assert again.create("orders/create", "https://a.io/x")["id"] > first["id"]


def test_delete_shop(emulator):
    admin = make_shop(emulator)
    emulator.control.call("DELETE", "/shops/acme")
    assert admin.get("/webhooks.json").status_code == 404


def test_patch_shop_timezone(emulator):
    admin = make_shop(emulator)
    created = admin.create("orders/create", "https://a.io/x")
    emulator.control.call("PATCH", "/shops/acme", {"timezone": "+00:00"})
    shown = admin.get(f"/webhooks/{created['id']}.json").json()["webhook"]["created_at"]
    assert shown.endswith("+00:00")


def test_isolation_between_shops(emulator):
    acme = make_shop(emulator, "acme")
    globex = make_shop(emulator, "globex")
    sub = acme.create("orders/create", "https://a.io/x")
    # Same topic and address in another shop is not a duplicate.
    assert globex.create("orders/create", "https://a.io/x")["id"] != sub["id"]
    assert [w["id"] for w in acme.get("/webhooks.json").json()["webhooks"]] == [sub["id"]]
    assert globex.get(f"/webhooks/{sub['id']}.json").status_code == 404
    assert globex.delete(f"/webhooks/{sub['id']}.json").status_code == 404
    assert acme.get(f"/webhooks/{sub['id']}.json").status_code == 200


def test_isolation_between_apps(emulator):
    mine = make_shop(emulator)
    theirs = make_shop(emulator, app="other")
    sub = mine.create("orders/create", "https://a.io/x")
    # Another app may subscribe the same topic to the same address.
    their_sub = theirs.create("orders/create", "https://a.io/x")
    assert [w["id"] for w in theirs.get("/webhooks.json").json()["webhooks"]] == [their_sub["id"]]
    assert theirs.get("/webhooks/count.json").json() == {"count": 1}
    assert theirs.get(f"/webhooks/{sub['id']}.json").status_code == 404
    change = theirs.put(f"/webhooks/{sub['id']}.json", json={"webhook": {"address": "https://evil.io/"}})
    assert change.status_code == 404
    assert theirs.delete(f"/webhooks/{sub['id']}.json").status_code == 404
    assert mine.get(f"/webhooks/{sub['id']}.json").json()["webhook"]["address"] == "https://a.io/x"
    # Two tokens of the same app share its subscriptions.
    same_app = make_shop(emulator, scopes=("read_orders",))
    assert same_app.get(f"/webhooks/{sub['id']}.json").status_code == 200
