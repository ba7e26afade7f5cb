"""shopstream.shopify_api.errors: pure mapping of Shopify REST error answers to typed, one-sentence errors."""

from typing import Any

import pytest

from shopstream.shopify_api import errors
from shopstream.shopify_api.errors import ErrorContext, error_from_response

TOKEN = "shpat_0123456789abcdef0123456789abcdef"
CTX = ErrorContext(
    "acme-eu", "create", topic="orders/create", address="https://hooks.example.com/o", api_version="2026-10"
)
CONFIG_CMD = "`pulumi config set --secret --path 'shopifyTokens.acme-eu'`"


def invalid_topic_body(topic: str) -> dict[str, Any]:
    return {
        "errors": {
            "topic": [
                f"Invalid topic specified: {topic}. Does it exist? Is there a missing access scope? "
                "Topics allowed: app/uninstalled, shop/update"
            ]
        }
    }


def assert_one_sentence(message: str) -> None:
    assert message.endswith(".")
    assert "\n" not in message
    # Exactly one sentence end: no ". " followed by a capital letter outside the quoted Shopify text.
    assert message.count(". ") <= 1, message


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (
            401,
            {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"},
            errors.AuthError,
        ),
        (403, {"errors": "Forbidden"}, errors.AuthError),
        (
            403,
            {"errors": "[API] This action requires merchant approval for read_themes scope."},
            errors.ScopeError,
        ),
        (403, {"errors": "Unavailable Shop"}, errors.ShopUnavailable),
        (402, {"errors": "This shop's plan does not have access to this feature"}, errors.ShopUnavailable),
        (423, {"errors": "This shop is unavailable"}, errors.ShopUnavailable),
        (404, {"errors": "Not Found"}, errors.NotFound),
        (422, {"errors": {"address": ["for this topic has already been taken"]}}, errors.DuplicateError),
        (422, invalid_topic_body("orders/create"), errors.ScopeError),
        (422, {"errors": {"address": ["can't be blank"]}}, errors.ValidationError),
        (400, {"errors": {"webhook": "Required parameter missing or invalid"}}, errors.ValidationError),
        (429, {"errors": "Exceeded 2 calls per second for api client."}, errors.RateLimited),
        (500, {"errors": "Internal Server Error"}, errors.ServerError),
        (503, "<html><body>Service Unavailable</body></html>", errors.ServerError),
        (418, "", errors.UnexpectedResponse),
    ],
)
def test_status_and_body_map_to_kind_and_a_single_clear_sentence(
    status: int, body: object, kind: type[errors.ShopifyError]
) -> None:
    err = error_from_response(status, body, CTX, secrets=[TOKEN])
    assert type(err) is kind
    assert isinstance(err, errors.ShopifyError)
    assert err.status == status
    message = str(err)
    assert "acme-eu" in message
    assert_one_sentence(message)
    assert "<html>" not in message


def test_missing_scope_names_the_scope_its_alternatives_and_the_fix() -> None:
    err = error_from_response(422, invalid_topic_body("orders/create"), CTX)
    assert isinstance(err, errors.ScopeError)
    assert str(err) == (
        "Shopify shop acme-eu refused topic orders/create: the access token lacks the read_orders scope "
        "(any of read_orders, read_marketplace_orders grants it); re-install the app with that scope and "
        f"update the token with {CONFIG_CMD}."
    )
    assert err.scopes == frozenset({"read_orders", "read_marketplace_orders"})


def test_single_scope_topic_has_no_alternatives_clause() -> None:
    ctx = ErrorContext("acme-eu", "create", topic="products/create", api_version="2026-10")
    message = str(error_from_response(422, invalid_topic_body("products/create"), ctx))
    assert "lacks the read_products scope;" in message
    assert "any of" not in message


def test_unknown_topic_is_invalid_topic_not_scope() -> None:
    ctx = ErrorContext("acme-eu", "create", topic="orders/creat", api_version="2026-10")
    err = error_from_response(422, invalid_topic_body("orders/creat"), ctx)
    assert isinstance(err, errors.InvalidTopic)
    assert "refused topic orders/creat" in str(err)
    assert "2026-10" in str(err)
    assert "Topics allowed" not in str(err)  # the long list is never quoted


