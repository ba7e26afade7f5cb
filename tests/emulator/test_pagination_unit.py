"""shopstream.shopify_api.pagination: Link header building/parsing and opaque cursors."""

from __future__ import annotations

import pytest

from shopstream.shopify_api.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    InvalidCursorError,
    build_link_header,
    decode_cursor,
    encode_cursor,
    page_info_of,
    parse_link_header,
)

BASE = "https://acme.myshopify.com/admin/api/2026-10/webhooks.json"


def test_limits_match_the_reference():
    assert (DEFAULT_LIMIT, MAX_LIMIT) == (50, 250)


def test_cursor_round_trip_is_opaque_urlsafe_and_unpadded():
    payload = {"dir": "next", "id": 1_900_000_000_123, "filters": {"topic": "orders/create"}}
    cursor = encode_cursor(payload)
    assert decode_cursor(cursor) == payload
    assert "=" not in cursor and "+" not in cursor and "/" not in cursor
    assert "orders" not in cursor


@pytest.mark.parametrize(
    "garbage", ["", "!!!", "bm90IGpzb24", encode_cursor({}).replace("e", "Q") + "x", "WzFd"]
)
def test_decode_rejects_garbage(garbage):
    # "bm90IGpzb24" is base64 of "not json"; "WzFd" is base64 of "[1]" (JSON, but not an object).
    with pytest.raises(InvalidCursorError):
        decode_cursor(garbage)


def test_no_header_when_there_is_no_other_page():
    assert build_link_header(BASE, limit=50) is None


def test_next_only():
    header = build_link_header(BASE, limit=10, next_page_info="abc")
    assert header == f'<{BASE}?page_info=abc&limit=10>; rel="next"'


def test_previous_and_next_joined_with_comma_space_and_fields_kept():
    header = build_link_header(BASE, limit=5, next_page_info="n1", previous_page_info="p1", fields="id,topic")
    assert header == (
        f'<{BASE}?page_info=p1&limit=5&fields=id%2Ctopic>; rel="previous", '
        f'<{BASE}?page_info=n1&limit=5&fields=id%2Ctopic>; rel="next"'
    )


def test_parse_round_trips_build():
    header = build_link_header(BASE, limit=5, next_page_info="n1", previous_page_info="p1")
    links = parse_link_header(header)
    assert set(links) == {"next", "previous"}
    assert page_info_of(links["next"]) == "n1"
    assert page_info_of(links["previous"]) == "p1"


def test_parse_shopify_style_header():
    url = "https://s.myshopify.com/admin/api/2026-01/webhooks.json"
    value = f'<{url}?limit=3&page_info=eyJkIjoxfQ>; rel="previous", <{url}?page_info=eyJkIjoyfQ>; rel="next"'
    links = parse_link_header(value)
    assert page_info_of(links["previous"]) == "eyJkIjoxfQ"
    assert page_info_of(links["next"]) == "eyJkIjoyfQ"


@pytest.mark.parametrize("value", [None, "", "garbage", "<https://x>; rel=next"])
def test_parse_tolerates_missing_or_unquoted(value):
    # Unquoted rel values are not what Shopify sends; the Shopify client regex ignores them too.
    assert parse_link_header(value) == {}


def test_page_info_of_url_without_it():
    assert page_info_of(BASE + "?limit=5") is None
