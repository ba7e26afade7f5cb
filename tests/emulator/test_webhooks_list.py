"""Listing: filters, fields, limit and cursor pagination with the Link header (reference §1.2, §2)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from shopstream.emulator import start_in_thread
from shopstream.shopify_api.pagination import parse_link_header
from tests.emulator.support import Admin, FakeClock, make_shop

ORDERS, PRODUCTS = 301, 5


@pytest.fixture(scope="module")
def big():
    """A shop whose app has 301 orders/create then 5 products/create subscriptions, and a roomy bucket.
    Shared by the module's read-only tests (creating them takes about a second)."""
    with start_in_thread(bucket_size=100_000, leak_rate=1000) as emu:
        admin = make_shop(emu)
        ids = [admin.create("orders/create", f"https://a.example.com/{i}")["id"] for i in range(ORDERS)]
        ids += [admin.create("products/create", f"https://b.example.com/{i}")["id"] for i in range(PRODUCTS)]
        yield admin, ids


def _walk(
    admin: Admin, first_response: requests.Response, rel: str
) -> tuple[list[list[int]], requests.Response]:
    """Follow `rel` links from a response; returns the pages' id lists (including the first)."""
    pages = [[w["id"] for w in first_response.json()["webhooks"]]]
    response = first_response
    while rel in parse_link_header(response.headers.get("Link")):
        response = admin.get(parse_link_header(response.headers["Link"])[rel])
        assert response.status_code == 200, response.text
        pages.append([w["id"] for w in response.json()["webhooks"]])
    return pages, response


def test_default_limit_is_50_in_id_order(big):
    admin, ids = big
    response = admin.get("/webhooks.json")
    assert [w["id"] for w in response.json()["webhooks"]] == ids[:50]


def test_limit_250_pages_through_301(big):
    admin, ids = big
    first = admin.get("/webhooks.json", params={"limit": 250})
    pages, last = _walk(admin, first, "next")
    assert [len(p) for p in pages] == [250, ORDERS + PRODUCTS - 250]
    assert [i for p in pages for i in p] == ids
    links = parse_link_header(last.headers["Link"])
    assert set(links) == {"previous"}
    back = admin.get(links["previous"])
    assert [w["id"] for w in back.json()["webhooks"]] == ids[:250]
    assert set(parse_link_header(back.headers["Link"])) == {"next"}


def test_small_limit_forward_and_backward(big):
    admin, ids = big
    first = admin.get("/webhooks.json", params={"limit": 7})
    assert set(parse_link_header(first.headers["Link"])) == {"next"}  # no previous on the first page
    forward, last = _walk(admin, first, "next")
    assert [i for p in forward for i in p] == ids
    assert [len(p) for p in forward] == [7] * 43 + [5]  # 306 = 43 * 7 + 5
    backward, _ = _walk(admin, last, "previous")
    assert backward == list(reversed(forward))


def test_link_header_format(big):
    admin, _ = big
    response = admin.get("/webhooks.json", params={"limit": 5, "fields": "id,topic"})
    page2 = admin.get(parse_link_header(response.headers["Link"])["next"])
    header = page2.headers["Link"]
    previous, nxt = header.split(", ")
    assert previous.endswith('>; rel="previous"') and nxt.endswith('>; rel="next"')
    url = nxt[1 : nxt.index(">")]
    assert url.startswith(f"{admin.base}/webhooks.json?")
    query = parse_qs(urlsplit(url).query)
    assert set(query) == {"page_info", "limit", "fields"}
    assert query["limit"] == ["5"] and query["fields"] == ["id,topic"]
    assert all(set(w) == {"id", "topic"} for w in page2.json()["webhooks"])


def test_no_link_header_when_one_page_holds_everything(emulator):
    admin = make_shop(emulator)
    admin.create("orders/create", "https://a.example.com/1")
    response = admin.get("/webhooks.json", params={"limit": 1})
    assert response.status_code == 200
    assert "Link" not in response.headers
    assert "Link" not in admin.get("/webhooks.json").headers


def test_empty_list(emulator):
    admin = make_shop(emulator)
    response = admin.get("/webhooks.json")
    assert response.json() == {"webhooks": []}
    assert "Link" not in response.headers


def test_filters_are_carried_in_the_cursor(big):
    admin, ids = big
    first = admin.get("/webhooks.json", params={"limit": 2, "topic": "products/create"})
    pages, last = _walk(admin, first, "next")
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [i for p in pages for i in p] == ids[ORDERS:]
    back, _ = _walk(admin, last, "previous")
    assert [i for p in reversed(back) for i in p] == ids[ORDERS:]


def test_since_id(big):
    admin, ids = big
    response = admin.get("/webhooks.json", params={"since_id": ids[295], "limit": 250})
    assert [w["id"] for w in response.json()["webhooks"]] == ids[296:]
    assert "Link" not in response.headers
    paged = admin.get("/webhooks.json", params={"since_id": ids[100], "limit": 100})
    pages, _ = _walk(admin, paged, "next")
    assert [i for p in pages for i in p] == ids[101:]


