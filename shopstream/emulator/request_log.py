"""Per-shop log of the Admin API requests the emulator received (read through the control surface).

Entries record method, path, query, status, time, which token id / app made the call and any injected
fault (``shopstream.emulator.faults``), never a token value: the token travels in a header that is not
logged, and
query values that look secret are redacted. Kept in memory only (bounded), so it does not survive a restart.
GraphQL calls also carry ``graphql``: the operation, its root fields and its costs
(``shopstream.emulator.graphql_api``);
REST entries have no such key.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

MAX_ENTRIES_PER_SHOP = 10_000
REDACTED = "[REDACTED]"

_SECRET_KEY = re.compile(r"token|secret|password|hmac|signature", re.IGNORECASE)
_SECRET_VALUE = re.compile(r"^shp[a-z]{2}_")


@dataclass(frozen=True)
class LoggedRequest:
    seq: int
    time: str  # UTC, millisecond precision
    method: str
    path: str  # inside the shop, e.g. /admin/api/2026-10/webhooks.json
    query: str
    status: int
    app: str | None
    token_id: str | None
    fault: str | None = None  # an injected fault (emulator.faults), e.g. "ambiguous_503"
    graphql: dict[str, Any] | None = None  # GraphQL calls only (emulator.graphql_api)
    received: str | None = None  # when the request arrived (``time`` is when it was answered)


def redact_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    cleaned = [
        (key, REDACTED if _SECRET_KEY.search(key) or _SECRET_VALUE.match(value) else value)
        for key, value in pairs
    ]
    return urlencode(cleaned, safe=",")


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class RequestLog:
    """Not thread-safe by itself: callers hold the store lock."""

    def __init__(self, max_entries: int = MAX_ENTRIES_PER_SHOP) -> None:
        self._max = max_entries
        self._entries: dict[str, deque[LoggedRequest]] = {}
        self._seq = 0

    def record(
        self,
        shop: str,
        *,
        epoch: float,
        method: str,
        path: str,
        query: str,
        status: int,
        app: str | None,
        token_id: str | None,
        fault: str | None = None,
        graphql: dict[str, Any] | None = None,
        received_epoch: float | None = None,
    ) -> None:
        self._seq += 1
        received = None if received_epoch is None else _iso(received_epoch)
        entry = LoggedRequest(
            self._seq, _iso(epoch), method, path, redact_query(query), status, app, token_id, fault, graphql,
            received,
        )  # fmt: skip
        self._entries.setdefault(shop, deque(maxlen=self._max)).append(entry)

    def entries(self, shop: str, since: int = 0) -> list[dict[str, Any]]:
        """Entries with ``seq`` greater than ``since``, oldest first."""
        found = [asdict(e) for e in self._entries.get(shop, ()) if e.seq > since]
        for entry in found:
            if entry["graphql"] is None:
                del entry["graphql"]
        return found

    def clear(self, shop: str | None = None) -> None:
        if shop is None:
            self._entries.clear()
        else:
            self._entries.pop(shop, None)
