"""``WebhookSubscription`` for GraphQL: global ids, the object as GraphQL renders it, and the three mutations
with Shopify's ``userErrors`` (reference §4.1, §4.2, §4.4, §4.5). No GraphQL machinery here: plain values in,
plain values out; the caller holds ``store.lock`` and saves after a change.

The store is the REST one (``shopstream.emulator.state``): ``uri`` is the REST ``address``, ``includeFields``
the REST
``fields``, ``legacyResourceId`` the REST id; ``filter`` and ``name`` are GraphQL-only attributes.

Deviation (EMULATOR ALLOWANCE, as for REST): ``http://`` and ``https://`` URIs on loopback hosts are accepted,
so the local demo can deliver to 127.0.0.1; Shopify refuses ``http://`` everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shopstream.emulator import addresses
from shopstream.emulator.state import Shop, Store, Subscription, Token
from shopstream.shopify_api.topics import (
    RELEASE_CANDIDATE,
    STABLE_API_VERSIONS,
    UNSTABLE,
    grants_topic,
    graphql_enum,
)

GID_PREFIX = "gid://shopify/WebhookSubscription/"
MAX_NAME_LENGTH = 50

ADDRESS_FIELD = ["webhookSubscription", "callbackUrl"]  # Shopify still names the uri "callbackUrl" here
FORMAT_FIELD = ["webhookSubscription", "format"]
NAME_FIELD = ["webhookSubscription", "name"]
INPUT_FIELD = ["webhookSubscription"]
ID_FIELD = ["id"]

DUPLICATE = "Address for this topic has already been taken"
MISSING_SCOPE = "You cannot create a webhook subscription with the specified topic"
NOT_FOUND = "Webhook subscription does not exist"  # UNCONFIRMED live (reference §4.5)
NAME_TOO_SHORT = "Name is too short (minimum is 1 character)"
NAME_TOO_LONG = f"Name is too long (maximum is {MAX_NAME_LENGTH} characters)"  # Rails' wording; UNCONFIRMED
NAME_CHARACTERS = "Name name field can only contain alphanumeric characters, underscores, and hyphens"
NAME_TAKEN = "Name has already been taken"  # Rails' uniqueness wording; UNCONFIRMED
BAD_FILTER = (  # UNCONFIRMED live (reference §4.5)
    "The specified filter is invalid, please ensure you specify the field(s) you wish to filter on."
)
XML_ONLY_JSON_TOPIC = "Format 'xml' is invalid for this webhook topic. Allowed formats: json"

_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
# Topics that only deliver JSON. Captured for returns/approve; the emulator assumes every returns/* topic
# (UNCONFIRMED beyond returns/approve).
_JSON_ONLY_PREFIXES = ("returns/",)
_FILTER_OPERATORS = frozenset({"AND", "OR", "NOT"})

UserError = dict[str, Any]


def gid(sub_id: int) -> str:
    return f"{GID_PREFIX}{sub_id}"


def parse_gid(value: str) -> int | None:
    """The number of a WebhookSubscription gid; None for anything else (another type, garbage)."""
    if not value.startswith(GID_PREFIX):
        return None
    number = value.removeprefix(GID_PREFIX)
    return int(number) if number.isdigit() else None


def _utc(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def api_version_object(handle: str) -> dict[str, Any]:
    """Shopify's ``ApiVersion``: the captured release candidate reads "2026-07 (Release candidate)",
    supported false. "(Latest)" on the newest stable version follows Shopify's publicApiVersions."""
    if handle == RELEASE_CANDIDATE:
        return {"handle": handle, "displayName": f"{handle} (Release candidate)", "supported": False}
    if handle == UNSTABLE:
        return {"handle": handle, "displayName": "unstable", "supported": False}
    latest = " (Latest)" if handle == STABLE_API_VERSIONS[-1] else ""
    return {"handle": handle, "displayName": f"{handle}{latest}", "supported": handle in STABLE_API_VERSIONS}


def endpoint_object(uri: str) -> dict[str, Any]:
    if uri.startswith("pubsub://"):
        project, _, topic = uri.removeprefix("pubsub://").partition(":")
        return {"__typename": "WebhookPubSubEndpoint", "pubSubProject": project, "pubSubTopic": topic}
    if uri.startswith("arn:"):
        return {"__typename": "WebhookEventBridgeEndpoint", "arn": uri}
    return {"__typename": "WebhookHttpEndpoint", "callbackUrl": uri}


