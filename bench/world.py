"""The benchmark's Shopify side: N subscriptions as shops of 40 real topics, their tokens in the emulator,
the stack file that declares them, and what the emulator saw (request log, subscriptions)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bench.metrics import Convergence, Traffic, convergence
from shopstream.emulator.control_client import ControlClient
from shopstream.shopify_api.topics import FILTER_REQUIRED_TOPICS, scope_alternatives, topics_allowed

API_VERSION = "2026-10"
SCOPES = ("read_orders", "read_products", "read_customers")
TOPICS_PER_SHOP = 40
ADDRESS = "https://hooks.example.com/shopstream-bench"


def bench_topics(count: int = TOPICS_PER_SHOP) -> list[str]:
    """`count` real topics of API_VERSION that need one of SCOPES (not scope-free ones, not filter-only
    ones), in a stable order."""
    usable = [
        t
        for t in topics_allowed(SCOPES, API_VERSION)
        if scope_alternatives(t) and t not in FILTER_REQUIRED_TOPICS
    ]
    if len(usable) < count:
        raise ValueError(f"only {len(usable)} topics are granted by {', '.join(SCOPES)}")
    return usable[:count]


def layout(n: int, per_shop: int = TOPICS_PER_SHOP) -> dict[str, list[str]]:
    """N subscriptions as ceil(N/per_shop) shops `bench-00`, ... of `per_shop` topics (the last: the rest)."""
    if n < 1:
        raise ValueError("N must be at least 1")
    topics = bench_topics(per_shop)
    shops: dict[str, list[str]] = {}
    for index in range(math.ceil(n / per_shop)):
        shops[f"bench-{index:02d}"] = topics[: min(per_shop, n - index * per_shop)]
    return shops


@dataclass
class ShopifyBenchWorld:
    """Shops and tokens created in the emulator for `shops` (shop -> topics)."""

    control: ControlClient
    base_url: str
    shops: dict[str, list[str]]
    tokens: dict[str, str] = field(default_factory=dict)

    def create(self) -> ShopifyBenchWorld:
        for shop in self.shops:
            self.control.create_shop(shop)
            self.tokens[shop] = self.control.create_token(shop, list(SCOPES))
        return self

    def stack_file(self, **shopify: Any) -> dict[str, Any]:
        return {
            "shopify": {
                "api_version": API_VERSION,
                "endpoint": f"{self.base_url}/shops/{{shop}}",
                "address": ADDRESS,
                **shopify,
            },
            "shops": {shop: {"topics": list(topics)} for shop, topics in self.shops.items()},
        }

    def marks(self) -> dict[str, int]:
        """The last request-log sequence number per shop (0 when empty): where an operation starts."""
        marks: dict[str, int] = {}
        for shop in self.shops:
            log = self.control.requests(shop)
            marks[shop] = int(log[-1]["seq"]) if log else 0
        return marks

    def traffic_since(self, marks: Mapping[str, int]) -> dict[str, Traffic]:
        return {
            shop: Traffic.of(self.control.requests(shop, since=marks.get(shop, 0))) for shop in self.shops
        }

    def subscriptions(self) -> dict[str, list[dict[str, Any]]]:
        return {shop: self.control.subscriptions(shop) for shop in self.shops}

    def convergence(self) -> Convergence:
        return convergence(self.shops, self.subscriptions(), ADDRESS)
