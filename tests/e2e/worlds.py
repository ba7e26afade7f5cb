"""End-to-end fixtures (a pytest plugin, see tests/conftest.py): the real `pulumi` CLI, a throwaway
project copy, the emulator over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from shopstream.emulator import RunningEmulator
from tests.e2e.pulumi_project import PulumiProject

SCOPES = ["read_orders", "read_products", "read_customers"]


APP_SECRET = "shpss_" + "5" * 32  # the Shopify app's client secret (signs deliveries)
SANDBOX = "prod"
MAPPING = [
    {"expression": 'concat("shopify-", to_string(id), "-", updated_at)', "destination": "_id"},
    {"source": "email", "destination": "personalEmail.address"},
    {"source": "total_price", "destination": "_acme.order.total"},
]


class ShopifyWorld:
    """Two shops with one app each, tokens granted SCOPES, and the stack file that points at them."""

    shops = ("acme-eu", "acme-us")

    def __init__(self, emulator: RunningEmulator, project: PulumiProject) -> None:
        self.emulator = emulator
        self.project = project
        self.tokens: dict[str, str] = {}
        for shop in self.shops:
            emulator.control.create_shop(shop, client_secret=APP_SECRET)
            self.tokens[shop] = emulator.control.create_token(shop, SCOPES)

    def stack_file(
        self, shops: dict[str, list[Any]], address: str = "https://hooks.example.com/shopify"
    ) -> dict[str, Any]:
        return {
            "shopify": {
                # These worlds test the REST transport; tests/e2e/test_graphql.py the GraphQL one.
                "api": "rest",
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


class PipelineWorld(ShopifyWorld):
    """ShopifyWorld plus an AEP org, OAuth client, schema and dataset in the same emulator; stack files
    get a `platform:` section, so subscriptions deliver to the pipeline's inlet."""

    def __init__(self, emulator: RunningEmulator, project: PulumiProject) -> None:
        super().__init__(emulator, project)
        aep = emulator.control.aep
        self.org_id = aep.create_org(sandboxes=[SANDBOX])["id"]
        client = aep.create_client(self.org_id)
        self.client_id, self.client_secret = client["client_id"], client["client_secret"]
        self.schema_id = aep.create_schema(self.org_id, SANDBOX, "Shopify orders")
        self.dataset_id = aep.create_dataset(self.org_id, SANDBOX, "shopify-orders", self.schema_id)

    def init(self) -> None:
        self.project.init(self.tokens)
        self.project.run("config", "set", "--secret", "aepClientSecret", stdin=self.client_secret).check()
        self.project.run("config", "set", "--secret", "shopifyAppSecret", stdin=APP_SECRET).check()

    def stack_file(
        self, shops: dict[str, list[Any]], address: str | None = None, **platform: Any
    ) -> dict[str, Any]:
        desired = super().stack_file(shops)
        del desired["shopify"]["address"]
        desired["platform"] = {
            "ims_url": self.emulator.base_url,
            "platform_url": self.emulator.base_url,
            "ims_org": self.org_id,
            "sandbox": SANDBOX,
            "client_id": self.client_id,
            "dataset_id": self.dataset_id,
            "schema_id": self.schema_id,
            "flow_name": "shopstream-e2e",
            "mapping": MAPPING,
            **platform,
        }
        return desired

    def aep_writes(self, since: int = 0) -> list[dict[str, Any]]:
        return [r for r in self.emulator.control.aep.requests(since) if r["write"] and r["service"] != "ims"]

    def aep_last_seq(self) -> int:
        entries = self.emulator.control.aep.requests()
        return int(entries[-1]["seq"]) if entries else 0

    def aep_objects(self) -> list[dict[str, Any]]:
        return self.emulator.control.aep.objects(self.org_id, SANDBOX)


@pytest.fixture
def pipeline_world(tmp_path: Path, emulator_factory: Callable[..., RunningEmulator]) -> PipelineWorld:
    project = PulumiProject(tmp_path / "project", stack="e2e")
    return PipelineWorld(emulator_factory(), project)


@pytest.fixture
def world(tmp_path: Path, emulator_factory: Callable[..., RunningEmulator]) -> ShopifyWorld:
    project = PulumiProject(tmp_path / "project", stack="e2e")
    return ShopifyWorld(emulator_factory(), project)
