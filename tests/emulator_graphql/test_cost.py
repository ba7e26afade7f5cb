"""Calculated query cost and the points bucket per (shop, app): the cost extension, THROTTLED as HTTP 200 and
its recovery, MAX_COST_EXCEEDED, settings, the separate REST bucket and the request log."""

from __future__ import annotations

from typing import Any

from tests.emulator.support import Admin, FakeClock
from tests.emulator_graphql.support import CREATE, LIST, ONE, make_shop

COUNT = "{ webhookSubscriptionsCount { count } }"


def cost_of(answer: dict[str, Any]) -> Any:
    return answer["extensions"]["cost"]


def test_cost_extension_values(emulator_factory):
    clock = FakeClock()
    emu = emulator_factory(clock=clock)
    api = make_shop(emu)
    created = api.call(CREATE, {"topic": "ORDERS_CREATE", "sub": {"uri": "https://h.example.com/a"}})
    assert cost_of(created) == {
        "requestedQueryCost": 10,
        "actualQueryCost": 10,
        "throttleStatus": {"maximumAvailable": 2000, "currentlyAvailable": 1990, "restoreRate": 100},
    }
    one = api.call(
        "query($id: ID!) { webhookSubscription(id: $id) { id topic uri } }",
        {"id": created["data"]["webhookSubscriptionCreate"]["webhookSubscription"]["id"]},
    )
    assert (cost_of(one)["requestedQueryCost"], cost_of(one)["actualQueryCost"]) == (1, 1)
    # A connection: 2 + first requested, 2 + returned actual; the difference is given back.
    listed = api.call(LIST, {"first": 250})
    assert (cost_of(listed)["requestedQueryCost"], cost_of(listed)["actualQueryCost"]) == (252, 3)
    assert cost_of(listed)["throttleStatus"]["currentlyAvailable"] == 2000 - 10 - 1 - 3
    clock.advance(0.125)  # 100 points per second: 12.5 back; shown rounded down
    assert cost_of(api.call(COUNT))["throttleStatus"]["currentlyAvailable"] == 1997  # 1986 + 12.5 - 1
    assert emu.control.cost_status("acme")["currentlyAvailable"] == 1997
    clock.advance(60)
    assert emu.control.cost_status("acme")["currentlyAvailable"] == 2000  # never above the maximum


def test_throttled_is_http_200_and_recovers_after_restore(emulator_factory):
    clock = FakeClock()
    emu = emulator_factory(clock=clock)
    api = make_shop(emu)
    emu.control.set_cost_limit("acme", maximum_available=25, restore_rate=5)
    for _ in range(2):
        assert "errors" not in api.call(COUNT)  # 1 point each
    answers = [
        api.call(CREATE, {"topic": "ORDERS_CREATE", "sub": {"uri": f"https://h.example.com/{n}"}})
        for n in range(3)
    ]
    assert all("errors" not in a for a in answers[:2])
    throttled = answers[2]
    assert throttled == {
        "errors": [
            {
                "message": "Throttled",
                "extensions": {
                    "code": "THROTTLED",
                    "documentation": "https://shopify.dev/api/usage/rate-limits",
                },
            }
        ],
        "extensions": {
            "cost": {
                "requestedQueryCost": 10,
                "actualQueryCost": None,
                "throttleStatus": {"maximumAvailable": 25, "currentlyAvailable": 3, "restoreRate": 5},
            }
        },
    }
    assert len(emu.control.subscriptions("acme")) == 2  # the throttled mutation did not run
    clock.advance(1.0)  # 3 + 5 = 8: still short
    assert (
        api.call(CREATE, {"topic": "ORDERS_CREATE", "sub": {"uri": "https://h.example.com/x"}})["errors"][0][
            "extensions"
        ]["code"]
        == "THROTTLED"
    )
    clock.advance(0.4)  # 10
    recovered = api.call(CREATE, {"topic": "ORDERS_CREATE", "sub": {"uri": "https://h.example.com/x"}})
    assert "errors" not in recovered and cost_of(recovered)["throttleStatus"]["currentlyAvailable"] == 0
    calls = emu.control.graphql_calls("acme")
    assert [c["graphql"]["outcome"] for c in calls].count("throttled") == 2
    assert all(c["status"] == 200 for c in calls)


