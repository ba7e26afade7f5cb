"""Flow Service list answers: `{items:[…], _links:{next:{href}}}` (aep-platform-api.md §2.2, §2.3).

`_links.next.href` is relative to the *service* base (`/connections?continuationToken=…`), not to the
host, so it cannot be followed as a URL; the client takes its `continuationToken` and repeats the
original request (same filters) with it.  GET by id answers with the same wrapper holding one item.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

CONTINUATION_TOKEN = "continuationToken"


def next_href(body: object) -> str | None:
    """`_links.next.href`, or None on the last page."""
    if not isinstance(body, Mapping):
        return None
    links = body.get("_links")
    nxt = links.get("next") if isinstance(links, Mapping) else None
    href = nxt.get("href") if isinstance(nxt, Mapping) else nxt
    return href if isinstance(href, str) and href.strip() else None


def continuation_token(href: str) -> str | None:
    """The continuationToken query parameter of a next-page link, or None."""
    values = parse_qs(urlsplit(href).query, keep_blank_values=False).get(CONTINUATION_TOKEN)
    return values[0] if values else None


def next_token(body: object) -> str | None:
    href = next_href(body)
    return continuation_token(href) if href else None


def items(body: object) -> list[dict[str, Any]]:
    """The `items` list; ValueError when the body is not the documented wrapper."""
    if not isinstance(body, Mapping) or not isinstance(body.get("items"), list):
        raise ValueError("no 'items' list")
    found = body["items"]
    if not all(isinstance(item, dict) for item in found):
        raise ValueError("an item that is not an object")
    return list(found)


def single_item(body: object) -> dict[str, Any] | None:
    """items[0] of a GET-by-id answer, None for an empty list; ValueError when not the wrapper.

    Tolerates a bare object with an `id` (some endpoints and emulators skip the wrapper).
    """
    if isinstance(body, Mapping) and "items" not in body and isinstance(body.get("id"), str):
        return dict(body)
    found = items(body)
    return found[0] if found else None


def name_filter(name: str) -> str:
    """The `property` filter for an exact name; the caller still compares names itself, because a
    comma in a name would read as an OR list."""
    return f"name=={name}"
