"""REST leaky buckets, one per (shop, app) as Shopify keys them (reference §3.1).

Bucket levels live in memory only: a restart starts with empty buckets, like a quiet period would.
"""

from __future__ import annotations

from collections.abc import Callable

from shopstream.emulator.state import RateLimit, Shop
from shopstream.shopify_api.ratelimit import Admission, LeakyBucket


class Throttle:
    def __init__(self, default: RateLimit, clock: Callable[[], float]) -> None:
        self.default = default
        self._clock = clock
        self._buckets: dict[tuple[str, str], LeakyBucket] = {}

    def limit_for(self, shop: Shop) -> RateLimit:
        return shop.rate_limit or self.default

    def admit(self, shop: Shop, app: str) -> Admission:
        """Count one request of ``app`` on ``shop``. Caller holds the store lock."""
        limit = self.limit_for(shop)
        key = (shop.name, app)
        bucket = self._buckets.get(key)
        if bucket is None or (bucket.size, bucket.leak_rate) != (limit.bucket_size, limit.leak_rate):
            # New settings take effect with an empty bucket.
            bucket = LeakyBucket(limit.bucket_size, limit.leak_rate, self._clock)
            self._buckets[key] = bucket
        return bucket.try_acquire()

    def forget(self, shop_name: str | None = None) -> None:
        """Drop the buckets of one shop, or all of them."""
        if shop_name is None:
            self._buckets.clear()
            return
        for key in [k for k in self._buckets if k[0] == shop_name]:
            del self._buckets[key]
