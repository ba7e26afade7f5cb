"""WebhookSubscriptionProvider.check/diff and the pickled form of the provider (no HTTP)."""

import base64
import json
import pickle
from typing import Any

import dill
import pytest
import requests
from pulumi.dynamic import Config, ConfigureRequest, DiffResult
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime.rpc import UNKNOWN

from shopstream.providers import credentials
from shopstream.providers.shopify import client as client_module
from shopstream.providers.shopify import preflight, webhook_inputs
from shopstream.providers.shopify.webhook import WebhookSubscriptionProvider

TOKEN = "shpat_0123456789abcdef0123456789abcdef"

GOOD: dict[str, Any] = {
    "shop": "acme-eu",
    "topic": "orders/create",
    "address": "https://hooks.example.com/orders",
    "format": "json",
    "fields": ["id", "updated_at"],
    "metafield_namespaces": [],
    "api_version": "2026-10",
    "endpoint": "http://127.0.0.1:8787/shops/acme-eu",
    "__provider": "opaque",
}


@pytest.fixture(autouse=True)
def _no_preflight(monkeypatch: pytest.MonkeyPatch) -> None:
    # Static validation only; the network preflight is tested against the emulator.
    monkeypatch.setattr(preflight, "problems", lambda inputs: [])


def check(**overrides: Any) -> tuple[dict[str, Any], dict[str, str]]:
    news = {**GOOD, **overrides}
    result = WebhookSubscriptionProvider().check({}, news)
    return result.inputs, {f.property: f.reason for f in result.failures}


def test_check_accepts_and_normalises() -> None:
    inputs, failures = check(
        fields=["updated_at", "id", "id"],
        metafield_namespaces=["b", "a"],
        format="JSON",
        endpoint=GOOD["endpoint"] + "/",
    )
    assert failures == {}
    assert inputs["fields"] == ["id", "updated_at"]
    assert inputs["metafield_namespaces"] == ["a", "b"]
    assert inputs["format"] == "json"
    assert inputs["endpoint"] == "http://127.0.0.1:8787/shops/acme-eu"
    assert "__provider" not in inputs  # the server adds it back


def test_check_defaults() -> None:
    news = {"shop": "acme-eu", "topic": "orders/create", "address": "https://h.example.com/x"}
    result = WebhookSubscriptionProvider().check({}, news)
    assert result.failures == []
    assert result.inputs["format"] == "json"
    assert result.inputs["fields"] == [] and result.inputs["metafield_namespaces"] == []
    assert result.inputs["endpoint"] == "https://acme-eu.myshopify.com"
    assert result.inputs["api_version"] == "2026-10"


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("shop", "Acme_EU", "shop handle"),
        ("shop", "", "shop handle"),
        ("topic", "orders/creat", "did you mean orders/create"),
        ("topic", "customers/redact", "compliance topic"),
        ("topic", None, "topic is missing"),
        ("address", "http://hooks.example.com/x", "must use https"),
        ("address", "ftp://hooks.example.com/x", "https"),
        ("address", "hooks.example.com/x", "https"),
        ("address", "https://user:pw@hooks.example.com/x", "credentials"),
        ("format", "yaml", "json or xml"),
        ("fields", ["id", ""], "empty"),
        ("fields", "id", "list of strings"),
        ("metafield_namespaces", [1], "list of strings"),
        ("api_version", "latest", "2026-10"),
        ("endpoint", "http://acme-eu.myshopify.com", "https"),
        ("endpoint", "https://acme-eu.myshopify.com?x=1", "query"),
    ],
)
def test_check_rejects_each_bad_field_separately(field: str, value: Any, fragment: str) -> None:
    _, failures = check(**{field: value})
    assert set(failures) == {field}
    assert fragment in failures[field]


def test_check_topic_is_version_dependent() -> None:
    # tax_summaries/create only exists from 2026-04.
    assert check(topic="tax_summaries/create", api_version="2026-01")[1].keys() == {"topic"}
    assert check(topic="tax_summaries/create", api_version="2026-04")[1] == {}


@pytest.mark.parametrize("address", ["http://127.0.0.1:9000/h", "http://localhost/h", "http://[::1]:80/h"])
def test_check_allows_loopback_http(address: str) -> None:
    assert check(address=address)[1] == {}


def test_check_passes_unknowns_through_during_preview() -> None:
    inputs, failures = check(address=UNKNOWN, fields=UNKNOWN)
    assert failures == {}
    assert inputs["address"] == UNKNOWN and inputs["fields"] == UNKNOWN


