"""ShopifyGraphqlClient against the emulator over HTTP: CRUD in the REST shape, paging past 250, cost
throttling waited out, userErrors and top-level errors as one sentence each."""

from __future__ import annotations

import time

import pytest

from shopstream.emulator import RunningEmulator
from shopstream.providers.retry import RetryPolicy
from shopstream.providers.shopify.graphql import ShopifyGraphqlClient
from shopstream.providers.shopify.session import ShopPacer
from shopstream.providers.shopify.subscriptions import Desired
from shopstream.shopify_api import errors, graphql_errors
from shopstream.shopify_api.pacing import BucketModel

SHOP = "acme-eu"
VERSION = "2026-10"
ADDRESS = "https://hooks.example.com/orders"


def client_for(
    emulator: RunningEmulator,
    scopes: tuple[str, ...] = ("read_orders", "read_products"),
    *,
    version: str = VERSION,
    policy: RetryPolicy | None = None,
    pacer: ShopPacer | None = None,
) -> tuple[ShopifyGraphqlClient, str]:
    emulator.control.create_shop(SHOP)
    token = emulator.control.create_token(SHOP, list(scopes))
    client = ShopifyGraphqlClient(emulator.shop_url(SHOP), version, token, SHOP, policy=policy, pacer=pacer)
    return client, token


def graphql_outcomes(emulator: RunningEmulator) -> list[str]:
    return [entry["graphql"]["outcome"] for entry in emulator.control.graphql_calls(SHOP)]


def one_sentence(message: str) -> None:
    assert "\n" not in message and message.endswith(".") and SHOP in message, message


def test_crud_in_the_rest_shape(emulator: RunningEmulator) -> None:
    client, _ = client_for(emulator)
    desired = Desired(
        "orders/create",
        ADDRESS,
        fields=("id", "line_items.price"),
        metafield_namespaces=("custom",),
        filter="total_price:>100",
        name="shopstream-dev-orders_create",
    )
    created = client.create(desired)
    assert isinstance(created["id"], int)
    assert created["topic"] == "orders/create" and created["address"] == ADDRESS
    assert created["format"] == "json" and created["fields"] == ["id", "line_items.price"]
    assert created["metafield_namespaces"] == ["custom"] and created["filter"] == "total_price:>100"
    assert created["name"] == "shopstream-dev-orders_create"
    assert created["api_version"] and created["created_at"].endswith("Z")
    assert client.served_api_version == VERSION
    (stored,) = emulator.control.subscriptions(SHOP)
    assert stored["id"] == created["id"]  # legacyResourceId is the REST id

    changed = Desired("orders/create", ADDRESS + "2", name="shopstream-dev-orders_create")
    updated = client.update(created["id"], changed)
    # Every field is sent: the lists and the filter are cleared, not left as they were.
    assert updated["address"] == ADDRESS + "2" and updated["fields"] == []
    assert updated["metafield_namespaces"] == [] and updated["filter"] is None

    assert client.list_all() == [updated]
    assert client.delete(created["id"], "orders/create") is True
    assert client.delete(created["id"], "orders/create") is False  # already gone: not an error
    assert client.list_all() == []
    assert client.scopes() == frozenset({"read_orders", "read_products"})


def test_versions_before_names_neither_send_nor_report_a_name(emulator: RunningEmulator) -> None:
    client, _ = client_for(emulator, version="2026-01")
    created = client.create(Desired("orders/create", ADDRESS, name="shopstream-dev-orders_create"))
    assert "name" not in created  # the provider keeps the declared name, so diff stays quiet
    (stored,) = emulator.control.subscriptions(SHOP)
    assert stored.get("name") is None


def test_list_pages_through_more_than_250(emulator: RunningEmulator) -> None:
    client, _ = client_for(emulator)
    for n in range(260):
        topic = "orders/create" if n % 2 else "products/update"
        emulator.control.create_subscription(SHOP, topic=topic, address=f"https://hooks.example.com/{n}")
    everything = client.list_all()
    assert len(everything) == 260 and len({w["id"] for w in everything}) == 260
    assert {w["topic"] for w in everything} == {"orders/create", "products/update"}
    calls = emulator.control.graphql_calls(SHOP)
    assert [c["graphql"]["root_fields"] for c in calls] == [["webhookSubscriptions"]] * 2
    assert [c["graphql"]["requested_cost"] for c in calls] == [252, 252]


def test_throttled_answers_are_waited_out_not_failed(emulator: RunningEmulator) -> None:
    client, _ = client_for(emulator)
    # 30 points restoring 10/s: the fourth create (10 points each) finds the bucket empty.
    emulator.control.set_cost_limit(SHOP, maximum_available=30, restore_rate=10)
    started = time.monotonic()
    for n in range(5):
        client.create(Desired("orders/create", f"{ADDRESS}/{n}"))
    assert len(emulator.control.subscriptions(SHOP)) == 5
    outcomes = graphql_outcomes(emulator)
    assert outcomes.count("ok") == 5 and "throttled" in outcomes
    assert client.throttled_seconds > 0
    assert time.monotonic() - started >= 1.0  # 20 points had to be restored at 10/s