def test_max_cost_exceeded(emulator_factory):
    emu = emulator_factory(graphql_max_query_cost=100)
    api = make_shop(emu)
    answer = api.call(LIST, {"first": 250})
    (error,) = answer["errors"]
    assert error["extensions"] == {
        "code": "MAX_COST_EXCEEDED",
        "cost": 252,
        "maxCost": 100,
        "documentation": "https://shopify.dev/api/usage/rate-limits",
    }
    assert error["message"].startswith(
        "Query cost is 252, which exceeds the single query max cost limit (100)."
    )
    assert cost_of(answer)["actualQueryCost"] is None
    assert cost_of(answer)["throttleStatus"]["currentlyAvailable"] == 2000  # nothing was taken
    # A bucket smaller than the cap caps a single query too.
    emu.control.set_cost_limit("acme", maximum_available=50)
    assert api.call(LIST, {"first": 60})["errors"][0]["extensions"]["maxCost"] == 50
    assert "errors" not in api.call(LIST, {"first": 48})


def test_buckets_are_per_app_settable_per_shop_and_on_start(emulator_factory):
    clock = FakeClock()
    emu = emulator_factory(clock=clock, graphql_bucket_size=30, graphql_restore_rate=10)
    first = make_shop(emu, app="default")
    second = make_shop(emu, app="other")
    assert cost_of(first.call(COUNT))["throttleStatus"] == {
        "maximumAvailable": 30,
        "currentlyAvailable": 29,
        "restoreRate": 10,
    }
    for n in range(2):
        first.call(CREATE, {"topic": "ORDERS_CREATE", "sub": {"uri": f"https://h.example.com/{n}"}})
    assert cost_of(second.call(COUNT))["throttleStatus"]["currentlyAvailable"] == 29  # its own bucket
    limit = emu.control.set_cost_limit("acme", maximum_available=500, restore_rate=50.5)
    assert limit == {"maximum_available": 500, "restore_rate": 50.5, "max_query_cost": 1000, "default": False}
    assert cost_of(first.call(COUNT))["throttleStatus"] == {
        "maximumAvailable": 500,
        "currentlyAvailable": 499,
        "restoreRate": 50.5,
    }
    emu.control.clear_cost_limit("acme")
    assert cost_of(first.call(COUNT))["throttleStatus"]["maximumAvailable"] == 30


def test_the_rest_leaky_bucket_is_separate(emulator_factory):
    emu = emulator_factory(bucket_size=1, leak_rate=0.01)
    api = make_shop(emu)
    rest = Admin(api.shop_url, api.token)
    assert rest.get("/webhooks.json").status_code == 200
    assert rest.get("/webhooks.json").status_code == 429
    response = api.post(COUNT)
    assert response.status_code == 200 and "errors" not in response.json()
    assert "X-Shopify-Shop-Api-Call-Limit" not in response.headers
    for _ in range(3):
        assert api.post(COUNT).status_code == 200


def test_the_request_log_names_operations_and_costs_never_tokens(emulator):
    api = make_shop(emulator)
    api.call(CREATE, {"topic": "ORDERS_CREATE", "sub": {"uri": "https://h.example.com/a"}})
    api.call(LIST, {"first": 10})
    api.call("{ nope }")
    Admin(api.shop_url, api.token).get("/webhooks.json")
    entries = emulator.control.requests("acme")
    graphql = [e["graphql"] for e in entries if "graphql" in e]
    assert graphql == [
        {
            "operation": "mutation",
            "operation_name": "webhookSubscriptionCreate",
            "root_fields": ["webhookSubscriptionCreate"],
            "requested_cost": 10,
            "actual_cost": 10,
            "outcome": "ok",
        },
        {
            "operation": "query",
            "operation_name": "list",
            "root_fields": ["webhookSubscriptions"],
            "requested_cost": 12,
            "actual_cost": 3,
            "outcome": "ok",
        },
        {
            "operation": None,
            "operation_name": None,
            "root_fields": [],
            "requested_cost": None,
            "actual_cost": None,
            "outcome": "invalid",
        },
    ]
    assert [e["path"] for e in entries] == ["/admin/api/2026-10/graphql.json"] * 3 + [
        "/admin/api/2026-10/webhooks.json"
    ]
    assert "graphql" not in entries[-1]  # REST entries unchanged
    assert api.token not in str(entries)
    assert ONE  # the documents module is shared with the other tests
