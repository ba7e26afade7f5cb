"""WebhookSubscriptionProvider CRUD called directly (as the Pulumi engine would) against the emulator."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from pulumi.dynamic import Config, ConfigureRequest

from shopstream.emulator import RunningEmulator
from shopstream.providers import credentials
from shopstream.providers.shopify.client import ShopifyAdminClient
from shopstream.providers.shopify.webhook import OUTPUT_KEYS, WebhookSubscriptionProvider
from shopstream.providers.shopify.webhook_inputs import INPUT_KEYS, normalise
from shopstream.providers.user_errors import UserFacingError
from shopstream.shopify_api import errors

SHOP = "acme-eu"
ADDRESS = "https://hooks.example.com/orders"


def props(emulator: RunningEmulator, **overrides: Any) -> dict[str, Any]:
    """What the engine hands to create/update: the checked inputs plus `__provider`."""
    news = {
        "shop": SHOP,
        "topic": "orders/create",
        "address": ADDRESS,
        "fields": ["updated_at", "id"],
        "api_version": "2026-10",
        "endpoint": emulator.shop_url(SHOP),
        **overrides,
    }
    inputs, failures = normalise(news)  # check() without the preflight, which has its own tests
    assert failures == []
    return {**inputs, "__provider": "serialized-provider"}


def test_create_returns_id_and_every_output(
    emulator: RunningEmulator, provider: WebhookSubscriptionProvider
) -> None:
    result = provider.create(props(emulator))
    assert result.outs is not None
    outs = result.outs
    assert set(outs) == set(INPUT_KEYS) | set(OUTPUT_KEYS)
    assert result.id == outs["webhook_id"] and isinstance(outs["webhook_id"], str)
    assert outs["adopted"] is False
    assert outs["fields"] == ["id", "updated_at"]
    assert outs["reported_api_version"] == "2026-10"
    assert outs["created_at"] and outs["updated_at"] and outs["payload_api_version"]
    (sub,) = emulator.control.subscriptions(SHOP)
    assert str(sub["id"]) == result.id and sub["fields"] == ["id", "updated_at"]


def test_create_adopts_an_identical_subscription_and_fixes_its_fields(
    emulator: RunningEmulator, provider: WebhookSubscriptionProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    logged: list[str] = []
    monkeypatch.setattr(pulumi.log, "info", lambda msg, *args, **kwargs: logged.append(msg))
    existing = emulator.control.create_subscription(
        SHOP, topic="orders/create", address=ADDRESS, fields=["id"]
    )
    result = provider.create(props(emulator, may_adopt=True))
    assert result.outs is not None
    assert result.id == str(existing["id"])
    assert result.outs["adopted"] is True
    assert result.outs["fields"] == ["id", "updated_at"]
    (sub,) = emulator.control.subscriptions(SHOP)
    assert sub["fields"] == ["id", "updated_at"]
    assert any(f"adopted existing webhook subscription {existing['id']}" in m for m in logged)
    # One POST (refused as taken), one list to find it, one PUT to fix its fields.
    assert [(r["method"], r["status"]) for r in emulator.control.requests(SHOP)] == [
        ("POST", 422),
        ("GET", 200),
        ("PUT", 200),
    ]


def test_create_refuses_to_adopt_what_it_cannot_prove_unowned(
    emulator: RunningEmulator, provider: WebhookSubscriptionProvider
) -> None:
    existing = emulator.control.create_subscription(SHOP, topic="orders/create", address=ADDRESS)
    with pytest.raises(Exception) as info:
        provider.create(props(emulator))  # may_adopt is False: REST has no owner marker
    message = str(info.value)
    assert f"id {existing['id']}" in message and "adopt: true" in message
    assert isinstance(info.value, UserFacingError) and info.value.__context__ is None
    (sub,) = emulator.control.subscriptions(SHOP)
    assert sub["id"] == existing["id"]


def test_create_on_a_clean_shop_is_one_post(
    emulator: RunningEmulator, provider: WebhookSubscriptionProvider
) -> None:
    for topic in ("orders/create", "orders/updated", "products/update"):
        provider.create(props(emulator, topic=topic))
    assert [r["method"] for r in emulator.control.requests(SHOP)] == ["POST", "POST", "POST"]


def test_create_replaces_a_conflicting_subscription_with_another_format(
    emulator: RunningEmulator, provider: WebhookSubscriptionProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Real Shopify may treat topic+address as taken whatever the format; the emulator does not, so the
    # first POST is made to fail the way Shopify would.
    stray = emulator.control.create_subscription(SHOP, topic="orders/create", address=ADDRESS, format="xml")
    real_create = ShopifyAdminClient.create_webhook
    attempts: list[int] = []

    def create_taken_once(self: ShopifyAdminClient, *args: Any, **kwargs: Any) -> dict[str, Any]:
        attempts.append(1)
        if len(attempts) == 1:
            raise errors.DuplicateError("taken", context=errors.ErrorContext(SHOP, "create"), status=422)
        return real_create(self, *args, **kwargs)

    monkeypatch.setattr(ShopifyAdminClient, "create_webhook", create_taken_once)
    result = provider.create(props(emulator, may_adopt=True))
    assert result.outs is not None and result.outs["adopted"] is False and result.outs["format"] == "json"
    (sub,) = emulator.control.subscriptions(SHOP)
    assert sub["id"] != stray["id"] and sub["format"] == "json"


def test_read_refreshes_outputs_and_inputs_from_shopify(
    emulator: RunningEmulator, provider: WebhookSubscriptionProvider
) -> None:
    desired = props(emulator)
    created = provider.create(desired)
    assert created.outs is not None
    state = {**created.outs, "__provider": "serialized-provider"}
    emulator.control.change_subscription(
        SHOP, int(created.id), address="https://drifted.example.com/x", fields=["id"]
    )

    read = provider.read(created.id, state)
    assert read.id == created.id
    assert read.outs is not None and read.inputs is not None
    assert read.outs["address"] == "https://drifted.example.com/x"
    assert read.inputs["address"] == "https://drifted.example.com/x" and read.inputs["fields"] == ["id"]
    assert set(read.inputs) == set(INPUT_KEYS)
    assert read.outs["webhook_id"] == created.id

    # `up` after `refresh`: the program's desired values differ from the refreshed state → in-place update.
    diff = provider.diff(created.id, read.outs, desired)
    assert diff.changes is True and diff.replaces == []
    updated = provider.update(created.id, read.outs, desired)
    assert updated.outs is not None and updated.outs["address"] == ADDRESS
    (sub,) = emulator.control.subscriptions(SHOP)
    assert sub["address"] == ADDRESS and sub["fields"] == ["id", "updated_at"]


def test_read_of_a_deleted_subscription_returns_an_empty_id(
    emulator: RunningEmulator, provider: WebhookSubscriptionProvider
) -> None:
    created = provider.create(props(emulator))
    assert created.outs is not None
    emulator.control.delete_subscription(SHOP, int(created.id))
    read = provider.read(created.id, {**created.outs, "__provider": "x"})
    assert read.id == ""
    assert read.outs == {}


def test_update_changes_address_fields_and_namespaces_in_place(
    emulator: RunningEmulator, provider: WebhookSubscriptionProvider
) -> None:
    created = provider.create(props(emulator))
    assert created.outs is not None
    news = props(emulator, address="https://hooks.example.com/v2", fields=[], metafield_namespaces=["b", "a"])
    updated = provider.update(created.id, created.outs, news)
    assert updated.outs is not None
    assert updated.outs["address"] == "https://hooks.example.com/v2"
    assert updated.outs["fields"] == [] and updated.outs["metafield_namespaces"] == ["a", "b"]
    assert updated.outs["webhook_id"] == created.id
    assert [r["method"] for r in emulator.control.requests(SHOP)][-1] == "PUT"


def test_update_of_a_vanished_subscription_is_one_clear_sentence(
    emulator: RunningEmulator, provider: WebhookSubscriptionProvider
) -> None:
    created = provider.create(props(emulator))
    assert created.outs is not None
    emulator.control.delete_subscription(SHOP, int(created.id))
    with pytest.raises(Exception) as info:
        provider.update(created.id, created.outs, props(emulator, address="https://hooks.example.com/v2"))
    assert "pulumi refresh" in str(info.value)
    assert info.value.__suppress_context__ and info.value.__cause__ is None


def test_delete_and_delete_again(emulator: RunningEmulator, provider: WebhookSubscriptionProvider) -> None:
    created = provider.create(props(emulator))
    assert created.outs is not None
    provider.delete(created.id, created.outs)
    assert emulator.control.subscriptions(SHOP) == []
    provider.delete(created.id, created.outs)  # 404: already gone is fine


def test_missing_scope_is_one_sentence_without_token(
    emulator: RunningEmulator, provider: WebhookSubscriptionProvider, token: str
) -> None:
    with pytest.raises(Exception) as info:
        provider.create(props(emulator, topic="customers/create"))
    message = str(info.value)
    assert message.startswith("Shopify shop acme-eu refused topic customers/create: the access token lacks")
    assert "read_customers" in message
    assert "pulumi config set --secret --path 'shopifyTokens.acme-eu'" in message
    assert token not in message and "\n" not in message
    assert type(info.value) is UserFacingError and info.value.__suppress_context__


def test_missing_token_names_the_config_command(emulator: RunningEmulator, token: str) -> None:
    provider = WebhookSubscriptionProvider()
    provider.configure(ConfigureRequest(Config({}, "shopstream")))
    with pytest.raises(Exception) as info:
        provider.create(props(emulator))
    assert "pulumi config set --secret --path 'shopifyTokens.acme-eu'" in str(info.value)
    assert emulator.control.requests(SHOP) == []


def test_env_token_fallback(emulator: RunningEmulator, token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    credentials.clear()
    monkeypatch.setenv("SHOPSTREAM_SHOPIFY_TOKEN_ACME_EU", token)
    created = WebhookSubscriptionProvider().create(props(emulator))
    assert created.id.isdigit()


def test_bad_stack_config_is_a_check_failure_not_a_configure_crash(
    emulator: RunningEmulator, token: str
) -> None:
    provider = WebhookSubscriptionProvider()
    config = Config({"shopstream:shopifyTokens": token}, "shopstream")  # a token instead of an object
    provider.configure(ConfigureRequest(config))
    failures = checked(provider, emulator)
    assert set(failures) == {"shop"}
    assert token not in failures["shop"] and "shopifyTokens" in failures["shop"]


# ---- check(): preflight of token and scopes -------------------------------------------------------


def checked(
    provider: WebhookSubscriptionProvider, emulator: RunningEmulator, **overrides: Any
) -> dict[str, str]:
    news = {
        "shop": SHOP,
        "topic": "orders/create",
        "address": ADDRESS,
        "api_version": "2026-10",
        "endpoint": emulator.shop_url(SHOP),
        "__provider": "x",
        **overrides,
    }
    return {f.property: f.reason for f in provider.check({}, news).failures}


def test_check_passes_with_a_good_token_and_scope_and_caches_scopes(
    emulator: RunningEmulator, provider: WebhookSubscriptionProvider
) -> None:
    assert checked(provider, emulator) == {}
    assert checked(provider, emulator, topic="products/update") == {}
    scope_calls = [r for r in emulator.control.requests(SHOP) if r["path"].endswith("access_scopes.json")]
    assert len(scope_calls) == 1


def test_check_reports_a_missing_scope_on_the_topic(
    emulator: RunningEmulator, provider: WebhookSubscriptionProvider, token: str
) -> None:
    failures = checked(provider, emulator, topic="customers/create")
    assert set(failures) == {"topic"}
    assert failures["topic"].startswith("Shopify shop acme-eu refused topic customers/create: the access")
    assert "read_customers" in failures["topic"] and token not in failures["topic"]


def test_check_scope_escape_hatch(
    emulator: RunningEmulator, provider: WebhookSubscriptionProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOPSTREAM_SKIP_SCOPE_CHECK", "1")
    assert checked(provider, emulator, topic="customers/create") == {}


def test_check_reports_a_missing_token_on_the_shop(emulator: RunningEmulator, token: str) -> None:
    provider = WebhookSubscriptionProvider()
    provider.configure(ConfigureRequest(Config({}, "shopstream")))
    failures = checked(provider, emulator)
    assert set(failures) == {"shop"}
    assert "pulumi config set --secret --path 'shopifyTokens.acme-eu'" in failures["shop"]


def test_check_reports_a_rejected_token_on_the_shop(emulator: RunningEmulator, token: str) -> None:
    credentials.set_tokens({SHOP: "shpat_00000000000000000000000000000000"})
    failures = checked(WebhookSubscriptionProvider(), emulator)
    assert set(failures) == {"shop"}
    assert "rejected the access token" in failures["shop"]
    assert "shpat_0000" not in failures["shop"]


def test_check_reports_an_unknown_shop_on_the_endpoint(
    emulator: RunningEmulator, provider: WebhookSubscriptionProvider
) -> None:
    failures = checked(provider, emulator, endpoint=emulator.shop_url("other-shop"))
    assert set(failures) == {"endpoint"}
    assert "does not exist" in failures["endpoint"]


def test_check_does_not_need_shopify_to_be_reachable(provider: WebhookSubscriptionProvider) -> None:
    news = {**props_static(), "endpoint": "http://127.0.0.1:9/shops/acme-eu"}
    assert provider.check({}, news).failures == []


def props_static() -> dict[str, Any]:
    return {"shop": SHOP, "topic": "orders/create", "address": ADDRESS, "api_version": "2026-10"}