def render(sub: Subscription, shop: Shop) -> dict[str, Any]:
    """The object keyed by GraphQL field names (graphql-core's default resolver reads dict keys)."""
    app = shop.apps.get(sub.app)
    return {
        "id": gid(sub.id),
        "legacyResourceId": str(sub.id),  # UnsignedInt64 is a string in JSON
        "topic": graphql_enum(sub.topic),
        "uri": sub.address,
        # Deprecated, still answered: for a cloud destination it carries the uri too (UNCONFIRMED).
        "callbackUrl": sub.address,
        "endpoint": endpoint_object(sub.address),
        "format": sub.format.upper(),
        "includeFields": list(sub.fields),
        "metafieldNamespaces": list(sub.metafield_namespaces),
        "metafields": [],  # metafield identifiers are accepted but not kept (no resources are emulated)
        "filter": sub.filter,
        "name": sub.name,
        # The app's configured webhook version, not the request's (reference §4.3, live capture).
        "apiVersion": api_version_object(app.webhook_api_version if app else STABLE_API_VERSIONS[-1]),
        "createdAt": _utc(sub.created_at),
        "updatedAt": _utc(sub.updated_at),
    }


# --- validation -------------------------------------------------------------------------------------------


def _error(field: list[str], message: str) -> UserError:
    return {"field": list(field), "message": message}


def address_errors(uri: str | None) -> list[UserError]:
    if uri is None or uri == "":
        return [_error(ADDRESS_FIELD, f"Address {addresses.BLANK}")]
    return [_error(ADDRESS_FIELD, f"Address {message}") for message in addresses.address_errors(uri)]


def format_errors(topic: str, uri: str | None, fmt: str) -> list[UserError]:
    if fmt != "xml":
        return []
    if uri is not None and addresses.is_cloud_address(uri):
        return [_error(FORMAT_FIELD, f"Format {addresses.CLOUD_NEEDS_JSON}")]
    if topic.startswith(_JSON_ONLY_PREFIXES):
        return [_error(FORMAT_FIELD, XML_ONLY_JSON_TOPIC)]
    return []


def name_errors(name: str, shop: Shop, app: str, exclude: int | None) -> list[UserError]:
    errors: list[UserError] = []
    if not name:
        errors.append(_error(NAME_FIELD, NAME_TOO_SHORT))
    if len(name) > MAX_NAME_LENGTH:
        errors.append(_error(NAME_FIELD, NAME_TOO_LONG))
    if not _NAME.match(name):
        errors.append(_error(NAME_FIELD, NAME_CHARACTERS))
    if not errors and any(
        s.app == app and s.id != exclude and s.name is not None and s.name.lower() == name.lower()
        for s in shop.subscriptions.values()
    ):
        errors.append(_error(NAME_FIELD, NAME_TAKEN))  # unique per app, case-insensitive (reference §4.2)
    return errors


def filter_is_valid(text: str) -> bool:
    """A syntax check of Shopify's search syntax as filters use it: balanced parentheses and quotes, and every
    term a ``field:value`` pair (or AND/OR/NOT). "" is valid (no filter)."""
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    if depth != 0 or text.count('"') % 2:
        return False
    spaced = text.replace("(", " ").replace(")", " ")
    # Quoted values may contain spaces: drop them before splitting into terms.
    unquoted = re.sub(r'"[^"]*"', "x", spaced)
    for term in unquoted.split():
        if term in _FILTER_OPERATORS or term.startswith("-"):
            term = term.lstrip("-")
            if not term or term in _FILTER_OPERATORS:
                continue
        field, sep, value = term.partition(":")
        if not sep or not field or not value:
            return False
    return True


def _same_filter(a: str | None, b: str | None) -> bool:
    return (a or "") == (b or "")  # null and "" both mean "no filter"


def is_duplicate(shop: Shop, candidate: Subscription, exclude: int | None) -> bool:
    """Same app, topic, uri, format and filter (reference §4.5, §10 item 2)."""
    return any(
        s.app == candidate.app
        and s.id != exclude
        and s.topic == candidate.topic
        and s.address == candidate.address
        and s.format == candidate.format
        and _same_filter(s.filter, candidate.filter)
        for s in shop.subscriptions.values()
    )


# --- mutations --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    subscription: Subscription | None
    user_errors: list[UserError]
    changed: bool = False


def _uri_of(payload: Mapping[str, Any]) -> str | None:
    uri = payload.get("uri")
    if uri is None:
        uri = payload.get("callbackUrl")  # deprecated input (before 2026-04)
    return uri if isinstance(uri, str) else None


