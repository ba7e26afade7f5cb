"""Flow Service list queries (reference §2.3): ``property`` filters, ``orderby``, ``limit`` +
``continuationToken`` pages and ``count``. Pure functions over rendered items.

Filters (``property=...``, repeated = AND): ``path==a,b`` (any of), ``path!=a,b`` (none of), ``path>n``,
``>=``, ``<``, ``<=`` (numbers, one value), ``path~text`` (substring), ``path`` (present), ``!path``
(absent). ``path`` is dotted; ``name[]`` steps into every element of the array ``name``.

Pagination: the continuation token is self-contained (filters, order, limit and offset, base64url JSON),
so a client may follow ``_links.next.href`` as is or resend its own parameters with the token; the
token's own settings win. The default page size (100) is UNCONFIRMED; the maximum 1000 is the spec's.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shopstream.emulator.aep.errors import flow_error

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
ALLOWED_PARAMS = ("limit", "continuationToken", "orderby", "property", "count")
ORDERABLE_FIELDS = ("id", "name", "description", "state", "createdAt", "updatedAt")

_FILTER = re.compile(r"^(?P<neg>!)?(?P<path>[^=!<>~]+)(?:(?P<op>==|!=|>=|<=|>|<|~)(?P<value>.*))?$")


def _bad(code: str, message: str) -> Exception:
    return flow_error(code, 400, "Invalid request", message)


@dataclass(frozen=True)
class Filter:
    path: str
    op: str  # one of == != >= <= > < ~ exists absent
    values: tuple[str, ...]


@dataclass(frozen=True)
class ListQuery:
    properties: tuple[str, ...]
    orderby: str | None
    limit: int
    offset: int
    count: bool


def parse_filter(expression: str) -> Filter:
    match = _FILTER.match(expression)
    if match is None or not match.group("path").strip():
        raise _bad("1453", f"Invalid query value {expression} provided in query param.")
    path, op, value = match.group("path").strip(), match.group("op"), match.group("value")
    if op is None:
        return Filter(path, "absent" if match.group("neg") else "exists", ())
    if match.group("neg"):
        raise _bad("1450", f"Invalid operator !{op} in filter params.")
    if value is None or value == "":
        raise _bad("1453", f"Invalid query value {expression} provided in query param.")
    values = tuple(value.split(","))
    if op in (">", ">=", "<", "<=", "~") and len(values) > 1:
        raise _bad("1443", f"Operator '{op}' is not allowed for multiple values.")
    if op in (">", ">=", "<", "<="):
        try:
            float(values[0])
        except ValueError:
            raise _bad("1452", f"Invalid value {value} for field {path}.") from None
    return Filter(path, op, values)


def values_at(item: Any, path: str) -> list[Any]:
    """Every value at ``path`` (``a.b[].c``); missing steps contribute nothing."""
    current: list[Any] = [item]
    for step in path.split("."):
        expand = step.endswith("[]")
        key = step[:-2] if expand else step
        found = [node[key] for node in current if isinstance(node, dict) and key in node]
        if expand:
            current = [element for value in found if isinstance(value, list) for element in value]
        else:
            current = found
    # An array reached without "[]" is compared element by element too (lenient).
    flat: list[Any] = []
    for value in current:
        flat.extend(value if isinstance(value, list) else [value])
    return flat


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def matches(item: dict[str, Any], flt: Filter) -> bool:
    found = [value for value in values_at(item, flt.path) if value is not None]
    if flt.op == "exists":
        return bool(found)
    if flt.op == "absent":
        return not found
    if flt.op == "==":
        return any(_text(value) in flt.values for value in found)
    if flt.op == "!=":
        return not any(_text(value) in flt.values for value in found)
    if flt.op == "~":
        return any(flt.values[0] in _text(value) for value in found)
    bound = float(flt.values[0])
    numbers = [n for n in (_number(value) for value in found) if n is not None]
    compare: dict[str, Callable[[float], bool]] = {
        ">": lambda n: n > bound,
        ">=": lambda n: n >= bound,
        "<": lambda n: n < bound,
        "<=": lambda n: n <= bound,
    }
    return any(compare[flt.op](n) for n in numbers)


def parse_orderby(value: str) -> tuple[str, bool]:
    """``name`` / ``+name`` / ``-name`` -> (field, descending)."""
    descending = value.startswith("-")
    field = value[1:] if value[:1] in ("+", "-") else value
    if field not in ORDERABLE_FIELDS:
        raise _bad("1433", f"Incorrect field= {field} passed in orderBy, example are +name, -name, name.")
    return field, descending


def encode_token(query: ListQuery, offset: int) -> str:
    raw = {"p": list(query.properties), "o": query.orderby, "l": query.limit, "s": offset}
    return base64.urlsafe_b64encode(json.dumps(raw, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_token(token: str) -> ListQuery:
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        query = ListQuery(
            properties=tuple(str(p) for p in raw["p"]),
            orderby=raw["o"] if raw["o"] is None else str(raw["o"]),
            limit=int(raw["l"]),
            offset=int(raw["s"]),
            count=False,
        )
    except (ValueError, KeyError, TypeError):
        raise _bad(
            "1453", f"Invalid query value continuationToken={token} provided in query param."
        ) from None
    if query.offset < 0 or not 1 <= query.limit <= MAX_LIMIT:
        raise _bad("1453", f"Invalid query value continuationToken={token} provided in query param.")
    return query


def parse_query(args: dict[str, list[str]]) -> ListQuery:
    """The list query of a request (``request.args.to_dict(flat=False)``); raises AepError (400)."""
    for key in args:
        if key not in ALLOWED_PARAMS:
            raise _bad("1451", f"Invalid params {key} provided in query params.")
    tokens = args.get("continuationToken")
    if tokens:
        query = _decode_token(tokens[-1])
    else:
        count_values = args.get("count", [])
        count = bool(count_values) and count_values[-1].lower() == "true"
        if count and "limit" in args:
            raise _bad(
                "1401",
                "The limit and count parameters cannot be given together in the same request. "
                "Please provide either only the limit or the count parameter and try again.",
            )
        limit = DEFAULT_LIMIT
        if "limit" in args:
            raw_limit = args["limit"][-1]
            try:
                limit = int(raw_limit)
            except ValueError:
                raise _bad("1452", f"Invalid value {raw_limit} for field limit.") from None
            if not 1 <= limit <= MAX_LIMIT:
                raise _bad("1452", f"Invalid value {raw_limit} for field limit.")
        orderby = args["orderby"][-1] if args.get("orderby") else None
        query = ListQuery(tuple(args.get("property", [])), orderby, limit, 0, count)
    for expression in query.properties:
        parse_filter(expression)  # validate early, even on an empty collection
    if query.orderby is not None:
        parse_orderby(query.orderby)
    return query


def select(items: list[dict[str, Any]], query: ListQuery) -> list[dict[str, Any]]:
    """Filtered and ordered items (creation order unless ``orderby``)."""
    filters = [parse_filter(expression) for expression in query.properties]
    chosen = [item for item in items if all(matches(item, flt) for flt in filters)]
    if query.orderby is not None:
        field, descending = parse_orderby(query.orderby)
        present = [item for item in chosen if item.get(field) is not None]
        missing = [item for item in chosen if item.get(field) is None]
        present.sort(key=lambda item: _sort_key(item[field]), reverse=descending)
        chosen = present + missing  # absent values last either way
    return chosen


def _sort_key(value: Any) -> tuple[int, float, str]:
    """Numbers before text; text case-insensitively."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, _text(value).lower())


def page(items: list[dict[str, Any]], query: ListQuery, collection_path: str) -> dict[str, Any]:
    """The list response body: ``{"count": N}`` or ``{"items": [...], "_links": {"next": {"href"}}}``
    with ``href`` relative to the Flow Service base, e.g. ``/flows?continuationToken=...``."""
    chosen = select(items, query)
    if query.count:
        return {"count": len(chosen)}
    end = query.offset + query.limit
    body: dict[str, Any] = {"items": chosen[query.offset : end]}
    if end < len(chosen):
        body["_links"] = {"next": {"href": f"{collection_path}?continuationToken={encode_token(query, end)}"}}
    return body
