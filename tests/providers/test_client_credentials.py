"""Tokens by the client credentials grant against the emulator over HTTP: fetched when needed, cached,
renewed before they expire and once after a 401, over GraphQL and REST; never in an error text."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable

import pytest

from shopstream.emulator import RunningEmulator
from shopstream.providers.shopify.client import ShopifyAdminClient
from shopstream.providers.shopify.graphql import ShopifyGraphqlClient
from shopstream.providers.shopify.subscriptions import Desired
from shopstream.providers.shopify.tokens import ClientCredentials, refresh_at
from shopstream.shopify_api import errors

SHOP = "acme-eu"
VERSION = "2026-10"
CLIENT_ID = "dev-dashboard-app"
SECRET = "client-secret-0123456789abcdef"
HINT = "pulumi config set --secret --path 'shopifyClientSecrets.acme-eu' <client secret>"


def shop_with_app(emulator: RunningEmulator, scopes: tuple[str, ...] = ("read_orders",)) -> None:
    emulator.control.create_shop(SHOP, client_id=CLIENT_ID, client_secret=SECRET, scopes=list(scopes))


def source_for(
    emulator: RunningEmulator, *, secret: str = SECRET, clock: Callable[[], float] = time.monotonic
) -> ClientCredentials:
    return ClientCredentials(emulator.shop_url(SHOP), SHOP, CLIENT_ID, secret, secret_hint=HINT, clock=clock)


def grants(emulator: RunningEmulator) -> list[dict[str, object]]:
    return [r for r in emulator.control.requests(SHOP) if r["path"] == "/admin/oauth/access_token"]


def statuses(emulator: RunningEmulator, suffix: str) -> list[int]:
    return [int(r["status"]) for r in emulator.control.requests(SHOP) if str(r["path"]).endswith(suffix)]


def test_refresh_happens_shortly_before_the_expiry() -> None:
    assert refresh_at(100.0, 86_399) == 100.0 + 86_399 - 300  # five minutes early for a day's token
    assert refresh_at(100.0, 2) == pytest.approx(101.8)  # 10% early for short ones
    assert refresh_at(100.0, None) is None  # no expiry: kept until refused


def test_one_fetch_serves_many_calls_and_threads(emulator: RunningEmulator) -> None:
    shop_with_app(emulator)
    source = source_for(emulator)
    client = ShopifyGraphqlClient(emulator.shop_url(SHOP), VERSION, source, SHOP)
    threads = [threading.Thread(target=client.list_all) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    client.create(Desired("orders/create", "https://hooks.example.com/o"))
    assert source.fetches == 1 and len(grants(emulator)) == 1
    assert source.scopes() == ("read_orders",)
    assert statuses(emulator, "graphql.json") == [200] * 5


def test_a_missing_scope_of_the_app_is_fixed_in_the_app_not_with_a_token(emulator: RunningEmulator) -> None:
    shop_with_app(emulator)
    client = ShopifyGraphqlClient(emulator.shop_url(SHOP), VERSION, source_for(emulator), SHOP)
    with pytest.raises(errors.ScopeError) as info:
        client.create(Desired("products/update", "https://hooks.example.com/p"))
    message = str(info.value)
    assert "read_products" in message and "Dev Dashboard" in message and "shopifyTokens" not in message


def test_a_token_expiring_mid_run_is_renewed_before_it_is_sent(emulator: RunningEmulator) -> None:
    shop_with_app(emulator)
    emulator.control.set_token_lifetime(2)
    client = ShopifyGraphqlClient(emulator.shop_url(SHOP), VERSION, source_for(emulator), SHOP)
    client.create(Desired("orders/create", "https://hooks.example.com/1"))
    time.sleep(2.2)  # past the refresh time (1.8 s) and the expiry
    client.create(Desired("orders/create", "https://hooks.example.com/2"))
    assert len(emulator.control.subscriptions(SHOP)) == 2
    assert len(grants(emulator)) == 2
    assert statuses(emulator, "graphql.json") == [200, 200]  # renewed in time: no 401 at all


def test_a_token_refused_with_401_is_fetched_again_once_and_the_run_continues(
    emulator_factory: Callable[..., RunningEmulator],
) -> None:
    now = [1_800_000_000.0]
    emulator = emulator_factory(clock=lambda: now[0])
    shop_with_app(emulator)
    emulator.control.set_token_lifetime(60)
    # The source's own clock stands still, so only the shop's 401 can tell it the token expired.
    source = source_for(emulator, clock=lambda: 0.0)
    for client in (
        ShopifyGraphqlClient(emulator.shop_url(SHOP), VERSION, source, SHOP),
        ShopifyAdminClient(emulator.shop_url(SHOP), VERSION, source, SHOP),
    ):
        client.list_all()
        now[0] += 120  # the token expired in the middle of the run
        client.create(Desired("orders/create", f"https://hooks.example.com/{type(client).__name__}"))
    assert len(emulator.control.subscriptions(SHOP)) == 2
    assert statuses(emulator, "graphql.json") == [200, 401, 200]
    assert statuses(emulator, "webhooks.json") == [200, 401, 201]
    assert source.fetches == 3


def test_a_token_refused_again_after_the_refetch_is_one_sentence_without_secrets(
    emulator_factory: Callable[..., RunningEmulator],
) -> None:
    ticks = itertools.count()
    # Every reading of the emulator's clock is 100 s later: each token has expired by its first use.
    emulator = emulator_factory(clock=lambda: 1_800_000_000.0 + 100 * next(ticks))
    shop_with_app(emulator)
    emulator.control.set_token_lifetime(1)
    source = source_for(emulator, clock=lambda: 0.0)
    client = ShopifyGraphqlClient(emulator.shop_url(SHOP), VERSION, source, SHOP)
    with pytest.raises(errors.AuthError) as info:
        client.list_all()
    message = str(info.value)
    assert "\n" not in message and SHOP in message and CLIENT_ID in message
    assert "freshly fetched client-credentials token" in message
    assert statuses(emulator, "graphql.json") == [401, 401]  # refetched once, not in a loop
    assert source.fetches == 2
    for secret in source.secrets():
        assert secret not in message


def test_a_wrong_client_secret_names_the_fix_and_never_the_secret(emulator: RunningEmulator) -> None:
    shop_with_app(emulator)
    wrong = "not-the-secret-fedcba9876543210"
    client = ShopifyGraphqlClient(emulator.shop_url(SHOP), VERSION, source_for(emulator, secret=wrong), SHOP)
    with pytest.raises(errors.AuthError) as info:
        client.list_all()
    message = str(info.value)
    assert "\n" not in message and SHOP in message and HINT in message and "invalid_client" in message
    assert wrong not in message and SECRET not in message
    assert statuses(emulator, "graphql.json") == []  # no Admin API request without a token


def test_an_app_not_installed_on_the_shop_says_so(emulator: RunningEmulator) -> None:
    shop_with_app(emulator)
    emulator.control.update_app(SHOP, "default", installed=False)
    client = ShopifyAdminClient(emulator.shop_url(SHOP), VERSION, source_for(emulator), SHOP)
    with pytest.raises(errors.AuthError) as info:
        client.list_all()
    assert "not installed on this shop" in str(info.value) and SECRET not in str(info.value)


@pytest.mark.parametrize("transport", [ShopifyGraphqlClient, ShopifyAdminClient])
def test_a_refused_non_expiring_token_says_what_changed_and_what_to_do(
    emulator: RunningEmulator, transport: type[ShopifyGraphqlClient] | type[ShopifyAdminClient]
) -> None:
    emulator.control.create_shop(SHOP, public=True)
    token = emulator.control.create_token(SHOP, ["read_orders"])
    emulator.control.update_shop(SHOP, refuse_non_expiring_tokens=True)
    client = transport(emulator.shop_url(SHOP), VERSION, token, SHOP)
    with pytest.raises(errors.AuthError) as info:
        client.list_all()
    message = str(info.value)
    assert "\n" not in message and SHOP in message and token not in message
    assert "since 2027-01-01" in message and "non-expiring" in message
    assert "client_id" in message and "expiring offline token" in message