def _format_of(payload: Mapping[str, Any], default: str) -> str:
    value = payload.get("format")
    return str(value).lower() if value is not None else default


def _list_of(payload: Mapping[str, Any], key: str, default: list[str]) -> list[str]:
    value = payload.get(key)
    return list(value) if value is not None else list(default)


def _checks(
    shop: Shop, sub: Subscription, payload: Mapping[str, Any], *, exclude: int | None, new_uri: bool
) -> list[UserError]:
    """The userErrors of ``sub`` as it would be stored (``new_uri``: a uri was sent, so it is checked)."""
    errors = address_errors(sub.address) if new_uri else []
    errors += format_errors(sub.topic, sub.address, sub.format)
    if payload.get("name") is not None:
        errors += name_errors(str(payload["name"]), shop, sub.app, exclude)
    if payload.get("filter") is not None and not filter_is_valid(str(payload["filter"])):
        errors.append(_error(INPUT_FIELD, BAD_FILTER))
    if not errors and is_duplicate(shop, sub, exclude):
        errors.append(_error(ADDRESS_FIELD, DUPLICATE))
    return errors


def create(store: Store, shop: Shop, token: Token, topic: str, payload: Mapping[str, Any]) -> Outcome:
    """``webhookSubscriptionCreate`` for a REST-form ``topic`` the version knows."""
    if not grants_topic(token.scopes, topic):
        return Outcome(None, [_error(INPUT_FIELD, MISSING_SCOPE)])
    now = store.now()
    uri = _uri_of(payload)
    candidate = Subscription(
        id=0,
        app=token.app,
        address=uri or "",
        topic=topic,
        format=_format_of(payload, "json"),
        fields=_list_of(payload, "includeFields", []),
        metafield_namespaces=_list_of(payload, "metafieldNamespaces", []),
        created_at=now,
        updated_at=now,
        filter=payload.get("filter"),
        name=payload.get("name"),
    )
    errors = _checks(shop, candidate, payload, exclude=None, new_uri=True)
    if errors:
        return Outcome(None, errors)
    candidate.id = store.allocate_subscription_id()
    shop.subscriptions[candidate.id] = candidate
    return Outcome(candidate, [], changed=True)


def find(shop: Shop, token: Token, raw_id: str) -> Subscription | None:
    """The app's subscription with this gid; another app's subscription is as invisible as a missing one."""
    number = parse_gid(raw_id)
    sub = shop.subscriptions.get(number) if number is not None else None
    return sub if sub is not None and sub.app == token.app else None


def update(store: Store, shop: Shop, token: Token, raw_id: str, payload: Mapping[str, Any]) -> Outcome:
    """``webhookSubscriptionUpdate``: the input's present, non-null fields change; the topic cannot. A filter
    is cleared with ``""``; null or an absent key leaves a field as it is (UNCONFIRMED for null)."""
    sub = find(shop, token, raw_id)
    if sub is None:
        return Outcome(None, [_error(ID_FIELD, NOT_FOUND)])
    uri = _uri_of(payload)
    changed = Subscription(
        id=sub.id,
        app=sub.app,
        address=uri if uri is not None else sub.address,
        topic=sub.topic,
        format=_format_of(payload, sub.format),
        fields=_list_of(payload, "includeFields", sub.fields),
        metafield_namespaces=_list_of(payload, "metafieldNamespaces", sub.metafield_namespaces),
        created_at=sub.created_at,
        updated_at=sub.updated_at,
        filter=payload["filter"] if payload.get("filter") is not None else sub.filter,
        name=payload["name"] if payload.get("name") is not None else sub.name,
    )
    errors = _checks(shop, changed, payload, exclude=sub.id, new_uri=uri is not None)
    if errors:
        return Outcome(None, errors)
    fields = ("address", "format", "fields", "metafield_namespaces", "filter", "name")
    if any(getattr(changed, f) != getattr(sub, f) for f in fields):
        for f in fields:
            setattr(sub, f, getattr(changed, f))
        sub.updated_at = store.now()  # like Rails, only when something changed
        return Outcome(sub, [], changed=True)
    return Outcome(sub, [])


def delete(shop: Shop, token: Token, raw_id: str) -> tuple[str | None, list[UserError]]:
    """``webhookSubscriptionDelete``: the deleted gid, or the not-found userError."""
    sub = find(shop, token, raw_id)
    if sub is None:
        return None, [_error(ID_FIELD, NOT_FOUND)]
    del shop.subscriptions[sub.id]
    return gid(sub.id), []
