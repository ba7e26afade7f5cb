"""The GraphQL documents the transport sends and the pure parsing of their answers (reference §4).

Answers are turned into the REST webhook object's shape that shopstream.providers.shopify.subscriptions
speaks:
`id` (int, the REST id = legacyResourceId), `topic` (REST form), `address` (the uri), `format` (lower
case), `fields` (includeFields), `metafield_namespaces`, `filter` (None when null or empty), `name`
(only for versions that have it: 2026-04 and later), `api_version` (the subscription's payload
version), `created_at`, `updated_at` and `admin_graphql_api_id` (the gid).

The documents depend on the Admin API version only through `name`: selecting or sending it to an
older version would be refused by the schema, so there the marker is left out and the subscription
is handled as an unnamed one (adoption then follows the `may_adopt` rule).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shopstream.providers.shopify.subscriptions import Desired
from shopstream.shopify_api import topics
from shopstream.shopify_api.graphql_errors import NAME_SINCE

GID_PREFIX = "gid://shopify/WebhookSubscription/"
PAGE_SIZE = 250  # the connection maximum (reference §3.2)
# What Shopify charges for each document before the first answer says (the emulator's costs; the
# transport learns the real requestedQueryCost from every answer).
LIST_COST = 2.0 + PAGE_SIZE
MUTATION_COST = 10.0
SCOPES_COST = 2.0


def has_name(api_version: str) -> bool:
    """Whether `api_version` knows subscription names (2026-04 and later, and unstable)."""
    return api_version == topics.UNSTABLE or api_version >= NAME_SINCE


@dataclass(frozen=True)
class Document:
    name: str  # the operation name, also the key of its learned cost
    text: str
    mutation: bool
    cost: float  # the first reservation

    def field(self) -> str:
        """The root field whose payload the answer carries."""
        return self.name


def _fields(api_version: str) -> str:
    name = " name" if has_name(api_version) else ""
    return (
        "id legacyResourceId topic uri format includeFields metafieldNamespaces filter"
        f"{name} apiVersion {{ handle }} createdAt updatedAt"
    )


def list_document(api_version: str) -> Document:
    text = (
        "query webhookSubscriptions($first: Int!, $after: String) {\n"
        "  webhookSubscriptions(first: $first, after: $after) {\n"
        f"    nodes {{ {_fields(api_version)} }}\n"
        "    pageInfo { hasNextPage endCursor }\n"
        "  }\n"
        "}\n"
    )
    return Document("webhookSubscriptions", text, False, LIST_COST)


def create_document(api_version: str) -> Document:
    text = (
        "mutation webhookSubscriptionCreate($topic: WebhookSubscriptionTopic!, "
        "$webhookSubscription: WebhookSubscriptionInput!) {\n"
        "  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $webhookSubscription) {\n"
        f"    webhookSubscription {{ {_fields(api_version)} }}\n"
        "    userErrors { field message }\n"
        "  }\n"
        "}\n"
    )
    return Document("webhookSubscriptionCreate", text, True, MUTATION_COST)


def update_document(api_version: str) -> Document:
    text = (
        "mutation webhookSubscriptionUpdate($id: ID!, $webhookSubscription: WebhookSubscriptionInput!) {\n"
        "  webhookSubscriptionUpdate(id: $id, webhookSubscription: $webhookSubscription) {\n"
        f"    webhookSubscription {{ {_fields(api_version)} }}\n"
        "    userErrors { field message }\n"
        "  }\n"
        "}\n"
    )
    return Document("webhookSubscriptionUpdate", text, True, MUTATION_COST)


DELETE = Document(
    "webhookSubscriptionDelete",
    "mutation webhookSubscriptionDelete($id: ID!) {\n"
    "  webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId userErrors { field message } }\n"
    "}\n",
    True,
    MUTATION_COST,
)

SCOPES = Document(
    "currentAppInstallation",
    "query currentAppInstallation { currentAppInstallation { accessScopes { handle } } }\n",
    False,
    SCOPES_COST,
)


def gid(webhook_id: int) -> str:
    return f"{GID_PREFIX}{int(webhook_id)}"


def subscription_input(desired: Desired, api_version: str, *, update: bool) -> dict[str, Any]:
    """`WebhookSubscriptionInput` for `desired`.

    On update every field is sent, so the subscription ends up exactly as declared: an empty list
    clears includeFields / metafieldNamespaces and `""` clears the filter (null would leave it).
    """
    payload: dict[str, Any] = {
        "uri": desired.address,
        "format": desired.format.upper(),
        "includeFields": list(desired.fields),
        "metafieldNamespaces": list(desired.metafield_namespaces),
    }
    if desired.filter:
        payload["filter"] = desired.filter
    elif update:
        payload["filter"] = ""
    if desired.name and has_name(api_version):
        payload["name"] = desired.name
    return payload


class ShapeError(ValueError):
    """An answer that is not the shape the documents ask for; str() says what is missing."""


def _topic(value: object) -> str:
    text = str(value or "")
    try:
        return topics.topic_from_graphql_enum(text)
    except topics.UnknownTopicError:
        return text  # a topic newer than our table: kept as Shopify spells it (it matches nothing declared)


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def webhook_from_node(node: object, api_version: str) -> dict[str, Any]:
    """One `WebhookSubscription` node in the REST object's shape (see the module docstring)."""
    if not isinstance(node, Mapping):
        raise ShapeError("a webhook subscription that is not an object")
    legacy = node.get("legacyResourceId")
    raw_id = str(legacy if legacy is not None else str(node.get("id") or "").removeprefix(GID_PREFIX))
    if not raw_id.isdigit():
        raise ShapeError("a webhook subscription without a numeric legacyResourceId")
    version = node.get("apiVersion")
    webhook: dict[str, Any] = {
        "id": int(raw_id),
        "admin_graphql_api_id": node.get("id") or gid(int(raw_id)),
        "topic": _topic(node.get("topic")),
        "address": node.get("uri"),
        "format": str(node.get("format") or "JSON").lower(),
        "fields": _strings(node.get("includeFields")),
        "metafield_namespaces": _strings(node.get("metafieldNamespaces")),
        "filter": node.get("filter") or None,
        "api_version": version.get("handle") if isinstance(version, Mapping) else None,
        "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"),
    }
    if has_name(api_version):
        webhook["name"] = node.get("name") or None
    return webhook


