from datetime import date

import pytest

from shopstream.shopify_api import topics, versions
from shopstream.shopify_api.topics import (
    COMPLIANCE_TOPICS,
    RELEASE_CANDIDATE,
    STABLE_API_VERSIONS,
    SUPPORTED_API_VERSIONS,
    TopicHistory,
    UnknownTopicError,
    canonical_topic,
    grants_topic,
    graphql_enum,
    known_topics,
    resolve_api_version,
    scope_alternatives,
    topic_changes,
    topic_from_graphql_enum,
    topics_allowed,
)

TODAY = date(2026, 12, 1)


def test_version_constants_are_derived_from_the_date_the_process_started() -> None:
    today = versions.today_utc()
    assert versions.stable_versions(today) == STABLE_API_VERSIONS
    assert versions.release_candidate(today) == RELEASE_CANDIDATE
    assert (*STABLE_API_VERSIONS, RELEASE_CANDIDATE, "unstable") == SUPPORTED_API_VERSIONS


@pytest.mark.parametrize("version", ["2026-01", "2026-07", "2027-01", "unstable"])
def test_supported_version_resolves_to_itself(version: str) -> None:
    assert resolve_api_version(version, TODAY) == version


@pytest.mark.parametrize("version", [None, "", "2025-10", "2024-01", "2027-04", "2026-02", "latest"])
def test_unsupported_version_falls_forward_to_oldest_stable(version: str | None) -> None:
    assert resolve_api_version(version, TODAY) == "2026-01"
    if version != "2027-04":  # the release candidate on that date
        assert resolve_api_version(version, date(2027, 2, 1)) == "2026-04"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("orders/create", "orders/create"),
        ("ORDERS_CREATE", "orders/create"),
        ("CUSTOMER_TAGS_ADDED", "customer.tags_added"),
        ("not/known", "not/known"),
    ],
)
def test_canonical_topic(text: str, expected: str) -> None:
    assert canonical_topic(text) == expected


@pytest.mark.parametrize("text", ["ORDERS_CRATE", "CUSTOMERS_REDACT"])
def test_unknown_enum_spelling_raises(text: str) -> None:
    with pytest.raises(UnknownTopicError) as info:
        canonical_topic(text)
    if text == "CUSTOMERS_REDACT":
        assert info.value.topic == "customers/redact"
        assert "compliance topic" in str(info.value)


def test_topic_changes_of_a_downgrade_and_an_upgrade() -> None:
    wanted = ["orders/create", "tax_summaries/create", "publications/delete", "orders/create"]
    assert topic_changes("2026-07", "2026-01", wanted) == [
        ("tax_summaries/create", "removed"),
        ("publications/delete", "removed"),
    ]
    assert topic_changes("2026-01", "2026-10", wanted) == []  # topics the old version lacks are not ours
    assert topic_changes("2026-04", "2026-10", wanted) == []


def test_topic_changes_reports_renames_and_removals_from_the_history() -> None:
    history = TopicHistory(
        introduced={"orders/created": "2027-04"},
        removed={"checkouts/create": "2027-04"},
        renamed={"orders/create": ("orders/created", "2027-04")},
    )
    wanted = ["orders/create", "checkouts/create", "orders/paid"]
    assert topic_changes("2027-01", "2027-04", wanted, history) == [
        ("orders/create", "renamed to orders/created"),
        ("checkouts/create", "removed"),
    ]
    assert topic_changes("2027-04", "2027-01", ["orders/created"], history) == [
        ("orders/created", "renamed to orders/create")
    ]
    assert not history.available("orders/create", "unstable")


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        ("orders/create", {"read_orders", "read_marketplace_orders"}),
        ("orders/updated", {"read_orders", "read_marketplace_orders", "read_buyer_membership_orders"}),
        ("orders/delete", {"read_orders"}),
        ("carts/create", {"read_orders"}),
        ("app/uninstalled", set()),
        ("shop/update", set()),
        ("inventory_items/update", {"read_inventory", "read_products"}),
        ("inventory_shipments/receive_items", {"read_inventory_shipments_received_items"}),
        ("customer.tags_added", {"read_customers"}),
        ("companies/create", {"read_customers", "read_companies"}),
        ("profiles/update", {"read_shipping", "read_assigned_shipping"}),
        ("metaobjects/create", {"read_metaobjects"}),
        ("finance_kyc_information/update", {"read_financial_kyc_information"}),
    ],
)
def test_scope_alternatives_spot_checks(topic: str, expected: set[str]) -> None:
    assert scope_alternatives(topic) == expected


def test_fulfillment_order_variants() -> None:
    base = scope_alternatives("fulfillment_orders/moved")
    assert "read_marketplace_fulfillment_orders" in base
    assert len(base) == 4
    assert scope_alternatives("fulfillment_orders/merged") == base - {"read_marketplace_fulfillment_orders"}
    assert scope_alternatives("fulfillment_orders/order_routing_complete") == base | {
        "read_buyer_membership_orders"
    }
    assert scope_alternatives("fulfillment_holds/added") == base


