"""Webhook deliveries as data: settings, the delivery record, payload filtering and the request headers
(reference §8). No threads and no HTTP here; ``shopstream.emulator.deliveries`` runs them.

A *delivery* is one event sent to one subscription. It owns a fixed request (address, headers, body),
computed once when the event is triggered: retries, duplicates and redeliveries send exactly those bytes
with the same ``X-Shopify-Webhook-Id`` (Shopify: retries carry the original payload and go to the address
as it was when triggered).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from shopstream.shopify_api.webhook_signature import sign

# Shopify (since 2024-09-10): "retried a total of 8 times over 4 hours using an exponential backoff
# schedule". The intervals are UNCONFIRMED; we double from one minute: 1, 2, 4 ... 128 minutes between
# attempts, 15 300 s (4.25 h) in all, which matches "8 times over 4 hours" closely enough.
DEFAULT_RETRY_SCHEDULE: tuple[float, ...] = tuple(60.0 * 2**n for n in range(8))
DEFAULT_CONNECT_TIMEOUT = 1.0  # seconds, Shopify's documented connect timeout
DEFAULT_TIMEOUT = 5.0  # seconds, Shopify's documented total timeout
MAX_RETRIES = 100  # a schedule longer than this is a mistake, not a test
MAX_DELAY = 7 * 24 * 3600.0

# What the receiver sees as the client. Shopify's deliveries are commonly observed with this agent.
USER_AGENT = "Shopify-Captain-Hook"

# Delivery status (the outcome of Shopify's delivery cycle: the first attempt and its retries).
PENDING = "pending"  # the first attempt has not finished yet
RETRYING = "retrying"  # failed at least once, another attempt is scheduled
SUCCEEDED = "succeeded"  # an attempt got a 2xx
FAILED = "failed"  # the last retry failed; the subscription was not removed (already gone, or disabled)
SUBSCRIPTION_REMOVED = "subscription_removed"  # the last retry failed and the subscription was deleted
STATUSES: tuple[str, ...] = (PENDING, RETRYING, SUCCEEDED, FAILED, SUBSCRIPTION_REMOVED)

# Attempt kinds. Only "delivery" and "retry" belong to the cycle and decide the status; "duplicate" (the
# trigger's duplicate option) and "redeliver" (control) are extra sends that emulate Shopify's
# at-least-once duplicates and are only recorded.
DELIVERY = "delivery"
RETRY = "retry"
DUPLICATE = "duplicate"
REDELIVER = "redeliver"
CYCLE_KINDS: frozenset[str] = frozenset({DELIVERY, RETRY})


class SettingsError(ValueError):
    """A delivery setting with an unusable value (the message says which and why)."""


@dataclass(frozen=True)
class DeliverySettings:
    """How deliveries are made. ``retry_schedule`` holds the delay (seconds) before each retry; the number
    of retries is its length. Every delay is multiplied by ``time_scale`` (0.001 turns 4 h into ~15 s).
    Timeouts are not scaled."""

    retry_schedule: tuple[float, ...] = DEFAULT_RETRY_SCHEDULE
    time_scale: float = 1.0
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    timeout: float = DEFAULT_TIMEOUT
    # Shopify deletes an Admin-API-created subscription after its final failed retry. Every subscription
    # in the emulator is API-created (app-specific TOML subscriptions, which are never deleted, are not
    # emulated), so all are eligible.
    remove_failing_subscriptions: bool = True
    # Off: only loopback addresses are contacted; other subscriptions are skipped (tests and demos must
    # not reach the network by accident). On: any http(s) address, as Shopify does.
    allow_remote: bool = False

    def delay_before_retry(self, retry_index: int) -> float:
        """Seconds to wait before retry number ``retry_index + 1``."""
        return self.retry_schedule[retry_index] * self.time_scale

    def to_json(self) -> dict[str, Any]:
        return {
            "retry_schedule": list(self.retry_schedule),
            "time_scale": self.time_scale,
            "connect_timeout": self.connect_timeout,
            "timeout": self.timeout,
            "remove_failing_subscriptions": self.remove_failing_subscriptions,
            "allow_remote": self.allow_remote,
        }

    def updated(self, changes: dict[str, Any]) -> DeliverySettings:
        """A copy with ``changes`` (JSON values) applied; raises SettingsError for bad keys or values."""
        unknown = sorted(set(changes) - set(self.to_json()))
        if unknown:
            raise SettingsError(f"unknown delivery setting(s): {', '.join(unknown)}")
        values: dict[str, Any] = {}
        if "retry_schedule" in changes:
            values["retry_schedule"] = parse_retry_schedule(changes["retry_schedule"])
        for key in ("time_scale", "connect_timeout", "timeout"):
            if key in changes:
                values[key] = _positive(changes[key], key)
        for key in ("remove_failing_subscriptions", "allow_remote"):
            if key in changes:
                if not isinstance(changes[key], bool):
                    raise SettingsError(f"{key} must be true or false")
                values[key] = changes[key]
        return replace(self, **values)


def _positive(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SettingsError(f"{what} must be a number")
    number = float(value)
    if not math.isfinite(number) or number <= 0 or number > MAX_DELAY:
        raise SettingsError(f"{what} must be greater than 0 and at most {MAX_DELAY:g}")
    return number


def parse_retry_schedule(value: Any) -> tuple[float, ...]:
    """A list of delays in seconds, or the text ``"60,120,240"`` ("" = no retries)."""
    if isinstance(value, str):
        parts = [part.strip() for part in value.split(",") if part.strip()]
        try:
            items: list[Any] = [float(part) for part in parts]
        except ValueError:
            raise SettingsError(
                f"retry schedule {value!r}: use comma-separated seconds, e.g. 60,120"
            ) from None
    elif isinstance(value, list):
        items = value
    else:
        raise SettingsError("retry_schedule must be a list of seconds")
    if len(items) > MAX_RETRIES:
        raise SettingsError(f"retry_schedule has more than {MAX_RETRIES} retries")
    delays: list[float] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise SettingsError("retry_schedule must be a list of seconds")
        number = float(item)
        if not math.isfinite(number) or number < 0 or number > MAX_DELAY:
            raise SettingsError(f"retry delays must be between 0 and {MAX_DELAY:g} seconds")
        delays.append(number)
    return tuple(delays)


# --- the delivered request ------------------------------------------------------------------------


def filter_payload(payload: dict[str, Any], fields: list[str], namespaces: list[str]) -> dict[str, Any]:
    """What a subscription receives: the top-level keys in ``fields`` (all when empty).

    Metafield namespaces: Shopify adds the resource's metafields of those namespaces as ``metafields``.
    The emulator has no resources, so it can only filter what the triggered payload brings: when it has a
    ``metafields`` list, the entries of the subscription's namespaces are kept and included even if
    ``fields`` does not name ``metafields``. Without namespaces the payload's ``metafields`` is treated
    like any other key.
    """
    result = {key: value for key, value in payload.items() if not fields or key in fields}
    metafields = payload.get("metafields")
    if namespaces and isinstance(metafields, list):
        result["metafields"] = [
            entry for entry in metafields if isinstance(entry, dict) and entry.get("namespace") in namespaces
        ]
    return result


def encode_body(payload: dict[str, Any]) -> bytes:
    """Compact JSON in the payload's key order, UTF-8 (these exact bytes are signed and sent)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def epoch_nanos(clock: Callable[[], float]) -> int:
    """Now in integer nanoseconds: the real clock's own nanoseconds, or an injected (test) clock's value
    to the microsecond (a float has no more precision than that)."""
    if clock is time.time:
        return time.time_ns()
    return round(clock() * 1_000_000) * 1000