def diff(olds: dict[str, Any], **changes: Any) -> DiffResult:
    news = {**olds, **changes}
    return WebhookSubscriptionProvider().diff("1", olds, news)


STATE: dict[str, Any] = {**GOOD, "webhook_id": "1", "created_at": "x", "adopted": False}


def test_diff_no_changes_ignores_provider_endpoint_client_id_and_order() -> None:
    result = diff(
        STATE,
        __provider="something else entirely",
        endpoint="https://acme-eu.myshopify.com",
        client_id="0123abcd",
        may_adopt=True,
        fields=["updated_at", "id"],
    )
    assert result.changes is False
    assert not result.replaces


@pytest.mark.parametrize(("key", "value"), [("api_version", "2026-07"), ("api", "graphql")])
def test_diff_api_version_and_api_are_updates_shown_in_the_preview_never_replaces(
    key: str, value: Any
) -> None:
    result = diff(STATE, **{key: value})
    assert result.changes is True and result.replaces == []
    assert webhook_inputs.shopify_changes(STATE, {**STATE, key: value}) == []  # nothing to send to Shopify


def test_format_replaces_over_rest_but_updates_over_graphql() -> None:
    assert diff(STATE, format="xml").replaces == ["format"]
    graphql = {**STATE, "api": "graphql"}
    assert diff(graphql, format="xml").replaces == []
    assert diff(graphql, format="xml").changes is True


def test_filter_and_name_update_in_place_over_graphql() -> None:
    graphql = {**STATE, "api": "graphql", "name": "shopstream--e2e--orders_create"}
    for key, value in (("filter", "total_price:>100"), ("name", "shopstream--e2e--x")):
        result = diff(graphql, **{key: value})
        assert result.changes is True and result.replaces == []


@pytest.mark.parametrize(
    ("key", "value"),
    [("address", "https://other.example.com/x"), ("fields", ["id"]), ("metafield_namespaces", ["ns"])],
)
def test_diff_update_in_place(key: str, value: Any) -> None:
    result = diff(STATE, **{key: value})
    assert result.changes is True
    assert result.replaces == []
    assert not result.delete_before_replace


@pytest.mark.parametrize(
    ("key", "value"), [("topic", "orders/updated"), ("shop", "acme-us"), ("format", "xml")]
)
def test_diff_replace_deletes_first(key: str, value: Any) -> None:
    result = diff(STATE, **{key: value})
    assert result.changes is True
    assert result.replaces == [key]
    assert result.delete_before_replace is True


def test_diff_treats_missing_defaults_as_equal() -> None:
    olds = {k: v for k, v in STATE.items() if k not in ("format", "metafield_namespaces")}
    assert diff(olds, format="json", metafield_namespaces=[]).changes is False


def test_diff_unknown_address_is_an_update() -> None:
    result = diff(STATE, address=UNKNOWN)
    assert result.changes is True and result.replaces == []


# ---- pickling ------------------------------------------------------------------------------------


def test_provider_pickles_deterministically_without_secrets_or_sessions() -> None:
    provider = WebhookSubscriptionProvider()
    credentials.set_tokens({"acme-eu": TOKEN})
    try:
        provider.configure(
            ConfigureRequest(
                Config({"shopstream:shopifyTokens": json.dumps({"acme-eu": TOKEN})}, "shopstream")
            )
        )
        client_module.shared_session()  # a live session exists in the process
        first = dill.dumps(provider, protocol=pickle.DEFAULT_PROTOCOL, recurse=True)
        second = dill.dumps(provider, protocol=pickle.DEFAULT_PROTOCOL, recurse=True)
        assert first == second
        assert TOKEN.encode() not in first
        assert b"Session" not in first and b"requests" not in first
        assert b"Lock" not in first
        assert vars(provider) == {}
        # Pulumi's own serializer (sorted dicts, base64) agrees.
        serialized = serialize_provider(provider)
        assert serialized == serialize_provider(WebhookSubscriptionProvider())
        assert TOKEN.encode() not in base64.b64decode(serialized)
        assert type(dill.loads(first)) is WebhookSubscriptionProvider
    finally:
        credentials.clear()
    assert WebhookSubscriptionProvider.serialize_as_secret_always is False


def test_client_refuses_to_be_pickled() -> None:
    client = client_module.ShopifyAdminClient("https://acme-eu.myshopify.com", "2026-10", TOKEN, "acme-eu")
    with pytest.raises(TypeError):
        pickle.dumps(client)
    assert TOKEN not in repr(client)
    assert isinstance(client_module.shared_session(), requests.Session)
    assert client_module.shared_session() is client_module.shared_session()
