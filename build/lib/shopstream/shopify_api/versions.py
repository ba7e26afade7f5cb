"""Admin API versions as Shopify publishes them, derived from a date instead of a list to edit each quarter.

Reference §6: a version is released at the start of each quarter (``YYYY-01``, ``-04``, ``-07``, ``-10``)
and served for 12 months; the next quarter's version is the release candidate; ``unstable`` always
exists. Shopify's graphql-client computes the supported set as the current quarter's version, the three
before it, the next one and ``unstable`` [S38]; a request for any other version (absent, retired,
malformed, future) falls forward to the oldest supported stable version [S35][S36].

Pure functions of a ``datetime.date``; ``today_utc()`` is the one place that reads the clock. Days, not
hours: Shopify releases at 17:00 UTC on the first day of a quarter, so for those few hours this module
(like the graphql-client, which looks only at the month) already names the new version.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import cache

UNSTABLE = "unstable"
QUARTER_MONTHS = (1, 4, 7, 10)
SERVED_MONTHS = 12  # §6: each stable version is supported at least 12 months

# A dated handle as Shopify spells it. fullmatch, not `$`: "2026-10\n" is not a version.
_HANDLE = re.compile(r"([0-9]{4})-(01|04|07|10)")


def today_utc() -> date:
    """Today's date in UTC (Shopify's release calendar is in UTC)."""
    return datetime.now(UTC).date()


def is_version_handle(text: str) -> bool:
    """Whether ``text`` is spelled like an Admin API version (``YYYY-01/04/07/10`` or ``unstable``),
    whether or not Shopify serves it today."""
    return text == UNSTABLE or _HANDLE.fullmatch(text) is not None


def _quarter_index(version: str) -> int | None:
    """Quarters since year 0 (``2026-10`` -> 2026*4 + 3), None for ``unstable`` and malformed text."""
    found = _HANDLE.fullmatch(version)
    if found is None:
        return None
    return int(found.group(1)) * 4 + QUARTER_MONTHS.index(int(found.group(2)))


def _handle(index: int) -> str:
    year, quarter = divmod(index, 4)
    return f"{year:04d}-{QUARTER_MONTHS[quarter]:02d}"


def _current_index(today: date) -> int:
    return today.year * 4 + (today.month - 1) // 3


def current_version(today: date) -> str:
    """The version released at the start of ``today``'s quarter (the newest stable one)."""
    return _handle(_current_index(today))


@cache
def stable_versions(today: date) -> tuple[str, ...]:
    """The stable versions served on ``today``, oldest first: this quarter's and the three before it."""
    current = _current_index(today)
    return tuple(_handle(index) for index in range(current - 3, current + 1))


def latest_stable(today: date) -> str:
    return current_version(today)


def oldest_stable(today: date) -> str:
    return stable_versions(today)[0]


def release_candidate(today: date) -> str:
    """Next quarter's version, available before its release as the release candidate."""
    return _handle(_current_index(today) + 1)


@cache
def supported_versions(today: date) -> tuple[str, ...]:
    """Every version a request may name on ``today``: the four stable ones (oldest first), the release
    candidate and ``unstable``."""
    return (*stable_versions(today), release_candidate(today), UNSTABLE)


def is_served(version: str, today: date) -> bool:
    """Whether Shopify answers ``version`` itself on ``today`` (served 12 months from its release, plus the
    release candidate and ``unstable``), rather than falling forward."""
    return version in supported_versions(today)


def served_version(requested: str | None, today: date) -> str:
    """The version Shopify actually uses for a request naming ``requested``: itself while served, else
    (absent, retired, malformed, future) the oldest supported stable version."""
    if requested is not None and is_served(requested, today):
        return requested
    return oldest_stable(today)


def retirement_date(version: str) -> date | None:
    """The first day ``version`` is no longer served (12 months after its release); None for ``unstable``
    or a malformed handle."""
    index = _quarter_index(version)
    if index is None:
        return None
    year, quarter = divmod(index + SERVED_MONTHS // 3, 4)
    return date(year, QUARTER_MONTHS[quarter], 1)


def sort_key(version: str) -> tuple[int, int]:
    """Chronological order; ``unstable`` after every dated version, malformed text before all."""
    if version == UNSTABLE:
        return (1, 0)
    index = _quarter_index(version)
    return (0, index) if index is not None else (-1, 0)


def at_least(version: str, minimum: str) -> bool:
    """Whether ``version`` is ``minimum`` or newer (``unstable`` is newer than every dated version)."""
    return sort_key(version) >= sort_key(minimum)