def rfc3339_nanos(nanos: int) -> str:
    """``2023-03-29T18:00:27.877041743Z`` (the ``X-Shopify-Triggered-At`` shape: UTC, nanoseconds)."""
    whole, fraction = divmod(nanos, 1_000_000_000)
    return datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{fraction:09d}Z"


def rfc3339_millis(epoch_seconds: float) -> str:
    return (
        datetime.fromtimestamp(epoch_seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def delivery_headers(
    *,
    topic: str,
    body: bytes,
    client_secret: str,
    shop_domain: str,
    api_version: str,
    webhook_id: str,
    event_id: str,
    triggered_at: str,
    name: str | None = None,
) -> dict[str, str]:
    """The request headers of one delivery (reference §8). The signature is computed here, once, so the
    client secret need not be kept; a secret rotated later applies to later events only (Shopify: rotation
    "can take up to an hour" to reach deliveries). ``X-Shopify-Name`` carries the subscription's name, when
    it has one (reference §8)."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": sign(body, client_secret),
        "X-Shopify-Shop-Domain": shop_domain,
        "X-Shopify-API-Version": api_version,
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Event-Id": event_id,
        "X-Shopify-Triggered-At": triggered_at,
    }
    if name:
        headers["X-Shopify-Name"] = name
    return headers


# --- records --------------------------------------------------------------------------------------


@dataclass
class Attempt:
    number: int  # 1, 2, ... over all sends of the delivery
    kind: str  # DELIVERY, RETRY, DUPLICATE or REDELIVER
    at: str  # when the send started, emulator clock, RFC3339 UTC
    offset_seconds: float  # real seconds since the event was triggered (to check a compressed schedule)
    duration_ms: float
    status_code: int | None  # None: no HTTP answer (timeout, connection error)
    error: str | None
    ok: bool

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Removal:
    reason: str
    at: str  # RFC3339 UTC, emulator clock
    subscription_id: int

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Delivery:
    id: int
    webhook_id: str
    event_id: str
    shop: str
    app: str
    subscription_id: int
    topic: str
    address: str  # as it was when triggered
    api_version: str
    triggered_at: str
    triggered_monotonic: float
    headers: dict[str, str]
    body: bytes
    status: str = PENDING
    attempts: list[Attempt] = field(default_factory=list)
    retries: int = 0  # retries sent so far (the cycle's attempts minus the first)
    active_sends: int = 0  # queued or in flight; 0 = settled
    next_retry_monotonic: float | None = None
    removal: Removal | None = None

    @property
    def settled(self) -> bool:
        return self.active_sends == 0

    def to_json(self, now_monotonic: float) -> dict[str, Any]:
        next_retry = None
        if self.next_retry_monotonic is not None:
            next_retry = round(max(0.0, self.next_retry_monotonic - now_monotonic), 3)
        return {
            "id": self.id,
            "webhook_id": self.webhook_id,
            "event_id": self.event_id,
            "shop": self.shop,
            "app": self.app,
            "subscription_id": self.subscription_id,
            "topic": self.topic,
            "address": self.address,
            "api_version": self.api_version,
            "triggered_at": self.triggered_at,
            "status": self.status,
            "settled": self.settled,
            "retries": self.retries,
            "next_retry_in_seconds": next_retry,
            "attempts": [attempt.to_json() for attempt in self.attempts],
            "removal": self.removal.to_json() if self.removal else None,
            # The body as sent (after field filtering); the signature header is included, the secret is not.
            "headers": dict(self.headers),
            "body": self.body.decode("utf-8"),
        }
