"""List paging, etag quoting and IMS token timing (pure helpers)."""

from __future__ import annotations

import pytest

from shopstream.aep_api import etag, ims, pagination


def test_next_link_to_continuation_token() -> None:
    body = {"items": [], "_links": {"next": {"href": "/connections?continuationToken=abc%3D%3D&limit=2"}}}
    assert pagination.next_href(body) == "/connections?continuationToken=abc%3D%3D&limit=2"
    assert pagination.next_token(body) == "abc=="


@pytest.mark.parametrize(
    "body",
    [
        {"items": []},
        {"items": [], "_links": {}},
        {"items": [], "_links": {"next": {"href": ""}}},
        "text",
        None,
    ],
)
def test_last_page_has_no_token(body: object) -> None:
    assert pagination.next_token(body) is None


def test_href_without_token() -> None:
    assert pagination.continuation_token("/flows?limit=5") is None


def test_items_and_single_item() -> None:
    assert pagination.items({"items": [{"id": "a"}]}) == [{"id": "a"}]
    assert pagination.single_item({"items": [{"id": "a"}, {"id": "b"}]}) == {"id": "a"}
    assert pagination.single_item({"items": []}) is None
    assert pagination.single_item({"id": "bare", "version": 0}) == {"id": "bare", "version": 0}
    bad: object
    for bad in ({"data": []}, {"items": ["x"]}, [], "x"):
        with pytest.raises(ValueError):
            pagination.items(bad)


def test_name_filter() -> None:
    assert pagination.name_filter("shop flow") == "name==shop flow"


def test_etag_quoting() -> None:
    assert etag.if_match('"5000-0000"') == '"5000-0000"'
    assert etag.if_match("5000-0000") == '"5000-0000"'
    assert etag.if_match('W/"x"') == 'W/"x"'
    assert etag.same('"a"', "a") and etag.same('W/"a"', '"a"') and not etag.same("a", "b")
    assert not etag.same(None, "a")
    assert etag.from_body({"id": "x", "etag": '"e"'}) == '"e"'
    assert etag.from_body({"etag": ""}) is None and etag.from_body([]) is None


def test_lifetime_seconds_and_legacy_milliseconds() -> None:
    assert ims.lifetime_seconds(86399) == 86399
    assert ims.lifetime_seconds("3600") == 3600
    assert ims.lifetime_seconds(86399992) == pytest.approx(86399.992)
    for bad in (0, -5, True, "soon", None):
        with pytest.raises(ValueError):
            ims.lifetime_seconds(bad)


def test_refresh_time_is_five_minutes_or_ten_percent_early() -> None:
    assert ims.refresh_at(1000.0, 86399) == 1000.0 + 86399 - 300
    assert ims.refresh_at(0.0, 60) == pytest.approx(54.0)
    assert ims.refresh_at(0.0, 3000) == pytest.approx(2700.0)
    assert ims.refresh_margin(0) == 0


def test_parse_token_response() -> None:
    grant = ims.parse_token_response({"access_token": "tok", "token_type": "bearer", "expires_in": 86399})
    assert grant.access_token == "tok" and grant.lifetime == 86399
    assert "tok" not in repr(grant)
    assert ims.parse_token_response({"access_token": "t"}).lifetime == ims.DEFAULT_LIFETIME
    bad: object
    for bad in ({}, {"access_token": ""}, {"access_token": "t", "token_type": "mac"}, [], "x"):
        with pytest.raises(ValueError):
            ims.parse_token_response(bad)


def test_token_form_and_scopes() -> None:
    assert ims.normalise_scopes(" openid, AdobeID ,openid,,") == "openid,AdobeID"
    assert ims.normalise_scopes(["a", "b", "a"]) == "a,b"
    assert ims.token_request_form("id", "sec", "openid") == {
        "grant_type": "client_credentials",
        "client_id": "id",
        "client_secret": "sec",
        "scope": "openid",
    }
    assert "scope" not in ims.token_request_form("id", "sec", "")
