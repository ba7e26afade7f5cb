"""WebhookSubscription resource construction under Pulumi mocks (no engine, CRUD not called)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pulumi
import pytest

from shopstream.providers.shopify.webhook import OUTPUT_KEYS, WebhookSubscription

TYPE_TOKEN = "pulumi-python:dynamic/shopify:WebhookSubscription"


class Mocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.seen: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.seen.append(args)
        outputs = {
            **args.inputs,
            "webhook_id": "4759306",
            "adopted": False,
            "created_at": "2026-11-28T12:00:00-05:00",
        }
        return "4759306", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


@pytest.fixture
def mocks() -> Iterator[Mocks]:
    mocks = Mocks()
    pulumi.runtime.set_mocks(mocks, project="shopstream", stack="test", preview=False)
    yield mocks
    # Leave no mock engine/monitor behind for other tests in this process.
    pulumi.runtime.settings.reset_options()


def test_resource_exposes_outputs_and_serializes_a_plain_provider(mocks: Mocks) -> None:
    @pulumi.runtime.test  # type: ignore[untyped-decorator]  # pulumi leaves it unannotated
    def check() -> pulumi.Output[Any]:
        sub = WebhookSubscription(
            "orders-create",
            shop="acme-eu",
            topic="orders/create",
            address="https://hooks.example.com/o",
            api_version="2026-10",
            fields=["id"],
        )

        def verify(values: list[Any]) -> None:
            webhook_id, adopted, fields = values
            assert webhook_id == "4759306"
            assert adopted is False
            assert fields == ["id"]
            (args,) = mocks.seen
            assert args.typ == TYPE_TOKEN
            # Output-only keys are not sent as inputs (None is dropped), the provider is plain text.
            assert not set(OUTPUT_KEYS) & {k for k, v in args.inputs.items() if v is not None}
            assert isinstance(args.inputs["__provider"], str) and args.inputs["__provider"]
            assert "endpoint" not in args.inputs  # defaulted later by check()

        return pulumi.Output.all(sub.webhook_id, sub.adopted, sub.fields).apply(verify)

    check()
