"""Webhook topics, the access scopes they need, and Admin API versions.

Pure data and functions shared by the emulator, the HTTP client and the stack-file loader.
Source: the project's Shopify reference, §5 (topic table, from the 2026-01
``WebhookSubscriptionTopic`` docs) and §6 (versioning).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# --- API versions (§6) --------------------------------------------------------------------------------

# Today is 2026-11-28: the current quarter's version, the three before it, the next one (release candidate)
# and ``unstable`` are supported, as Shopify's graphql-client computes it.
STABLE_API_VERSIONS: tuple[str, ...] = ("2026-01", "2026-04", "2026-07", "2026-10")
RELEASE_CANDIDATE: str = "2027-01"
UNSTABLE: str = "unstable"
SUPPORTED_API_VERSIONS: tuple[str, ...] = (*STABLE_API_VERSIONS, RELEASE_CANDIDATE, UNSTABLE)

# First version whose topic enum carries the extra values seen live in 2026-04 captures.
_EXTRAS_SINCE = "2026-04"


def resolve_api_version(requested: str | None) -> str:
    """The version Shopify actually serves: a supported version is itself, anything else (absent,
    retired, malformed, future) falls forward to the oldest supported stable version."""
    if requested in SUPPORTED_API_VERSIONS:
        return requested
    return STABLE_API_VERSIONS[0]


# --- Scopes -------------------------------------------------------------------------------------------

_NONE: frozenset[str] = frozenset()
# Shorthands used by the reference table.
_ORD2 = frozenset({"read_orders", "read_marketplace_orders"})
_ORD3 = _ORD2 | {"read_buyer_membership_orders"}
_FO = frozenset(
    {
        "read_merchant_managed_fulfillment_orders",
        "read_assigned_fulfillment_orders",
        "read_third_party_fulfillment_orders",
        "read_marketplace_fulfillment_orders",
    }
)
_FO_NO_MARKETPLACE = _FO - {"read_marketplace_fulfillment_orders"}
_RETURNS = frozenset({"read_returns", "read_marketplace_returns"})


def _expand(resource: str, actions: str, scopes: frozenset[str]) -> dict[str, frozenset[str]]:
    """``_expand("orders", "create update", S)`` -> {"orders/create": S, "orders/update": S}."""
    return {f"{resource}/{action}": scopes for action in actions.split()}


def _one(scopes: frozenset[str], *topics: str) -> dict[str, frozenset[str]]:
    return dict.fromkeys(topics, scopes)


def _single(scope: str) -> frozenset[str]:
    return frozenset({scope})


_CRUD = "create update delete"
_FULFILLMENT_ORDER_ACTIONS = (
    "moved hold_released scheduled_fulfillment_order_ready cancelled fulfillment_service_failed_to_complete "
    "fulfillment_request_submitted fulfillment_request_accepted fulfillment_request_rejected "
    "cancellation_request_submitted cancellation_request_accepted cancellation_request_rejected "
    "line_items_prepared_for_local_delivery line_items_prepared_for_pickup placed_on_hold rescheduled"
)

# REST topic -> scopes of which any ONE grants it (empty = no scope needed). Documented in 2026-01.
_BASE_TOPICS: dict[str, frozenset[str]] = {
    **_one(
        _NONE,
        "app/uninstalled",
        "app/scopes_update",
        "app_subscriptions/update",
        "app_subscriptions/approaching_capped_amount",
        "app_purchases_one_time/update",
        "bulk_operations/finish",
        "shop/update",
        "domains/create",
        "domains/update",
        "domains/destroy",
        "customer_account_settings/update",
    ),
    # Plus only, Pub/Sub or EventBridge only, one per store: those limits belong to the address checks.
    "audit_events/admin_api_activity": _single("read_audit_events"),
    **_expand("carts", "create update", _single("read_orders")),
    **_expand("checkouts", "create update delete", _single("read_orders")),
    **_expand("orders", "create fulfilled paid partially_fulfilled", _ORD2),
    **_expand("orders", "cancelled edited updated link_requested", _ORD3),
    "order_transactions/create": _ORD3,
    "refunds/create": _ORD3,
    **_expand(
        "orders", "delete risk_assessment_changed shopify_protect_eligibility_changed", _single("read_orders")
    ),
    "tender_transactions/create": _single("read_orders"),
    **_expand("products", _CRUD, _single("read_products")),
    **_expand("collections", _CRUD, _single("read_products")),
    **_expand("selling_plan_groups", _CRUD, _single("read_products")),
    **_expand("variants", "in_stock out_of_stock", _single("read_products")),
    **_expand("inventory_items", _CRUD, frozenset({"read_inventory", "read_products"})),
    **_expand("inventory_levels", "connect update disconnect", _single("read_inventory")),
    **_expand(
        "inventory_shipments",
        "create delete add_items remove_items update_item_quantities update_tracking mark_in_transit",
        _single("read_inventory_shipments"),
    ),
    "inventory_shipments/receive_items": _single("read_inventory_shipments_received_items"),
    **_expand(
        "inventory_transfers",
        "add_items remove_items update_item_quantities ready_to_ship cancel complete",
        _single("read_inventory_transfers"),
    ),
    **_expand(
        "customers", "create update delete enable disable purchasing_summary", _single("read_customers")
    ),
    "customers_email_marketing_consent/update": _single("read_customers"),
    "customers_marketing_consent/update": _single("read_customers"),
    **_one(
        _single("read_customers"),
        "customer.tags_added",
        "customer.tags_removed",
        "customer.joined_segment",
        "customer.left_segment",
    ),
    **_expand("customer_groups", _CRUD, _single("read_customers")),
    **_expand("segments", _CRUD, _single("read_customers")),
    "customers/merge": _single("read_customer_merge"),
    **_expand("customer_payment_methods", "create update revoke", _single("read_customer_payment_methods")),
    **_expand("companies", _CRUD, frozenset({"read_customers", "read_companies"})),
    **_expand("company_locations", _CRUD, frozenset({"read_customers", "read_companies"})),
    **_expand("company_contacts", _CRUD, frozenset({"read_customers", "read_companies"})),
    **_expand("company_contact_roles", "assign revoke", frozenset({"read_customers", "read_companies"})),
    **_expand("draft_orders", _CRUD, _single("read_draft_orders")),
    **_expand("fulfillments", "create update", frozenset({"read_fulfillments", "read_marketplace_orders"})),
    **_expand("fulfillment_events", "create delete", _single("read_fulfillments")),
    **_expand("fulfillment_orders", _FULFILLMENT_ORDER_ACTIONS, _FO),
    "fulfillment_orders/order_routing_complete": _FO | {"read_buyer_membership_orders"},
    **_expand("fulfillment_orders", "merged split", _FO_NO_MARKETPLACE),
    **_expand("fulfillment_holds", "added released", _FO),
    **_expand(
        "returns", "approve decline process request update", _RETURNS | {"read_buyer_membership_orders"}
    ),
    **_expand("returns", "cancel close reopen", _ORD2 | _RETURNS | {"read_buyer_membership_orders"}),
    "reverse_deliveries/attach_deliverable": _RETURNS,
    "reverse_fulfillment_orders/dispose": _RETURNS,
    **_expand("collection_listings", "add update remove", _single("read_product_listings")),
    **_expand("product_listings", "add update remove", _single("read_product_listings")),
    **_expand("scheduled_product_listings", "add update remove", _single("read_product_listings")),
    **_expand(
        "product_feeds",
        "create update full_sync full_sync_finish incremental_sync",
        _single("read_product_listings"),
    ),
    **_expand("collection_publications", _CRUD, _single("read_publications")),
    **_expand("product_publications", _CRUD, _single("read_publications")),
    "channels/delete": _single("read_publications"),
    **_expand("locations", "create update delete activate deactivate", _single("read_locations")),
    **_expand("locales", "create update destroy", _single("read_locales")),
    **_expand("markets", _CRUD, _single("read_markets")),
    "markets_backup_region/update": _single("read_markets"),
    **_expand("metafield_definitions", _CRUD, _single("read_content")),
    # Shopify requires a `type:{type}` filter for these (no wildcards); see FILTER_REQUIRED_TOPICS.
    **_expand("metaobjects", _CRUD, _single("read_metaobjects")),
    **_expand(
        "discounts", "create update delete redeemcode_added redeemcode_removed", _single("read_discounts")
    ),
    **_expand("disputes", "create update", _single("read_shopify_payments_disputes")),
    **_expand("payment_terms", _CRUD, _single("read_payment_terms")),
    "payment_schedules/due": _single("read_payment_terms"),
    **_expand("profiles", _CRUD, frozenset({"read_shipping", "read_assigned_shipping"})),
    **_expand("shipping_addresses", "create update", _single("read_shipping")),
    "delivery_promise_settings/update": _single("read_shipping"),
    **_expand(
        "subscription_contracts",
        "create update activate pause cancel fail expire",
        _single("read_own_subscription_contracts"),
    ),
    **_expand(
        "subscription_billing_attempts",
        "success failure challenged",
        _single("read_own_subscription_contracts"),
    ),
    **_expand("subscription_billing_cycle_edits", _CRUD, _single("read_own_subscription_contracts")),
    **_expand("subscription_billing_cycles", "skip unskip", _single("read_own_subscription_contracts")),
    **_expand("tax_services", "create update", _single("read_taxes")),
    **_expand("themes", "create update delete publish", _single("read_themes")),
    **_expand(
        "finance_app_staff_member", "grant revoke update delete", _single("read_financial_kyc_information")
    ),
    "finance_kyc_information/update": _single("read_financial_kyc_information"),
}

# Enum values seen live in 2026-04 but missing from the 2026-01 docs. The reference marks both their REST
# names and scopes UNCONFIRMED; the scopes below are the ones later WebhookSubscriptionTopic doc strings
# state, except checkout_and_accounts_configurations/update (no source found: no scope required, the
# permissive choice; Shopify announced its removal, yet 2026-04 still accepts it).
_EXTRA_TOPICS: dict[str, frozenset[str]] = {
    "tax_summaries/create": frozenset({"read_fulfillments", "read_marketplace_orders"}),
    **_expand("attributed_sessions", "first last", _single("read_marketing_events")),
    **_expand(
        "fulfillment_orders", "progress_reported manually_reported_progress_stopped", _FO_NO_MARKETPLACE
    ),
    "tax_partners/update": _single("read_taxes"),
    "publications/delete": _single("read_publications"),
    "checkout_and_accounts_configurations/update": _NONE,
}

_ALL_TOPICS: Mapping[str, frozenset[str]] = {**_BASE_TOPICS, **_EXTRA_TOPICS}

# Mandatory privacy topics: not in the GraphQL enum and "cannot be subscribed to using the Admin API"
# (they are set in shopify.app.toml `compliance_topics`). Kept out of known_topics(); exported so callers
# can explain the rejection, and so the emulator can mimic the REST 422 "Topics allowed" list, which
# oddly includes them.
COMPLIANCE_TOPICS: frozenset[str] = frozenset({"customers/data_request", "customers/redact", "shop/redact"})

# Topics Shopify only accepts with a `type:{type}` filter.
FILTER_REQUIRED_TOPICS: frozenset[str] = frozenset(t for t in _BASE_TOPICS if t.startswith("metaobjects/"))


class UnknownTopicError(ValueError):
    """A topic that is not a subscribable webhook topic (a typo, a compliance topic, or an enum value
    the table does not know)."""

    def __init__(self, topic: str) -> None:
        self.topic = topic
        if topic in COMPLIANCE_TOPICS:
            detail = "it is a compliance topic, which cannot be subscribed to using the Admin API"
        else:
            detail = "it is not a known webhook topic"
        super().__init__(f"unknown topic {topic!r}: {detail}")


def _has_extras(api_version: str) -> bool:
    # Dated versions compare correctly as strings; unstable always has the newest enum.
    return api_version == UNSTABLE or api_version >= _EXTRAS_SINCE


def known_topics(api_version: str) -> frozenset[str]:
    """REST (slash-form) topics subscribable in ``api_version``; unsupported versions fall forward first."""
    version = resolve_api_version(api_version)
    if _has_extras(version):
        return frozenset(_ALL_TOPICS)
    return frozenset(_BASE_TOPICS)


def scope_alternatives(topic: str) -> frozenset[str]:
    """Scopes of which any ONE grants ``topic``; empty means no scope is needed."""
    try:
        return _ALL_TOPICS[topic]
    except KeyError:
        raise UnknownTopicError(topic) from None


def _effective_scopes(granted_scopes: Iterable[str]) -> set[str]:
    # write_x implies read_x, as Shopify documents for every access scope.
    effective: set[str] = set()
    for scope in granted_scopes:
        scope = scope.strip()
        effective.add(scope)
        if scope.startswith("write_"):
            effective.add("read_" + scope.removeprefix("write_"))
    return effective


def grants_topic(granted_scopes: Iterable[str], topic: str) -> bool:
    """Whether the granted scopes allow subscribing to ``topic`` (raises UnknownTopicError if unknown)."""
    needed = scope_alternatives(topic)
    return not needed or not needed.isdisjoint(_effective_scopes(granted_scopes))


def topics_allowed(granted_scopes: Iterable[str], api_version: str) -> list[str]:
    """Sorted topics of ``api_version`` the scopes allow (the REST 422 "Topics allowed: …" list)."""
    effective = _effective_scopes(granted_scopes)
    return sorted(
        topic
        for topic in known_topics(api_version)
        if not _ALL_TOPICS[topic] or not _ALL_TOPICS[topic].isdisjoint(effective)
    )


def graphql_enum(topic: str) -> str:
    """REST topic -> GraphQL ``WebhookSubscriptionTopic`` value: ``orders/create`` -> ``ORDERS_CREATE``.

    Mechanical (as shopify-api-js does it), so it works for topics newer than this table."""
    return topic.upper().replace("/", "_").replace(".", "_")


# The reverse is not derivable (names contain underscores), hence an explicit table.
_BY_GRAPHQL_ENUM: Mapping[str, str] = {graphql_enum(topic): topic for topic in _ALL_TOPICS}


def topic_from_graphql_enum(value: str) -> str:
    """GraphQL enum value -> REST topic: ``ORDERS_CREATE`` -> ``orders/create``; raises UnknownTopicError."""
    try:
        return _BY_GRAPHQL_ENUM[value]
    except KeyError:
        raise UnknownTopicError(value) from None
