"""End-to-end fixtures: the real `pulumi` CLI, a throwaway project copy, the emulator over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from emulator import RunningEmulator
from tests.e2e.pulumi_project import PulumiProject

SCOPES = ["read_orders", "read_products", "read_customers"]


class ShopifyWorld:
    """Two shops with one app each, tokens granted SCOPES, and the stack file that points at them."""

    shops = ("acme-eu", "acme-us")

    def __init__(self, emulator: RunningEmulator, project: PulumiProject) -> None:
        self.emulator = emulator
        self.project = project
        self.tokens: dict[str, str] = {}
        for shop in self.shops:
            emulator.control.create_shop(shop)
            self.tokens[shop] = emulator.control.create_token(shop, SCOPES)

    def stack_file(
        self, shops: dict[str, list[Any]], address: str = "https://hooks.example.com/shopify"
    ) -> dict[str, Any]:
        return {
            "shopify": {
                "api_version": "2026-10",
                "endpoint": f"{self.emulator.base_url}/shops/{{shop}}",
                "address": address,
            },
            "shops": {shop: {"topics": topics} for shop, topics in shops.items()},
        }

    def subscriptions(self, shop: str) -> list[dict[str, Any]]:
        return self.emulator.control.subscriptions(shop)

    def by_topic(self, shop: str) -> dict[str, dict[str, Any]]:
        return {sub["topic"]: sub for sub in self.subscriptions(shop)}

    def write_requests(self, shop: str, since: int = 0) -> list[dict[str, Any]]:
        return [
            r
            for r in self.emulator.control.requests(shop, since=since)
            if r["method"] in {"POST", "PUT", "DELETE"}
        ]

    def last_request_seq(self, shop: str) -> int:
        log = self.emulator.control.requests(shop)
        return int(log[-1]["seq"]) if log else 0


@pytest.fixture
def world(tmp_path: Path, emulator_factory: Callable[..., RunningEmulator]) -> ShopifyWorld:
    project = PulumiProject(tmp_path / "project", stack="e2e")
    return ShopifyWorld(emulator_factory(), project)