def test_address_and_topic_filters(emulator):
    admin = make_shop(emulator)
    a = admin.create("orders/create", "https://a.example.com/1")
    b = admin.create("products/create", "https://a.example.com/1")
    admin.create("orders/create", "https://a.example.com/2")
    by_address = admin.get("/webhooks.json", params={"address": "https://a.example.com/1"}).json()["webhooks"]
    assert [w["id"] for w in by_address] == [a["id"], b["id"]]
    by_both = admin.get(
        "/webhooks.json", params={"address": "https://a.example.com/1", "topic": "products/create"}
    )
    assert [w["id"] for w in by_both.json()["webhooks"]] == [b["id"]]


def test_fields_projection_on_list(emulator):
    admin = make_shop(emulator)
    admin.create("orders/create", "https://a.example.com/1")
    listed = admin.get("/webhooks.json", params={"fields": "id,address"}).json()["webhooks"]
    assert list(listed[0]) == ["id", "address"]


def test_created_and_updated_at_filters(emulator_factory):
    clock = FakeClock()  # 2026-11-28T12:00:00-05:00
    emu = emulator_factory(clock=clock)
    admin = make_shop(emu)
    early = admin.create("orders/create", "https://a.example.com/1")  # 12:00:00
    clock.advance(3600)
    late = admin.create("orders/create", "https://a.example.com/2")  # 13:00:00
    clock.advance(3600)
    admin.put(
        f"/webhooks/{early['id']}.json", json={"webhook": {"address": "https://a.example.com/3"}}
    )  # 14:00

    def ids(**params: str) -> list[int]:
        response = admin.get("/webhooks.json", params=params)
        assert response.status_code == 200, response.text
        return [w["id"] for w in response.json()["webhooks"]]

    assert ids(created_at_min="2026-11-28T12:30:00-05:00") == [late["id"]]
    assert ids(created_at_max="2026-11-28T12:30:00-05:00") == [early["id"]]
    assert ids(created_at_min="2026-11-28T13:00:00-05:00") == [late["id"]]  # inclusive
    assert ids(created_at_max="2026-11-28T17:00:00Z") == [early["id"]]  # other offsets work
    assert ids(created_at_min="2026-11-28T12:30:00") == [late["id"]]  # no offset: shop time zone
    assert ids(updated_at_min="2026-11-28T13:30:00-05:00") == [early["id"]]
    assert ids(updated_at_max="2026-11-28T13:30:00-05:00") == [late["id"]]
    assert ids(created_at_min="2026-11-29") == []


@pytest.mark.parametrize("limit", ["0", "251", "-1", "ten"])
def test_limit_out_of_range_is_400(emulator, limit):
    # Body UNCONFIRMED; the emulator answers 400 naming the parameter.
    admin = make_shop(emulator)
    response = admin.get("/webhooks.json", params={"limit": limit})
    assert response.status_code == 400
    assert response.json() == {"errors": {"limit": "must be an integer between 1 and 250"}}


@pytest.mark.parametrize(("param", "value"), [("since_id", "abc"), ("created_at_min", "yesterday")])
def test_invalid_filter_values_are_400(emulator, param, value):
    admin = make_shop(emulator)
    response = admin.get("/webhooks.json", params={param: value})
    assert response.status_code == 400
    assert response.json() == {"errors": {param: "is invalid"}}


def test_page_info_with_other_filters_is_400(big):
    admin, _ = big
    first = admin.get("/webhooks.json", params={"limit": 5})
    page_info = parse_qs(urlsplit(parse_link_header(first.headers["Link"])["next"]).query)["page_info"][0]
    response = admin.get("/webhooks.json", params={"page_info": page_info, "topic": "orders/create"})
    assert response.status_code == 400
    assert "page_info" in response.json()["errors"]
    ok = admin.get("/webhooks.json", params={"page_info": page_info, "limit": 3, "fields": "id"})
    assert ok.status_code == 200 and len(ok.json()["webhooks"]) == 3


@pytest.mark.parametrize("page_info", ["garbage", "eyJmb28iOjF9", ""])
def test_invalid_page_info_is_400(emulator, page_info):
    admin = make_shop(emulator)
    response = admin.get("/webhooks.json", params={"page_info": page_info})
    assert response.status_code == 400
    assert response.json() == {"errors": {"page_info": "Invalid value."}}


def test_paging_past_deleted_items_offers_the_way_back(emulator):
    admin = make_shop(emulator)
    created = [admin.create("orders/create", f"https://a.example.com/{i}")["id"] for i in range(4)]
    first = admin.get("/webhooks.json", params={"limit": 2})
    next_url = parse_link_header(first.headers["Link"])["next"]
    for sub_id in created[2:]:
        admin.delete(f"/webhooks/{sub_id}.json")
    response = admin.get(next_url)
    assert response.json() == {"webhooks": []}
    back = admin.get(parse_link_header(response.headers["Link"])["previous"])
    assert [w["id"] for w in back.json()["webhooks"]] == created[:2]
