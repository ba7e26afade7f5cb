"""REST Admin API rate limiting: the leaky bucket and its response headers (reference §3.1).

Sans-I/O: the emulator runs :class:`LeakyBucket` (with an injectable clock so tests are deterministic);
the HTTP client uses :func:`parse_call_limit` and :func:`retry_after_seconds` to read responses.

Shopify: a bucket of 40 requests per app and store leaking 2 per second; every response carries
``X-Shopify-Shop-Api-Call-Limit: used/size``; a request that finds the bucket full gets 429 with
``Retry-After: 2.0`` (seconds, may be fractional). Pass/fail, no queueing.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

DEFAULT_BUCKET_SIZE = 40
DEFAULT_LEAK_RATE = 2.0  # requests per second
# Shopify's documented (and observed) Retry-After on a REST 429.
SHOPIFY_RETRY_AFTER = 2.0
# Shopify's recommended back-off when no usable Retry-After is present.
DEFAULT_BACKOFF = 1.0

CALL_LIMIT_HEADER = "X-Shopify-Shop-Api-Call-Limit"
RETRY_AFTER_HEADER = "Retry-After"

Clock = Callable[[], float]

_CALL_LIMIT = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Admission:
    """Outcome of one request against a bucket."""

    allowed: bool
    used: int  # what the call-limit header shows after this request
    size: int
    retry_after: float  # seconds until one more request fits; 0.0 when allowed

    @property
    def header_value(self) -> str:
        return format_call_limit(self.used, self.size)


class LeakyBucket:
    """A bucket of ``size`` requests draining at ``leak_rate`` requests per second. Not thread-safe:
    the caller serialises access (the emulator holds its state lock)."""

    def __init__(self, size: int, leak_rate: float, clock: Clock = time.monotonic) -> None:
        if size < 1:
            raise ValueError("bucket size must be at least 1")
        if leak_rate <= 0:
            raise ValueError("leak rate must be positive")
        self.size = size
        self.leak_rate = leak_rate
        self._clock = clock
        self._level = 0.0
        self._last = clock()

    def level(self) -> float:
        """Current fill level after draining (fractional)."""
        now = self._clock()
        elapsed = max(0.0, now - self._last)
        self._level = max(0.0, self._level - elapsed * self.leak_rate)
        self._last = now
        return self._level

    def try_acquire(self) -> Admission:
        """Admit one request if it fits, else refuse it without adding to the bucket."""
        level = self.level()
        if level + 1 <= self.size:
            self._level = level + 1
            return Admission(True, _shown(self._level), self.size, 0.0)
        wait = (level + 1 - self.size) / self.leak_rate
        return Admission(False, min(self.size, _shown(level)), self.size, wait)


def _shown(level: float) -> int:
    # Round up so a bucket that cannot take another request reads "size/size"; the epsilon absorbs
    # float noise from draining (1.0000000001 must read 1, not 2).
    return math.ceil(level - 1e-9)


def format_call_limit(used: int, size: int) -> str:
    """``X-Shopify-Shop-Api-Call-Limit`` value, e.g. ``"32/40"``."""
    return f"{used}/{size}"


def parse_call_limit(value: str) -> tuple[int, int]:
    """``"32/40"`` -> ``(32, 40)``; raises ValueError for anything else."""
    match = _CALL_LIMIT.match(value)
    if match is None:
        raise ValueError(f"not a call-limit header value: {value!r}")
    used, size = int(match.group(1)), int(match.group(2))
    if size < 1:
        raise ValueError(f"not a call-limit header value: {value!r}")
    return used, size


def format_retry_after(seconds: float) -> str:
    """``Retry-After`` value in Shopify's style (seconds with one decimal, e.g. ``"2.0"``), rounded up so
    a client that honours it is not refused again."""
    tenths = math.ceil(max(0.0, seconds) * 10 - 1e-9)
    return f"{tenths / 10:.1f}"


def retry_after_seconds(
    value: str | None, *, default: float = DEFAULT_BACKOFF, now: datetime | None = None
) -> float:
    """Seconds to wait from a ``Retry-After`` value: delta-seconds (fractional allowed, as Shopify sends)
    or an HTTP date. Missing or unparseable -> ``default``; never negative.

    (Shopify's JS client mistakenly reads the value as milliseconds; this treats it as seconds.)
    """
    if value is None or not value.strip():
        return default
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return default
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if math.isnan(seconds) or math.isinf(seconds):
        return default
    return max(0.0, seconds)
