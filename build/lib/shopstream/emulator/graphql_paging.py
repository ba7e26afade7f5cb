"""``webhookSubscriptions`` paging: sort keys, opaque cursors, the ``query`` search string and one page of a
connection (reference §4.3, live captures [S22]). Pure functions over subscriptions; no GraphQL here.

Cursors are what Shopify emits: standard base64 (padded) of compact JSON
``{"last_id":…,"last_value":…}``, where ``last_value`` is the sort value: the creation time as
``2026-07-03 20:55:48.000000`` (UTC) for ``CREATED_AT`` (the default) and the id as a string for ``ID``.
Ties on the creation time are broken by id. A cursor names a
position, not the filters: the client repeats its arguments with ``after``/``before``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from shopstream.emulator.state import Subscription

MAX_PAGE_SIZE = 250
SORT_CREATED_AT = "CREATED_AT"
SORT_ID = "ID"
# UNCONFIRMED wording (not captured): Shopify's answer to a cursor it did not issue.
INVALID_CURSOR = "Invalid cursor for current pagination sort."

_VALUE_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
_TERM = re.compile(r"^(created_at|updated_at|id):(<=|>=|<|>)?(.+)$")

SortKey = tuple[int, ...]


class CursorError(ValueError):
    """A cursor this emulator did not issue (or issued for another sort key)."""


def sort_key(sub: Subscription, sort: str) -> SortKey:
    return (sub.id,) if sort == SORT_ID else (sub.created_at, sub.id)


def encode_cursor(sub: Subscription, sort: str) -> str:
    if sort == SORT_ID:
        value = str(sub.id)
    else:
        value = datetime.fromtimestamp(sub.created_at, UTC).strftime(_VALUE_FORMAT)
    raw = json.dumps({"last_id": sub.id, "last_value": value}, separators=(",", ":"))
    return base64.b64encode(raw.encode()).decode("ascii")


def decode_cursor(cursor: str, sort: str) -> SortKey:
    try:
        data = json.loads(base64.b64decode(cursor.encode("ascii"), validate=True))
        last_id, last_value = data["last_id"], data["last_value"]
        if not isinstance(last_id, int) or not isinstance(last_value, str):
            raise CursorError(INVALID_CURSOR)
        if sort == SORT_ID:
            if last_value != str(last_id):
                raise CursorError(INVALID_CURSOR)
            return (last_id,)
        moment = datetime.strptime(last_value, _VALUE_FORMAT).replace(tzinfo=UTC)
        return (int(moment.timestamp()), last_id)
    except (UnicodeError, binascii.Error, ValueError, KeyError, TypeError):
        raise CursorError(INVALID_CURSOR) from None


# --- the `query` search string ----------------------------------------------------------------------


def _moment(text: str) -> tuple[int, int] | None:
    """``2026-07-03`` (the whole day) or an ISO-8601 time (that second) as [start, end) Unix seconds.
    Times without an offset are read as UTC (UNCONFIRMED: Shopify may use the shop's time zone)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    start = int(moment.timestamp())
    return (start, start + (86_400 if len(text) == 10 else 1))


def _compare(op: str, value: int, low: int, high: int) -> bool:
    """``value`` against the range [low, high) of the term's operand."""
    if op == "<":
        return value < low
    if op == "<=":
        return value < high
    if op == ">":
        return value >= high
    if op == ">=":
        return value >= low
    return low <= value < high


def _id_check(op: str, low: int) -> Callable[[Subscription], bool]:
    return lambda sub: _compare(op, sub.id, low, low + 1)


def _time_check(op: str, span: tuple[int, int], attribute: str) -> Callable[[Subscription], bool]:
    return lambda sub: _compare(op, int(getattr(sub, attribute)), *span)


def search_predicate(query: str | None) -> Callable[[Subscription], bool]:
    """Shopify search syntax, the terms ``webhookSubscriptions`` documents: ``created_at``, ``updated_at`` and
    ``id`` with ``:``, ``:<``, ``:<=``, ``:>``, ``:>=``, joined by spaces or ``AND``.

    UNCONFIRMED and chosen: other terms (free text, unknown fields, OR/NOT) are ignored rather than refused,
    as Shopify's search generally does with terms it cannot use."""
    if not query:
        return lambda _sub: True
    try:
        words = shlex.split(query)
    except ValueError:
        words = query.split()
    checks: list[Callable[[Subscription], bool]] = []
    for word in words:
        match = _TERM.match(word)
        if not match:
            continue
        name, op, operand = match.group(1), match.group(2) or "", match.group(3)
        if name == "id":
            number = operand.rsplit("/", 1)[-1]  # a gid works as well as the number
            if not number.isdigit():
                continue
            low = int(number)
            checks.append(_id_check(op, low))
            continue
        span = _moment(operand)
        if span is None:
            continue
        attribute = "created_at" if name == "created_at" else "updated_at"
        checks.append(_time_check(op, span, attribute))
    return lambda sub: all(check(sub) for check in checks)


# --- one page ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    items: list[Subscription]
    cursors: list[str]
    has_next: bool
    has_previous: bool


def page_of(
    subs: Sequence[Subscription],
    *,
    sort: str,
    reverse: bool,
    first: int | None,
    last: int | None,
    after: str | None,
    before: str | None,
) -> Page:
    """The page of ``subs`` (already filtered) that the Relay arguments select; raises CursorError."""
    ordered = sorted(subs, key=lambda s: sort_key(s, sort), reverse=reverse)
    keys = [sort_key(s, sort) for s in ordered]

    def beyond(key: SortKey, anchor: SortKey) -> bool:  # later than the anchor in the listing order
        return key < anchor if reverse else key > anchor

    start, end = 0, len(ordered)
    if after is not None:
        anchor = decode_cursor(after, sort)
        start = next((i for i, key in enumerate(keys) if beyond(key, anchor)), len(ordered))
    if before is not None:
        anchor = decode_cursor(before, sort)
        end = next((i for i, key in enumerate(keys) if not beyond(anchor, key)), len(ordered))
        end = max(start, end)
    if first is not None:
        end = min(end, start + first)
    if last is not None:
        start = max(start, end - last)
    items = ordered[start:end]
    return Page(
        items=items,
        cursors=[encode_cursor(s, sort) for s in items],
        has_next=end < len(ordered),
        has_previous=start > 0,
    )