@dataclass(frozen=True)
class Page:
    webhooks: list[dict[str, Any]]
    next_cursor: str | None  # None: the last page


def page_of(data: Mapping[str, Any], api_version: str) -> Page:
    connection = data.get("webhookSubscriptions")
    if not isinstance(connection, Mapping) or not isinstance(connection.get("nodes"), list):
        raise ShapeError("no webhookSubscriptions nodes")
    info = connection.get("pageInfo")
    if not isinstance(info, Mapping):
        raise ShapeError("no pageInfo")
    webhooks = [webhook_from_node(node, api_version) for node in connection["nodes"]]
    cursor = info.get("endCursor")
    if info.get("hasNextPage") is True:
        if not isinstance(cursor, str) or not cursor:
            raise ShapeError("hasNextPage without an endCursor")
        return Page(webhooks, cursor)
    return Page(webhooks, None)


def payload_of(data: Mapping[str, Any], document: Document) -> Mapping[str, Any]:
    payload = data.get(document.field())
    if not isinstance(payload, Mapping):
        raise ShapeError(f"no {document.field()} payload")
    return payload


def scopes_of(data: Mapping[str, Any]) -> frozenset[str]:
    installation = data.get("currentAppInstallation")
    scopes = installation.get("accessScopes") if isinstance(installation, Mapping) else None
    if not isinstance(scopes, list):
        raise ShapeError("no currentAppInstallation accessScopes")
    return frozenset(str(s["handle"]) for s in scopes if isinstance(s, Mapping) and "handle" in s)
