"""shopstream.shopify_api.graphql_errors: the cost extension, throttle waits and top-level errors (pure)."""

from __future__ import annotations

import pytest

from shopstream.shopify_api import errors, graphql_errors
from shopstream.shopify_api.errors import ErrorContext

CTX = ErrorContext(
    "acme-eu", "create", topic="orders/create", address="https://h.example.com", api_version="2026-10"
)


def cost_body(available: float, requested: float = 10) -> dict[str, object]:
    status = {"maximumAvailable": 2000, "currentlyAvailable": available, "restoreRate": 100}
    return {
        "extensions": {
            "cost": {"requestedQueryCost": requested, "actualQueryCost": None, "throttleStatus": status}
        }
    }


def test_cost_is_read_from_the_extension_and_malformed_ones_are_ignored() -> None:
    cost = graphql_errors.cost_of(cost_body(1988, 252))
    assert cost == graphql_errors.Cost(252.0, None, 2000.0, 1988.0, 100.0)
    assert (
        graphql_errors.cost_of({"extensions": {"cost": {"throttleStatus": {"maximumAvailable": "x"}}}})
        is None
    )
    assert graphql_errors.cost_of("not json") is None


def test_a_throttled_query_waits_until_its_cost_is_restored() -> None:
    assert graphql_errors.throttle_wait(graphql_errors.cost_of(cost_body(52, 252)), 10) == pytest.approx(2.0)
    assert graphql_errors.throttle_wait(None, 10) == 1.0  # no figures: Shopify's one-second advice
    assert graphql_errors.throttle_wait(graphql_errors.cost_of(cost_body(500, 10)), 10) == 0.1


@pytest.mark.parametrize(
    ("code", "kind", "words"),
    [
        ("INTERNAL_SERVER_ERROR", errors.ServerError, "Shopify's side"),
        ("ACCESS_DENIED", errors.ScopeError, "access scope"),
        ("undefinedField", errors.ValidationError, "api_version"),
    ],
)
def test_top_level_errors_are_sentences(code: str, kind: type[errors.ShopifyError], words: str) -> None:
    body = {
        "errors": [{"message": "Something shpat_0123456789abcdef happened.", "extensions": {"code": code}}]
    }
    error = graphql_errors.top_level_error(body, CTX)
    assert isinstance(error, kind)
    message = str(error)
    assert words in message and "acme-eu" in message and "\n" not in message
    assert "shpat_" not in message  # token-shaped text is scrubbed


def test_an_invalid_topic_variable_is_an_invalid_topic() -> None:
    body = {
        "errors": [
            {
                "message": "Variable $topic of type WebhookSubscriptionTopic! was provided invalid value",
                "extensions": {"code": "INVALID_VARIABLE", "value": "ORDERS_CREATE", "problems": []},
            }
        ]
    }
    error = graphql_errors.top_level_error(body, CTX)
    assert isinstance(error, errors.InvalidTopic) and "ORDERS_CREATE" in str(error)
