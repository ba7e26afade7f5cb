"""The REST ``webhook`` resource: rendering, validation, filters and pagination (reference §1, §2).

No Flask here: functions take plain values and raise :class:`ApiError` with Shopify's status and body.
The caller holds ``store.lock`` and saves after mutations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from shopstream.emulator import addresses
from shopstream.emulator.errors import ApiError, not_found
from shopstream.emulator.state import Shop, Store, Subscription, Token
from shopstream.emulator.timeutil import format_timestamp, parse_timestamp
from shopstream.shopify_api.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    PAGE_INFO_COMPANIONS,
    InvalidCursorError,
    build_link_header,
    decode_cursor,
    encode_cursor,
)
from shopstream.shopify_api.topics import COMPLIANCE_TOPICS, grants_topic, known_topics, topics_allowed

FORMATS = ("json", "xml")
# Fields a client may send on create / update (anything else in the body is ignored, as Rails'
# strong parameters do). private_metafield_namespaces is deprecated and accepted but not stored.
_LIST_FIELDS = ("fields", "metafield_namespaces")
_TIME_FILTERS = ("created_at_min", "created_at_max", "updated_at_min", "updated_at_max")
COUNT_FILTERS = ("address", "topic")


def missing_webhook() -> ApiError:
    return ApiError(400, {"errors": {"webhook": "Required parameter missing or invalid"}})


def duplicate() -> ApiError:
    return ApiError(422, {"errors": {"address": ["for this topic has already been taken"]}})


# --- rendering ------------------------------------------------------------------------------------


def render(sub: Subscription, shop: Shop, fields: list[str] | None = None) -> dict[str, Any]:
    """The REST webhook object, optionally projected to ``fields`` (unknown names are ignored)."""
    app = shop.apps.get(sub.app)
    obj: dict[str, Any] = {
        "id": sub.id,
        "address": sub.address,
        "topic": sub.topic,
        "created_at": format_timestamp(sub.created_at, shop.timezone),
        "updated_at": format_timestamp(sub.updated_at, shop.timezone),
        "format": sub.format,
        "fields": list(sub.fields),
        "metafield_namespaces": list(sub.metafield_namespaces),
        # The app's configured webhook version, not the request's (reference §4.3, live capture): a
        # change of the app setting shows on every existing subscription.
        "api_version": app.webhook_api_version if app else None,
        # private_metafield_namespaces (deprecated) and metafield_identifiers (partly UNCONFIRMED) are
        # omitted: clients must not depend on either.
    }
    if fields:
        return {key: value for key, value in obj.items() if key in fields}
    return obj


def parse_fields_param(value: str | None) -> list[str] | None:
    """``fields=id,address`` -> ``["id", "address"]``; absent or empty -> None (all fields)."""
    if value is None:
        return None
    names = [name.strip() for name in value.split(",") if name.strip()]
    return names or None


# --- body validation ------------------------------------------------------------------------------


def require_webhook(body: Any) -> dict[str, Any]:
    """The ``webhook`` object of a request body; 400 when absent, empty or not an object (Rails'
    ``params.require(:webhook)`` treats an empty hash as missing)."""
    if not isinstance(body, dict):
        raise missing_webhook()
    payload = body.get("webhook")
    if not isinstance(payload, dict) or not payload:
        raise missing_webhook()
    return payload


def invalid_topic_message(topic: str, scopes: list[str], api_version: str) -> str:
    # The REST "Topics allowed" list oddly includes the compliance topics (reference §5).
    allowed = sorted({*topics_allowed(scopes, api_version), *COMPLIANCE_TOPICS})
    return (
        f"Invalid topic specified: {topic}. Does it exist? Is there a missing access scope? "
        f"Topics allowed: {', '.join(allowed)}"
    )


def _string_list(value: Any) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    return None


def _check_lists(payload: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, list[str]]:
    # A non-list `fields` is reported like any invalid attribute; the exact REST body is UNCONFIRMED.
    values: dict[str, list[str]] = {}
    for key in _LIST_FIELDS:
        if key not in payload or payload[key] is None:
            continue
        items = _string_list(payload[key])
        if items is None:
            errors[key] = [addresses.INVALID]
        else:
            values[key] = items
    return values


def _check_format(value: Any, address: str | None, errors: dict[str, list[str]]) -> str:
    fmt = "json" if value is None else value
    if fmt not in FORMATS:
        errors["format"] = ["is not included in the list"]
        return "json"
    if fmt != "json" and address is not None and addresses.is_cloud_address(address):
        errors["format"] = [addresses.CLOUD_NEEDS_JSON]
    return str(fmt)


def _check_address(value: Any, errors: dict[str, list[str]]) -> str | None:
    if value is None or value == "":
        errors["address"] = [addresses.BLANK]
        return None
    if not isinstance(value, str):
        errors["address"] = [addresses.INVALID]
        return None
    problems = addresses.address_errors(value)
    if problems:
        errors["address"] = problems
        return None
    return value


def _is_duplicate(shop: Shop, app: str, topic: str, address: str, fmt: str, exclude: int | None) -> bool:
    # Uniqueness per app and shop over (topic, address, format, filter) (reference §10.2). REST sets no
    # filter, so a GraphQL-made subscription with a filter is another subscription.
    return any(
        s.app == app
        and s.topic == topic
        and s.address == address
        and s.format == fmt
        and not s.filter
        and s.id != exclude
        for s in shop.subscriptions.values()
    )


# --- operations -----------------------------------------------------------------------------------


def create(store: Store, shop: Shop, token: Token, api_version: str, body: Any) -> Subscription:
    payload = require_webhook(body)
    errors: dict[str, list[str]] = {}
    topic = payload.get("topic")
    valid_topic: str | None = None
    if topic is None or topic == "":
        errors["topic"] = [invalid_topic_message("", token.scopes, api_version), addresses.BLANK]
    elif not isinstance(topic, str):
        errors["topic"] = [invalid_topic_message(str(topic), token.scopes, api_version)]
    elif topic not in known_topics(api_version) or not grants_topic(token.scopes, topic):
        # Unknown and not-granted topics get the same message (reference §1.4).
        errors["topic"] = [invalid_topic_message(topic, token.scopes, api_version)]
    else:
        valid_topic = topic
    address = _check_address(payload.get("address"), errors)
    fmt = _check_format(payload.get("format"), address, errors)
    lists = _check_lists(payload, errors)
    if errors or valid_topic is None or address is None:  # the last two imply errors
        raise ApiError(422, {"errors": errors})
    if _is_duplicate(shop, token.app, valid_topic, address, fmt, exclude=None):
        raise duplicate()
    now = store.now()
    sub = Subscription(
        id=store.allocate_subscription_id(),
        app=token.app,
        address=address,
        topic=valid_topic,
        format=fmt,
        fields=lists.get("fields", []),
        metafield_namespaces=lists.get("metafield_namespaces", []),
        created_at=now,
        updated_at=now,
    )
    shop.subscriptions[sub.id] = sub
    return sub


def find(shop: Shop, token: Token, webhook_id: int) -> Subscription:
    """The app's subscription; another app's subscription is as invisible as a missing one."""
    sub = shop.subscriptions.get(webhook_id)
    if sub is None or sub.app != token.app:
        raise not_found()
    return sub


def update(store: Store, shop: Shop, token: Token, webhook_id: int, body: Any) -> Subscription:
    """PUT: address, fields, metafield_namespaces and format may change; the topic may not."""
    sub = find(shop, token, webhook_id)
    payload = require_webhook(body)
    errors: dict[str, list[str]] = {}
    topic = payload.get("topic")
    if topic is not None and topic != sub.topic:
        # UNCONFIRMED whether REST PUT may change the topic (reference §1.3). The emulator treats it as
        # immutable, like GraphQL (no topic in the update input) and Terraform (ForceNew): delete and
        # create instead.
        errors["topic"] = ["can't be changed"]
    address = sub.address
    if "address" in payload:
        address = _check_address(payload["address"], errors) or sub.address
    fmt = _check_format(payload.get("format", sub.format), address, errors)
    lists = _check_lists(payload, errors)
    if errors:
        raise ApiError(422, {"errors": errors})
    if _is_duplicate(shop, sub.app, sub.topic, address, fmt, exclude=sub.id):
        raise duplicate()
    changed = (
        address,
        fmt,
        lists.get("fields", sub.fields),
        lists.get("metafield_namespaces", sub.metafield_namespaces),
    )
    if changed != (sub.address, sub.format, sub.fields, sub.metafield_namespaces):
        # Like Rails, updated_at moves only when something actually changed.
        sub.address, sub.format, sub.fields, sub.metafield_namespaces = changed
        sub.updated_at = store.now()
    return sub


def delete(shop: Shop, token: Token, webhook_id: int) -> None:
    sub = find(shop, token, webhook_id)
    del shop.subscriptions[sub.id]


# --- list and count -------------------------------------------------------------------------------


def _bad_param(name: str, message: str = "is invalid") -> ApiError:
    # The exact REST bodies for bad query parameters are UNCONFIRMED; the shape follows the documented
    # 400 `{"errors":{"<key>":"..."}}`.
    return ApiError(400, {"errors": {name: message}})


def parse_limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except ValueError:
        raise _bad_param("limit", f"must be an integer between 1 and {MAX_LIMIT}") from None
    if not 1 <= limit <= MAX_LIMIT:
        # "Setting this parameter outside the maximum range will return an error"; body UNCONFIRMED.
        raise _bad_param("limit", f"must be an integer between 1 and {MAX_LIMIT}")
    return limit


def _parse_filters(args: Mapping[str, str], tz_name: str) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    for key in ("address", "topic"):
        if args.get(key):
            filters[key] = args[key]
    if args.get("since_id"):
        try:
            filters["since_id"] = int(args["since_id"])
        except ValueError:
            raise _bad_param("since_id") from None
    for key in _TIME_FILTERS:
        if args.get(key):
            try:
                filters[key] = parse_timestamp(args[key], tz_name)
            except ValueError:
                raise _bad_param(key) from None
    return filters


def _matches(sub: Subscription, filters: Mapping[str, Any]) -> bool:
    checks: list[tuple[str, Callable[[Any], bool]]] = [
        ("address", lambda v: sub.address == v),
        ("topic", lambda v: sub.topic == v),
        ("since_id", lambda v: sub.id > v),
        ("created_at_min", lambda v: sub.created_at >= v),
        ("created_at_max", lambda v: sub.created_at <= v),
        ("updated_at_min", lambda v: sub.updated_at >= v),
        ("updated_at_max", lambda v: sub.updated_at <= v),
    ]
    return all(check(filters[key]) for key, check in checks if key in filters)


@dataclass(frozen=True)
class Page:
    items: list[Subscription]
    link: str | None  # the Link header, None when there is no other page
    fields: list[str] | None


def _decode_page_info(page_info: str) -> tuple[str, int, dict[str, Any]]:
    try:
        cursor = decode_cursor(page_info)
        direction, anchor, filters = cursor["dir"], cursor["id"], cursor["filters"]
    except (InvalidCursorError, KeyError):
        raise _bad_param("page_info", "Invalid value.") from None
    if direction not in ("next", "prev") or not isinstance(anchor, int) or not isinstance(filters, dict):
        raise _bad_param("page_info", "Invalid value.")
    return direction, anchor, filters


def list_page(shop: Shop, app_name: str, args: Mapping[str, str], base_url: str) -> Page:
    """One page of the app's subscriptions, in id order, and the Link header to its neighbours.

    Cursors carry the filters of the first request plus a direction and an anchor id: ``next`` means
    ids above the anchor, ``prev`` the last ``limit`` ids below it.
    """
    limit = parse_limit(args.get("limit"))
    fields_raw = args.get("fields")
    fields = parse_fields_param(fields_raw)
    page_info = args.get("page_info")
    if page_info is not None:
        extra = sorted(key for key in args if key not in PAGE_INFO_COMPANIONS and key != "page_info")
        if extra:
            # Shopify: "page_info can't be modified"; only limit and fields may accompany it.
            raise _bad_param(
                "page_info", f"only limit and fields may be sent with page_info, got {', '.join(extra)}"
            )
        direction, anchor, filters = _decode_page_info(page_info)
    else:
        direction, anchor, filters = "first", 0, _parse_filters(args, shop.timezone)

    matching = [s for s in shop.subscriptions_of(app_name) if _matches(s, filters)]
    if direction == "prev":
        before = [s for s in matching if s.id < anchor]
        items = before[-limit:]
    else:
        items = [s for s in matching if s.id > anchor][:limit] if direction == "next" else matching[:limit]

    next_info = prev_info = None
    if items:
        first_id, last_id = items[0].id, items[-1].id
        if any(s.id > last_id for s in matching):
            next_info = encode_cursor({"dir": "next", "id": last_id, "filters": filters})
        if direction != "first" and any(s.id < first_id for s in matching):
            prev_info = encode_cursor({"dir": "prev", "id": first_id, "filters": filters})
    elif direction == "next" and any(s.id <= anchor for s in matching):
        # Paged past the end (subscriptions deleted meanwhile): offer the way back.
        prev_info = encode_cursor({"dir": "prev", "id": anchor + 1, "filters": filters})
    elif direction == "prev" and any(s.id >= anchor for s in matching):
        next_info = encode_cursor({"dir": "next", "id": anchor - 1, "filters": filters})

    link = build_link_header(
        base_url,
        limit=limit,
        next_page_info=next_info,
        previous_page_info=prev_info,
        fields=fields_raw or None,
    )
    return Page(items=items, link=link, fields=fields)


def count(shop: Shop, app: str, args: Mapping[str, str]) -> int:
    filters = {key: args[key] for key in COUNT_FILTERS if args.get(key)}
    return sum(1 for s in shop.subscriptions_of(app) if _matches(s, filters))
