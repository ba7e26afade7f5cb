"""Timestamps as the REST Admin API shows them: ISO-8601, second precision, in the shop's time zone
(e.g. ``2026-11-28T12:00:00-05:00``). Internally times are integer Unix seconds."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "-05:00"

_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


def parse_timezone(name: str) -> tzinfo:
    """A fixed offset ``±HH:MM``, ``UTC``, or an IANA zone name; raises ValueError otherwise."""
    match = _OFFSET.match(name)
    if match:
        sign, hours, minutes = match.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes))
        if delta >= timedelta(hours=24):
            raise ValueError(f"invalid time zone offset {name!r}")
        return timezone(-delta if sign == "-" else delta)
    if name in ("UTC", "Z"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r} (use ±HH:MM or an IANA name)") from exc


def format_timestamp(epoch_seconds: int, tz_name: str) -> str:
    """``2026-11-28T12:00:00-05:00`` for ``epoch_seconds`` in the shop's zone."""
    moment = datetime.fromtimestamp(epoch_seconds, parse_timezone(tz_name))
    return moment.isoformat(timespec="seconds")


def parse_timestamp(text: str, tz_name: str) -> int:
    """A filter value such as ``created_at_min`` -> Unix seconds. Values without an offset (including bare
    dates) are read in the shop's zone, as Shopify does. Raises ValueError."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=parse_timezone(tz_name))
    # Stored times have second precision, so sub-second parts of a bound are dropped.
    return int(moment.timestamp() // 1)
