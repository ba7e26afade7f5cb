"""Client-side pacing for Shopify's rate limits: one bucket model for REST and GraphQL (sans-I/O).

Shopify limits each (shop, app) with a bucket (reference §3): REST counts requests (40, leaking 2/s,
shown as ``X-Shopify-Shop-Api-Call-Limit: used/size``), GraphQL counts points (``throttleStatus``:
maximumAvailable, currentlyAvailable, restoreRate).  Both are modelled here as *available capacity*
that refills at a rate, so one pacing rule serves both:

* every answer that shows the bucket replaces the model's view (``observe``);
* before sending, a caller *reserves* the cost it is about to spend and is told how long to wait so
  that the projected capacity never goes below a small safety margin.  Reservations that are not yet
  settled count against the capacity, so concurrent callers queue up with increasing waits instead of
  all sending at once and all being throttled;
* a throttled answer empties the model until its Retry-After (REST) or its restore time (GraphQL).

REST headers do not carry the leak rate.  Shopify's plans keep the bucket at 20 seconds of leak (40 at
2/s, Plus 400 at 20/s, §3.1), so ``size / 20`` is the starting assumption; observations taken at least
a second apart refine it upwards (an Advanced plan leaks 4/s) but never below that floor — a rate
that is too slow only costs time, one that is too fast costs 429s.

The model holds no lock and does no I/O; ``shopstream.providers.shopify.session`` wraps it with a lock and
sleeps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

REST_SECONDS_TO_DRAIN = 20.0  # Shopify's plans: bucket size / leak rate (40/2, 400/20)
REST_DEFAULT_SIZE = 40
REST_SAFETY_MARGIN = 1.0  # keep one request of room for a request another process may send
GRAPHQL_DEFAULT_MAXIMUM = 2000.0
GRAPHQL_DEFAULT_RESTORE = 100.0
GRAPHQL_SAFETY_MARGIN = 0.0  # throttleStatus is exact; costs are reserved at their requested value
MIN_LEARNING_INTERVAL = 1.0  # seconds between two observations before a leak estimate is trusted


@dataclass(frozen=True)
class BucketView:
    """What one answer said about the bucket, at the time it was received (monotonic seconds)."""

    capacity: float
    available: float
    rate: float | None  # points or requests restored per second; None when the answer does not say
    at: float


def rest_view(used: int, size: int, at: float) -> BucketView:
    """The view of an ``X-Shopify-Shop-Api-Call-Limit: used/size`` header."""
    return BucketView(float(size), float(size - used), None, at)


def graphql_view(maximum: float, currently: float, restore_rate: float, at: float) -> BucketView:
    """The view of ``extensions.cost.throttleStatus``."""
    return BucketView(float(maximum), float(currently), float(restore_rate), at)


def learned_leak_rate(
    earlier: BucketView, later: BucketView, spent_between: float, floor: float
) -> float | None:
    """The leak rate two REST observations imply, or None when they cannot tell.

    ``spent_between`` is what this client spent after ``earlier`` was taken and up to ``later``. The
    estimate is only trusted over an interval of at least MIN_LEARNING_INTERVAL and while the bucket
    was not empty at the end (an empty bucket hides how much more it could have drained).
    """
    interval = later.at - earlier.at
    if interval < MIN_LEARNING_INTERVAL or later.available >= later.capacity:
        return None
    restored = later.available - earlier.available + spent_between
    if restored <= 0:
        return None
    # Capped: a bucket that would drain in under two seconds is not a plan Shopify sells.
    return max(floor, min(restored / interval, later.capacity / 2))


class BucketModel:
    """The client's view of one (shop, app) bucket; see the module docstring.  Not thread-safe."""

    def __init__(self, capacity: float, rate: float, margin: float, *, learn_rate: bool, now: float) -> None:
        self.capacity = capacity
        self.rate = rate
        self.margin = margin
        self._learn_rate = learn_rate
        self._available = capacity
        self._at = now
        self._reserved = 0.0  # reserved and not yet settled
        self._blocked_until = 0.0  # after a throttled answer
        self._last_view: BucketView | None = None
        self._spent_since_view = 0.0

    @classmethod
    def for_rest(cls, now: float, size: int = REST_DEFAULT_SIZE) -> BucketModel:
        return cls(float(size), size / REST_SECONDS_TO_DRAIN, REST_SAFETY_MARGIN, learn_rate=True, now=now)

    @classmethod
    def for_graphql(cls, now: float) -> BucketModel:
        return cls(
            GRAPHQL_DEFAULT_MAXIMUM, GRAPHQL_DEFAULT_RESTORE, GRAPHQL_SAFETY_MARGIN, learn_rate=False, now=now
        )

    def projected(self, now: float) -> float:
        """Capacity available at ``now`` if nothing else were spent, before reservations."""
        return min(self.capacity, self._available + self.rate * max(0.0, now - self._at))

    def reserve(self, cost: float, now: float) -> float:
        """Reserve ``cost`` and return the seconds to wait before spending it (0 when it fits now)."""
        cost = min(cost, self.capacity - self.margin) if self.capacity > self.margin else cost
        free = self.projected(now) - self._reserved - self.margin
        self._reserved += cost
        wait = 0.0 if free >= cost else (cost - free) / self.rate
        return max(wait, self._blocked_until - now)

    def settle(self, cost: float) -> None:
        """The reserved ``cost`` was spent (or abandoned); the next observation shows its effect."""
        self._reserved = max(0.0, self._reserved - cost)
        self._spent_since_view += cost

    def observe(self, view: BucketView) -> None:
        """An answer showed the bucket: adopt its figures (and refine the REST leak rate)."""
        if view.rate is not None and view.rate > 0:
            self.rate = view.rate
        elif self._learn_rate and self._last_view is not None:
            floor = view.capacity / REST_SECONDS_TO_DRAIN
            learned = learned_leak_rate(self._last_view, view, self._spent_since_view, floor)
            if learned is not None:
                self.rate = learned
        if view.capacity > 0 and view.capacity != self.capacity:
            self.capacity = view.capacity
            if self._learn_rate:
                self.rate = max(self.rate, view.capacity / REST_SECONDS_TO_DRAIN)
        if self._last_view is None or view.at - self._last_view.at >= MIN_LEARNING_INTERVAL:
            self._last_view = view
            self._spent_since_view = 0.0
        # Spent reservations whose answers are still in flight are already counted by Shopify; the
        # settled ones are in the view.  Take the view as the truth from its moment on.
        self._available = min(self.capacity, view.available)
        self._at = view.at

    def throttled(self, now: float, retry_after: float | None, cost: float = 1.0) -> float:
        """A throttled answer: the bucket is empty; returns the seconds to wait before trying again."""
        if retry_after is None or retry_after <= 0:
            retry_after = max(1.0, (cost + self.margin) / self.rate)
        self._available = 0.0
        self._at = now
        self._blocked_until = max(self._blocked_until, now + retry_after)
        return math.ceil(retry_after * 100) / 100
