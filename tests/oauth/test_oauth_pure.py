"""shopstream.shopify_api.oauth: the callback HMAC, state, timestamp, shop pattern, token answer and scope
coverage."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from shopstream.shopify_api import oauth
from shopstream.shopify_api.topics import UnknownTopicError

NOW = 1_795_000_000
SECRET = "hush"


def signed(secret: str = SECRET, **params: str) -> list[tuple[str, str]]:
    pairs = list(params.items())
    return [*pairs, ("hmac", oauth.sign_query(pairs, secret))]


def callback(**overrides: str) -> list[tuple[str, str]]:
    params = {
        "code": "0907a61c0c8d55e99db179b68161bc00",
        "host": "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvYWNtZQ",
        "shop": "acme.myshopify.com",
        "state": "nonce-1",
        "timestamp": str(NOW),
    }
    params.update(overrides)
    return signed(**params)


def verify(query: list[tuple[str, str]], **options: object) -> oauth.Callback:
    arguments: dict[str, object] = {"secret": SECRET, "expected_state": "nonce-1", "now": NOW}
    arguments.update(options)
    return oauth.verify_callback(query, **arguments)  # type: ignore[arg-type]


# --- HMAC ---------------------------------------------------------------------------------------------


def test_the_documented_vector() -> None:
    # Reference §7.1 step 4; the docs' secret is "hush" and their shop "some-shop" (derived: this digest
    # matches no other combination tried).
    query = {
        "code": "0907a61c0c8d55e99db179b68161bc00",
        "hmac": "700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf",
        "shop": "some-shop.myshopify.com",
        "state": "0.6784241404160823",
        "timestamp": "1337178173",
    }
    assert oauth.hmac_message(query) == (
        "code=0907a61c0c8d55e99db179b68161bc00&shop=some-shop.myshopify.com"
        "&state=0.6784241404160823&timestamp=1337178173"
    )
    assert oauth.sign_query(query, "hush") == query["hmac"]
    assert oauth.query_hmac_is_valid(query, "hush")
    assert not oauth.query_hmac_is_valid(query, "hush!")


def test_message_sorts_keys_drops_hmac_and_signature_and_joins_repeats() -> None:
    pairs = [
        ("zeta", "1"),
        ("ids[]", "2"),
        ("hmac", "x"),
        ("alpha", "a b+c~"),
        ("ids[]", "1"),
        ("signature", "y"),
    ]
    assert oauth.hmac_message(pairs) == "alpha=a%20b%2Bc%7E&ids%5B%5D=2%2C1&zeta=1"
    # A mapping with a list value means the same as repeated pairs.
    assert oauth.hmac_message({"zeta": "1", "ids[]": ["2", "1"], "alpha": "a b+c~"}) == oauth.hmac_message(
        pairs
    )


def test_hmac_comparison_refuses_missing_doubled_or_empty() -> None:
    good = callback()
    assert oauth.query_hmac_is_valid(good, SECRET)
    without = [pair for pair in good if pair[0] != "hmac"]
    assert not oauth.query_hmac_is_valid(without, SECRET)
    assert not oauth.query_hmac_is_valid([*good, ("hmac", dict(good)["hmac"])], SECRET)
    assert not oauth.query_hmac_is_valid(good, "")
    # Upper-case hex is the same digest.
    upper = [(k, v.upper() if k == "hmac" else v) for k, v in good]
    assert oauth.query_hmac_is_valid(upper, SECRET)


def test_parse_query_takes_a_url_or_a_bare_query() -> None:
    assert oauth.parse_query("http://127.0.0.1:9/cb?a=1&b=&a=2") == [("a", "1"), ("b", ""), ("a", "2")]
    assert oauth.parse_query("  a=1&b=x%20y\n") == [("a", "1"), ("b", "x y")]


# --- the callback ---------------------------------------------------------------------------------------


def test_a_good_callback_verifies() -> None:
    result = verify(callback(), expected_shop="acme.myshopify.com")
    assert (result.shop, result.state, result.timestamp) == ("acme.myshopify.com", "nonce-1", NOW)
    assert result.code == "0907a61c0c8d55e99db179b68161bc00"
    assert "0907a61c" not in repr(result)  # the code is a credential


def test_a_tampered_callback_is_refused() -> None:
    tampered = [(k, "evil.myshopify.com" if k == "shop" else v) for k, v in callback()]
    with pytest.raises(oauth.CallbackSignatureError, match="hmac does not match"):
        verify(tampered)
    with pytest.raises(oauth.CallbackSignatureError):
        verify(callback(), secret="another-secret")


def test_a_wrong_state_is_refused_even_when_signed() -> None:
    with pytest.raises(oauth.StateMismatchError, match="state does not match"):
        verify(callback(state="nonce-2"))


@pytest.mark.parametrize("offset", [-91, 91, -3600])
def test_a_timestamp_beyond_the_skew_is_refused(offset: int) -> None:
    with pytest.raises(oauth.StaleTimestampError, match=f"{abs(offset)} seconds away"):
        verify(callback(timestamp=str(NOW + offset)))


def test_the_skew_is_configurable_and_inclusive() -> None:
    assert verify(callback(timestamp=str(NOW - 90))).timestamp == NOW - 90
    assert verify(callback(timestamp=str(NOW - 500)), max_skew=600).timestamp == NOW - 500
    with pytest.raises(oauth.StaleTimestampError):
        verify(callback(timestamp=str(NOW - 11)), max_skew=10)
    with pytest.raises(oauth.StaleTimestampError, match="not a Unix time"):
        verify(callback(timestamp="yesterday"))


@pytest.mark.parametrize("domain", ["acme.myshopify.com", "ACME-2.myshopify.com", "0shop.myshopify.com"])
def test_shop_domains_that_match_the_pattern(domain: str) -> None:
    assert oauth.check_shop_domain(domain) == domain.lower()


@pytest.mark.parametrize(
    "domain",
    [
        "acme.example.com",
        "-acme.myshopify.com",
        "acme.myshopify.com.evil.com",
        "acme.myshopify.com/",
        "https://acme.myshopify.com",
        "ac_me.myshopify.com",
        "acme.myshopify.comx",
        "evil.com#acme.myshopify.com",
        "",
    ],
)
def test_shop_domains_outside_the_pattern_are_refused(domain: str) -> None:
    with pytest.raises(oauth.ShopDomainError, match=r"not a \{shop\}\.myshopify\.com domain"):
        oauth.check_shop_domain(domain)


def test_a_signed_callback_for_a_bad_or_other_shop_is_refused() -> None:
    with pytest.raises(oauth.ShopDomainError, match=re.escape("'acme.example.com'")):
        verify(callback(shop="acme.example.com"))
    with pytest.raises(oauth.ShopDomainError, match=re.escape("for the shop other.myshopify.com, not acme")):
        verify(callback(shop="other.myshopify.com"), expected_shop="acme.myshopify.com")


def test_missing_parameters_are_named() -> None:
    query = signed(shop="acme.myshopify.com", state="nonce-1", timestamp=str(NOW))
    with pytest.raises(oauth.MissingParameterError, match="lacks code"):
        verify(query)


def test_every_refusal_is_one_sentence_without_the_code() -> None:
    cases = [
        [(k, "x" if k == "hmac" else v) for k, v in callback()],
        callback(state="other"),
        callback(timestamp=str(NOW - 1000)),
        callback(shop="evil.example.com"),
    ]
    for query in cases:
        with pytest.raises(oauth.OAuthError) as caught:
            verify(query)
        message = str(caught.value)
        assert message.endswith(".") and message.count(". ") == 0, message
        assert "0907a61c" not in message


# --- authorize URL ----------------------------------------------------------------------------------------


def test_authorize_url_carries_the_documented_parameters() -> None:
    url = oauth.authorize_url(
        "http://127.0.0.1:8787/shops/acme/",
        client_id="cid",
        scopes=["read_orders", "read_products"],
        redirect_uri="http://127.0.0.1:8788/cb",
        state="s1",
    )
    parts = urlsplit(url)
    assert parts.path == "/shops/acme/admin/oauth/authorize"
    assert "scope=read_orders,read_products" in parts.query
    assert parse_qs(parts.query) == {
        "client_id": ["cid"],
        "scope": ["read_orders,read_products"],
        "redirect_uri": ["http://127.0.0.1:8788/cb"],
        "state": ["s1"],
    }
    online = oauth.authorize_url(
        "https://a.myshopify.com", client_id="c", scopes=[], redirect_uri="r", state="s", online=True
    )
    assert parse_qs(urlsplit(online).query)["grant_options[]"] == ["per-user"]


# --- token answer -------------------------------------------------------------------------------------


def test_parse_the_access_token_answer() -> None:
    token = oauth.parse_access_token_response(
        {"access_token": "shpat_abc", "scope": "write_orders,read_customers"}
    )
    assert token.value == "shpat_abc" and token.scopes == ("write_orders", "read_customers")
    assert token.expires_in is None and "shpat_abc" not in repr(token)
    expiring = oauth.parse_access_token_response({"access_token": "t", "scope": "", "expires_in": 3600})
    assert expiring.scopes == () and expiring.expires_in == 3600


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {
                "error": "invalid_request",
                "error_description": "The authorization code was not found or was already used",
            },
            "refused the code exchange (invalid_request: The authorization code was not found",
        ),
        ({"scope": "read_orders"}, "has no access_token"),
        ({"access_token": "t"}, "has no scope list"),
        (["not", "an", "object"], "not a JSON object"),
    ],
)
def test_bad_token_answers_are_refused(body: object, message: str) -> None:
    with pytest.raises(oauth.TokenResponseError, match=re.escape(message)):
        oauth.parse_access_token_response(body)


# --- scopes ---------------------------------------------------------------------------------------------


def test_required_scopes_pick_one_alternative_per_topic() -> None:
    # orders/create: read_orders | read_marketplace_orders; orders/updated adds buyer membership;
    # inventory_items/create: read_inventory | read_products (covered by read_products).
    topics = ["orders/create", "orders/updated", "products/update", "inventory_items/create", "shop/update"]
    assert oauth.required_scopes(topics) == ("read_orders", "read_products")
    assert oauth.required_scopes(["fulfillment_orders/moved"]) == (
        "read_merchant_managed_fulfillment_orders",
    )
    assert oauth.required_scopes(["app/uninstalled"]) == ()
    # The greedy choice prefers the scope covering most topics: read_inventory covers both here.
    assert oauth.required_scopes(["inventory_items/create", "inventory_levels/update"]) == ("read_inventory",)
    with pytest.raises(UnknownTopicError):
        oauth.required_scopes(["orders/exploded"])


def test_scope_coverage_write_implies_read() -> None:
    topics = ["orders/create", "products/update", "customers/create"]
    assert oauth.missing_scopes(["write_orders", "read_products", "read_customers"], topics) == {}
    assert oauth.missing_scopes(["read_marketplace_orders", "write_products"], topics) == {
        "customers/create": frozenset({"read_customers"})
    }
    oauth.check_scopes_cover(["write_orders", "write_products", "read_customers"], topics, shop="acme")


def test_missing_scopes_error_names_what_is_missing() -> None:
    with pytest.raises(oauth.MissingScopesError) as caught:
        oauth.check_scopes_cover(["read_orders"], ["orders/create", "products/update"], shop="acme")
    assert caught.value.missing == {"products/update": frozenset({"read_products"})}
    assert str(caught.value) == (
        "Shop acme granted only the scopes read_orders, which do not cover the stack's topics "
        "(products/update needs read_products): authorize again and approve every requested scope."
    )
