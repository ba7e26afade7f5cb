"""REST cursor pagination: the ``Link`` header and opaque ``page_info`` cursors (reference §2).

Sans-I/O: the emulator builds headers and cursors with these functions and the HTTP client parses them.

* Shopify's ``Link`` header has up to two entries, ``rel="previous"`` and ``rel="next"``, joined by ``", "``,
  with quoted rel values (Shopify's own JS client parses them with ``<([^<]+)>; rel="([^"]+)"``).
* ``page_info`` is opaque; here it is URL-safe base64 (no padding) of compact JSON, like the cursors
  Shopify emits. Only ``limit`` and ``fields`` may accompany it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

DEFAULT_LIMIT = 50
MAX_LIMIT = 250

# The only query parameters Shopify accepts next to page_info.
PAGE_INFO_COMPANIONS: frozenset[str] = frozenset({"limit", "fields"})

_LINK_ENTRY = re.compile(r'<([^<]+)>; rel="([^"]+)"')


class InvalidCursorError(ValueError):
    """A ``page_info`` value that this side did not produce (tampered, truncated, not base64 JSON)."""


def encode_cursor(payload: Mapping[str, Any]) -> str:
    """Opaque cursor for ``payload`` (JSON-serialisable)."""
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(page_info: str) -> dict[str, Any]:
    """Inverse of :func:`encode_cursor`; raises :class:`InvalidCursorError` for anything else."""
    padded = page_info + "=" * (-len(page_info) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded.encode("ascii"))
        value = json.loads(raw)
    except (UnicodeError, binascii.Error, ValueError) as exc:
        raise InvalidCursorError("page_info is not a valid cursor") from exc
    if not isinstance(value, dict):
        raise InvalidCursorError("page_info is not a valid cursor")
    return value


def page_url(base_url: str, page_info: str, limit: int, fields: str | None = None) -> str:
    """URL of one page: ``base_url`` (no query) plus ``page_info``, ``limit`` and, if given, ``fields``."""
    params: list[tuple[str, str]] = [("page_info", page_info), ("limit", str(limit))]
    if fields:
        params.append(("fields", fields))
    return f"{base_url}?{urlencode(params)}"


def build_link_header(
    base_url: str,
    *,
    limit: int,
    next_page_info: str | None = None,
    previous_page_info: str | None = None,
    fields: str | None = None,
) -> str | None:
    """The ``Link`` header value, or None when there is no other page (Shopify then sends no header).

    ``base_url`` is the resource URL without a query, e.g.
    ``https://acme.myshopify.com/admin/api/2026-10/webhooks.json``.
    """
    entries: list[str] = []
    if previous_page_info is not None:
        entries.append(f'<{page_url(base_url, previous_page_info, limit, fields)}>; rel="previous"')
    if next_page_info is not None:
        entries.append(f'<{page_url(base_url, next_page_info, limit, fields)}>; rel="next"')
    return ", ".join(entries) if entries else None


def parse_link_header(value: str | None) -> dict[str, str]:
    """``{"next": url, "previous": url}`` (only the rels present); ``{}`` for None or an empty header."""
    if not value:
        return {}
    return {rel: url for url, rel in _LINK_ENTRY.findall(value)}


def page_info_of(url: str) -> str | None:
    """The ``page_info`` query parameter of a Link URL, or None."""
    values = parse_qs(urlsplit(url).query).get("page_info")
    return values[0] if values else None
