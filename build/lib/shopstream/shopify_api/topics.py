"""Webhook topics, the access scopes they need, which API versions have them, and their two spellings.

Pure data and functions shared by the emulator, the HTTP client and the stack-file loader.
Source: the project's Shopify reference, §5 (topic table, from the 2026-01 ``WebhookSubscriptionTopic``
docs), §4.6 (REST <-> GraphQL names) and §6 (versioning, see ``shopstream.shopify_api.versions``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from . import versions

# --- API versions (§6) --------------------------------------------------------------------------------

# Derived from the date this process started (see shopify_api.versions); kept as constants for callers
# that want a fixed list. Code that may run across a quarter boundary calls shopify_api.versions itself.
_STARTED = versions.today_utc()
STABLE_API_VERSIONS: tuple[str, ...] = versions.stable_versions(_STARTED)
RELEASE_CANDIDATE: str = versions.release_candidate(_STARTED)
UNSTABLE: str = versions.UNSTABLE
SUPPORTED_API_VERSIONS: tuple[str, ...] = versions.supported_versions(_STARTED)

# First version whose topic enum carries the extra values seen live in 2026-04 captures.
_EXTRAS_SINCE = "2026-04"


def resolve_api_version(requested: str | None, today: date | None = None) -> str:
    """The version Shopify actually serves: a supported version is itself, anything else (absent,
    retired, malformed, future) falls forward to the oldest supported stable version."""
    return versions.served_version(requested, today or versions.today_utc())


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


@dataclass(frozen=True)
class TopicHistory:
    """When topics appeared, disappeared or were renamed. A topic missing from ``introduced`` exists in
    every version this table covers."""

    introduced: Mapping[str, str] = field(default_factory=dict)  # topic -> first version with it
    removed: Mapping[str, str] = field(default_factory=dict)  # topic -> first version without it
    renamed: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # old -> (new, first version)

    def available(self, topic: str, version: str) -> bool:
        """Whether ``topic`` exists in ``version`` (as named; no falling forward)."""
        since = self.introduced.get(topic)
        if since is not None and not versions.at_least(version, since):
            return False
        gone = self.removed.get(topic)
        if gone is not None and versions.at_least(version, gone):
            return False
        rename = self.renamed.get(topic)
        return not (rename is not None and versions.at_least(version, rename[1]))


# No rename or removal is documented for the versions served in 2026 (checkout_and_accounts_configurations/
# update was announced for removal, but 2026-04 still accepts it, reference §5): both maps stay empty until
# Shopify publishes one, and topic_changes() then reports it without further code.
TOPIC_HISTORY = TopicHistory(introduced=dict.fromkeys(_EXTRA_TOPICS, _EXTRAS_SINCE))


def known_topics(api_version: str, today: date | None = None) -> frozenset[str]:
    """REST (slash-form) topics subscribable in ``api_version``; unsupported versions fall forward first."""
    return _topics_in(resolve_api_version(api_version, today))


@cache
def _topics_in(version: str) -> frozenset[str]:
    # Cached: the loader asks once per topic of a stack file, which may list thousands.
    return frozenset(topic for topic in _ALL_TOPICS if TOPIC_HISTORY.available(topic, version))


def topic_changes(
    old_version: str, new_version: str, topics: Iterable[str], history: TopicHistory = TOPIC_HISTORY
) -> list[tuple[str, str]]:
    """What moving from ``old_version`` to ``new_version`` does to ``topics`` (REST form), in their order:
    ``(topic, "renamed to X")`` or ``(topic, "removed")`` for each that exists in the old version but not
    under that name in the new one (either direction, so a downgrade reports topics newer than it)."""
    changes: list[tuple[str, str]] = []
    seen: set[str] = set()
    for topic in topics:
        if topic in seen or not history.available(topic, old_version):
            continue
        seen.add(topic)
        if history.available(topic, new_version):
            continue
        forward = history.renamed.get(topic)
        backward = [old for old, (new, _) in history.renamed.items() if new == topic]
        if forward is not None and history.available(forward[0], new_version):
            changes.append((topic, f"renamed to {forward[0]}"))
        elif backward and history.available(backward[0], new_version):
            changes.append((topic, f"renamed to {backward[0]}"))
        else:
            changes.append((topic, "removed"))
    return changes


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


_COMPLIANCE_BY_ENUM: Mapping[str, str] = {graphql_enum(topic): topic for topic in COMPLIANCE_TOPICS}


def topic_from_graphql_enum(value: str) -> str:
    """GraphQL enum value -> REST topic: ``ORDERS_CREATE`` -> ``orders/create``; raises UnknownTopicError
    (naming the compliance topic when ``value`` is one in enum spelling)."""
    try:
        return _BY_GRAPHQL_ENUM[value]
    except KeyError:
        raise UnknownTopicError(_COMPLIANCE_BY_ENUM.get(value, value)) from None


def graphql_enums() -> frozenset[str]:
    """Every enum value the table knows (all versions)."""
    return frozenset(_BY_GRAPHQL_ENUM)


def looks_like_graphql_enum(text: str) -> bool:
    """``ORDERS_CREATE`` spelling: upper-case letters, digits and underscores, starting with a letter."""
    return (
        bool(text)
        and text[0].isascii()
        and text[0].isupper()
        and all(ch.isascii() and (ch.isupper() or ch.isdigit() or ch == "_") for ch in text)
    )


def canonical_topic(text: str) -> str:
    """Either spelling -> the REST form used in state (``ORDERS_CREATE`` -> ``orders/create``). REST text is
    returned unchanged, known or not; an enum spelling must be in the table (raises UnknownTopicError)."""
    return topic_from_graphql_enum(text) if looks_like_graphql_enum(text) else text