def test_topic_known_only_in_newer_versions_is_invalid_for_older_version() -> None:
    # tax_summaries/create exists from 2026-04 on (reference §5 extras).
    ctx = ErrorContext("acme-eu", "create", topic="tax_summaries/create", api_version="2026-01")
    assert isinstance(
        error_from_response(422, invalid_topic_body("tax_summaries/create"), ctx), errors.InvalidTopic
    )
    ctx_new = ErrorContext("acme-eu", "create", topic="tax_summaries/create", api_version="2026-10")
    assert isinstance(
        error_from_response(422, invalid_topic_body("tax_summaries/create"), ctx_new), errors.ScopeError
    )


def test_403_scope_message_extracts_the_scope() -> None:
    err = error_from_response(
        403, {"errors": "This action requires merchant approval for read_themes scope."}, CTX
    )
    assert isinstance(err, errors.ScopeError)
    assert err.scopes == frozenset({"read_themes"})
    assert "lacks read_themes" in str(err)
    assert CONFIG_CMD in str(err)


def test_auth_error_tells_how_to_store_a_new_token() -> None:
    err = error_from_response(401, {"errors": "[API] Invalid API key or access token"}, CTX)
    assert CONFIG_CMD in str(err)
    assert "topic orders/create" in str(err)


def test_duplicate_names_topic_and_address() -> None:
    err = error_from_response(422, {"errors": {"address": ["for this topic has already been taken"]}}, CTX)
    assert "topic orders/create to https://hooks.example.com/o" in str(err)


def test_not_found_for_a_known_subscription_suggests_refresh() -> None:
    ctx = ErrorContext("acme-eu", "update", topic="orders/create", webhook_id=4759306)
    message = str(error_from_response(404, {"errors": "Not Found"}, ctx))
    assert "no webhook subscription 4759306 for topic orders/create" in message
    assert "pulumi refresh" in message


def test_not_found_without_id_points_at_shop_and_endpoint() -> None:
    ctx = ErrorContext("acme-eu", "list")
    message = str(error_from_response(404, {"errors": "Not Found"}, ctx))
    assert "endpoint" in message and "shop name" in message


def test_rate_limited_carries_retry_after_seconds() -> None:
    err = error_from_response(429, {"errors": "Exceeded"}, CTX, headers={"Retry-After": "2.0"})
    assert isinstance(err, errors.RateLimited)
    assert err.retry_after == 2.0
    assert err.retryable
    assert "Retry-After 2 s" in str(err)


def test_validation_lists_field_problems_without_the_topics_allowed_tail() -> None:
    body = {
        "errors": {
            "topic": ["Invalid something. Topics allowed: a, b, c"],
            "address": ["can't be blank"],
        }
    }
    message = str(error_from_response(422, body, CTX))
    assert "address can't be blank" in message
    assert "Topics allowed" not in message


@pytest.mark.parametrize("status", [401, 403, 404, 422, 429, 500, 418])
def test_tokens_never_appear_in_messages(status: int) -> None:
    # A (misbehaving) server echoing the token, plus a token-shaped value the caller did not pass.
    body = {"errors": f"bad token {TOKEN} and shpca_ffffeeee11112222 rejected"}
    err = error_from_response(status, body, CTX, secrets=[TOKEN])
    assert TOKEN not in str(err) and TOKEN not in err.detail
    assert "shpca_ffffeeee11112222" not in str(err)
    assert "[redacted]" in err.detail


def test_connection_failed_names_endpoint_and_redacts() -> None:
    err = errors.connection_failed(CTX, "http://127.0.0.1:9/shops/acme-eu", f"refused {TOKEN}")
    assert isinstance(err, errors.ConnectionFailed)
    assert "http://127.0.0.1:9/shops/acme-eu" in str(err)
    assert TOKEN not in str(err)
    assert_one_sentence(str(err))


def test_error_messages_flattens_shopify_shapes() -> None:
    assert errors.error_messages({"errors": "Not Found"}) == ["Not Found"]
    assert errors.error_messages({"errors": ["a", "b"]}) == ["a", "b"]
    assert errors.error_messages({"errors": {"address": ["can't be blank"], "base": ["whole"]}}) == [
        "address can't be blank",
        "whole",
    ]
    assert errors.error_messages({"error": "invalid_request"}) == ["invalid_request"]
    assert errors.error_messages("plain text") == ["plain text"]
    assert errors.error_messages(None) == []


def test_token_config_command() -> None:
    assert (
        errors.token_config_command("acme-eu") == "pulumi config set --secret --path 'shopifyTokens.acme-eu'"
    )