def test_returns_cancel_accepts_order_scopes_but_approve_does_not() -> None:
    assert grants_topic(["read_orders"], "returns/cancel")
    assert not grants_topic(["read_orders"], "returns/approve")
    assert grants_topic(["read_returns"], "returns/approve")


def test_grants_topic() -> None:
    assert grants_topic(["read_orders"], "orders/create")
    assert grants_topic(["read_marketplace_orders"], "orders/create")
    assert not grants_topic(["read_products"], "orders/create")
    assert not grants_topic([], "orders/create")
    # write_x implies read_x
    assert grants_topic(["write_orders"], "orders/create")
    assert grants_topic(["write_products"], "inventory_items/create")
    assert not grants_topic(["write_products"], "orders/create")
    # no scope needed
    assert grants_topic([], "app/uninstalled")


def test_unknown_topic_raises_not_keyerror() -> None:
    with pytest.raises(UnknownTopicError) as info:
        scope_alternatives("order/create")
    assert info.value.topic == "order/create"
    assert not isinstance(info.value, KeyError)
    with pytest.raises(UnknownTopicError):
        grants_topic(["read_orders"], "nope/nope")


@pytest.mark.parametrize("topic", sorted(COMPLIANCE_TOPICS))
def test_compliance_topics_rejected(topic: str) -> None:
    assert {"customers/data_request", "customers/redact", "shop/redact"} == COMPLIANCE_TOPICS
    for version in SUPPORTED_API_VERSIONS:
        assert topic not in known_topics(version)
    with pytest.raises(UnknownTopicError, match="compliance topic"):
        scope_alternatives(topic)
    with pytest.raises(UnknownTopicError):
        topic_from_graphql_enum(graphql_enum(topic))
    assert topic not in topics_allowed(["read_customers", "read_orders"], "unstable")


def test_known_topics_by_version() -> None:
    extras = {
        "tax_summaries/create",
        "attributed_sessions/first",
        "attributed_sessions/last",
        "fulfillment_orders/progress_reported",
        "fulfillment_orders/manually_reported_progress_stopped",
        "tax_partners/update",
        "publications/delete",
        "checkout_and_accounts_configurations/update",
    }
    v2601 = known_topics("2026-01")
    assert "orders/create" in v2601
    assert "customer.tags_added" in v2601
    assert not extras & v2601
    for version in ("2026-04", "2026-07", "2026-10", "2027-01", "unstable"):
        assert extras <= known_topics(version)
        assert v2601 < known_topics(version)
    # Unsupported versions fall forward to 2026-01.
    assert known_topics("2025-10") == v2601
    # Full table, not a subset (214 documented in 2026-01).
    assert len(v2601) == 214


def test_every_known_topic_has_scopes_entry() -> None:
    for topic in known_topics("unstable"):
        assert isinstance(scope_alternatives(topic), frozenset)
        assert all(s.startswith("read_") for s in scope_alternatives(topic))


def test_topics_allowed() -> None:
    allowed = topics_allowed(["write_orders"], "2026-10")
    assert allowed == sorted(allowed)
    assert "orders/create" in allowed
    assert "app/uninstalled" in allowed
    assert "carts/create" in allowed
    assert "products/create" not in allowed
    no_scopes = topics_allowed([], "2026-01")
    assert set(no_scopes) == {t for t in known_topics("2026-01") if not scope_alternatives(t)}
    assert "app/uninstalled" in no_scopes
    assert "orders/create" not in no_scopes


@pytest.mark.parametrize(
    ("topic", "enum"),
    [
        ("orders/create", "ORDERS_CREATE"),
        ("app/scopes_update", "APP_SCOPES_UPDATE"),
        ("customer.tags_added", "CUSTOMER_TAGS_ADDED"),
        (
            "fulfillment_orders/fulfillment_request_accepted",
            "FULFILLMENT_ORDERS_FULFILLMENT_REQUEST_ACCEPTED",
        ),
    ],
)
def test_graphql_enum_round_trip(topic: str, enum: str) -> None:
    assert graphql_enum(topic) == enum
    assert topic_from_graphql_enum(enum) == topic


def test_graphql_enum_is_injective_over_the_table() -> None:
    all_topics = known_topics("unstable")
    assert len({graphql_enum(t) for t in all_topics}) == len(all_topics)
    for topic in all_topics:
        assert topic_from_graphql_enum(graphql_enum(topic)) == topic


def test_hidden_enum_value_rejected() -> None:
    with pytest.raises(UnknownTopicError):
        topic_from_graphql_enum("CUSTOMER_INTERACTIONS")


def test_filter_required_topics() -> None:
    assert {"metaobjects/create", "metaobjects/update", "metaobjects/delete"} == topics.FILTER_REQUIRED_TOPICS