def test_a_paced_client_reads_the_bucket_and_waits_before_sending(emulator: RunningEmulator) -> None:
    pacer = ShopPacer(BucketModel.for_graphql(time.monotonic()))
    client, _ = client_for(emulator, pacer=pacer)
    emulator.control.set_cost_limit(SHOP, maximum_available=30, restore_rate=10)
    for n in range(6):
        client.create(Desired("orders/create", f"{ADDRESS}/{n}"))
    assert len(emulator.control.subscriptions(SHOP)) == 6
    # The first answer showed the bucket; from then on the pacer waits for room instead of being refused.
    assert graphql_outcomes(emulator).count("throttled") <= 1


def test_throttling_beyond_the_policy_bound_is_one_sentence(emulator: RunningEmulator) -> None:
    client, _ = client_for(emulator, policy=RetryPolicy(max_throttle_wait=1.0))
    emulator.control.set_cost_limit(SHOP, maximum_available=10, restore_rate=0.5)
    client.create(Desired("orders/create", ADDRESS))
    with pytest.raises(errors.RateLimited) as info:
        client.create(Desired("orders/create", ADDRESS + "2"))
    one_sentence(str(info.value))
    assert "THROTTLED" in str(info.value)


def test_a_query_over_the_single_query_limit_is_a_clear_error(emulator: RunningEmulator) -> None:
    client, _ = client_for(emulator)
    emulator.control.set_cost_limit(SHOP, max_query_cost=100)
    with pytest.raises(graphql_errors.QueryCostExceeded) as info:
        client.list_all()
    one_sentence(str(info.value))
    assert "too expensive (cost 252, limit 100)" in str(info.value)


def test_user_errors_become_sentences(emulator: RunningEmulator) -> None:
    client, token = client_for(emulator, scopes=("read_orders",))
    created = client.create(Desired("orders/create", ADDRESS))

    with pytest.raises(errors.DuplicateError) as duplicate:
        client.create(Desired("orders/create", ADDRESS))
    one_sentence(str(duplicate.value))
    assert "topic orders/create" in str(duplicate.value) and ADDRESS in str(duplicate.value)

    with pytest.raises(errors.ScopeError) as scope:
        client.create(Desired("products/update", ADDRESS))
    one_sentence(str(scope.value))
    assert "products/update" in str(scope.value) and "read_products" in str(scope.value)

    with pytest.raises(errors.NotFound) as missing:
        client.update(created["id"] + 999, Desired("orders/create", ADDRESS))
    one_sentence(str(missing.value))
    assert "pulumi refresh" in str(missing.value)

    with pytest.raises(errors.ValidationError) as invalid:
        client.create(Desired("orders/create", "http://hooks.example.com/plain"))
    one_sentence(str(invalid.value))
    assert "http://" in str(invalid.value) and "stack file" in str(invalid.value)
    assert all(token not in str(e.value) for e in (duplicate, scope, missing, invalid))


def test_a_taken_name_is_a_duplicate_naming_the_marker(emulator: RunningEmulator) -> None:
    client, _ = client_for(emulator)
    client.create(Desired("orders/create", ADDRESS, name="shopstream-dev-orders_create"))
    with pytest.raises(errors.DuplicateError) as info:
        client.create(Desired("orders/create", ADDRESS + "2", name="shopstream-dev-orders_create"))
    one_sentence(str(info.value))
    assert "'shopstream-dev-orders_create'" in str(info.value)


def test_an_unknown_topic_enum_is_a_top_level_error_naming_the_topic(emulator: RunningEmulator) -> None:
    client, _ = client_for(emulator)
    with pytest.raises(errors.InvalidTopic) as info:
        client.create(Desired("orders/explode", ADDRESS))
    one_sentence(str(info.value))
    assert "orders/explode" in str(info.value) and "ORDERS_EXPLODE" in str(info.value)
    assert emulator.control.subscriptions(SHOP) == []


def test_a_bad_token_is_an_auth_error_without_the_token(emulator: RunningEmulator) -> None:
    emulator.control.create_shop(SHOP)
    bad = "shpat_0123456789abcdef0123456789abcdef"
    client = ShopifyGraphqlClient(emulator.shop_url(SHOP), VERSION, bad, SHOP)
    with pytest.raises(errors.AuthError) as info:
        client.list_all()
    one_sentence(str(info.value))
    assert bad not in str(info.value) and "shopifyTokens.acme-eu" in str(info.value)
    # A static token cannot be renewed: one request, not a second try with the same token.
    assert [r["status"] for r in emulator.control.requests(SHOP)] == [401]


def test_a_wrong_shop_is_not_mistaken_for_a_deleted_subscription(emulator: RunningEmulator) -> None:
    _, token = client_for(emulator)
    elsewhere = ShopifyGraphqlClient(emulator.shop_url("nowhere"), VERSION, token, "nowhere")
    with pytest.raises(errors.NotFound) as info:
        elsewhere.delete(123, "orders/create")
    assert "shop or the API path does not exist" in str(info.value)
