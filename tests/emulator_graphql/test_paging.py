"""webhookSubscriptions: cursors in Shopify's format, paging past 250, backwards, sort keys and filters."""

from __future__ import annotations

import base64
import json
from typing import Any

from tests.emulator.support import FakeClock
from tests.emulator_graphql.support import LIST, make_shop


def test_paging_past_250_with_cursors(emulator_factory):
    clock = FakeClock()
    emu = emulator_factory(clock=clock)
    api = make_shop(emu)
    made = []
    for n in range(260):
        made.append(
            emu.control.create_subscription(
                "acme", topic="orders/create", address=f"https://h.example.com/{n}"
            )
        )
        clock.advance(1)
    expected = [str(m["id"]) for m in made]

    first = api.data(LIST, {"first": 250})["webhookSubscriptions"]
    assert [n["legacyResourceId"] for n in first["nodes"]] == expected[:250]
    assert [e["node"]["id"] for e in first["edges"]] == [n["id"] for n in first["nodes"]]
    info = first["pageInfo"]
    assert info["hasNextPage"] is True and info["hasPreviousPage"] is False
    assert (
        info["startCursor"] == first["edges"][0]["cursor"]
        and info["endCursor"] == first["edges"][-1]["cursor"]
    )
    # Shopify's cursor: padded base64 of {"last_id", "last_value"} with the creation time (CREATED_AT sort).
    decoded = json.loads(base64.b64decode(info["endCursor"]))
    assert list(decoded) == ["last_id", "last_value"] and decoded["last_id"] == made[249]["id"]
    assert len(decoded["last_value"]) == len("2026-11-28 17:04:09.000000")

    second = api.data(LIST, {"first": 250, "after": info["endCursor"]})["webhookSubscriptions"]
    assert [n["legacyResourceId"] for n in second["nodes"]] == expected[250:]
    assert second["pageInfo"]["hasNextPage"] is False and second["pageInfo"]["hasPreviousPage"] is True

    back = api.data(LIST, {"last": 3, "before": second["pageInfo"]["startCursor"]})["webhookSubscriptions"]
    assert [n["legacyResourceId"] for n in back["nodes"]] == expected[247:250]
    assert back["pageInfo"]["hasNextPage"] is True and back["pageInfo"]["hasPreviousPage"] is True


def test_page_size_limits_and_bad_cursors_are_top_level_errors(emulator):
    api = make_shop(emulator)
    over = api.call(LIST, {"first": 251})
    assert over["data"] is None
    assert "251" in over["errors"][0]["message"] and over["errors"][0]["path"] == ["webhookSubscriptions"]
    neither = api.call(LIST, {})
    assert neither["errors"][0]["message"] == "you must provide one of first or last"
    bad = api.call(LIST, {"first": 5, "after": "bm90LWEtY3Vyc29y"})
    assert bad["errors"][0]["message"] == "Invalid cursor for current pagination sort."


def test_sort_keys_reverse_and_filters(emulator_factory):
    clock = FakeClock()
    emu = emulator_factory(clock=clock)
    api = make_shop(emu)
    a = api.create("ORDERS_CREATE", uri="https://h.example.com/a")
    clock.advance(86_400 * 2)
    b = api.create("PRODUCTS_UPDATE", uri="https://h.example.com/b", format="XML")
    clock.advance(10)
    c = api.create("ORDERS_CREATE", uri="pubsub://my-project:orders")

    def ids(**variables: Any) -> list[str]:
        return [n["id"] for n in api.data(LIST, {"first": 10, **variables})["webhookSubscriptions"]["nodes"]]

    assert ids() == [a["id"], b["id"], c["id"]]
    assert ids(reverse=True) == [c["id"], b["id"], a["id"]]
    reversed_by_id = api.data(LIST, {"first": 1, "sortKey": "ID", "reverse": True})["webhookSubscriptions"]
    cursor = json.loads(base64.b64decode(reversed_by_id["edges"][0]["cursor"]))
    assert cursor == {"last_id": int(c["legacyResourceId"]), "last_value": c["legacyResourceId"]}
    assert ids(sortKey="ID", reverse=True, after=reversed_by_id["pageInfo"]["endCursor"]) == [
        b["id"],
        a["id"],
    ]
    assert ids(topics=["ORDERS_CREATE"]) == [a["id"], c["id"]]
    assert ids(uri="https://h.example.com/b") == [b["id"]]
    assert ids(format="XML") == [b["id"]]
    day = a["createdAt"][:10]
    assert ids(query=f"created_at:>{day}") == [b["id"], c["id"]]
    assert ids(query=f"created_at:{day}") == [a["id"]]
    assert ids(query=f"id:{b['legacyResourceId']}") == [b["id"]]
    assert ids(query="created_at:>=2000-01-01 AND updated_at:<=2100-01-01") == [a["id"], b["id"], c["id"]]
