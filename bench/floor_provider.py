"""The benchmark's floor: a dynamic provider that does nothing, with the webhook subscription's inputs.

The same N resources through it, in an otherwise identical project, cost what Pulumi itself costs (engine,
language host, program, provider process, state); the real provider's time is reported as a ratio to it.
Importable (not defined in the program), so dill pickles it by reference exactly as it does the real one.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider

FLOOR_ID = "floor"
# The real resource's output-only properties, so the floor's state has the same shape.
OUTPUT_KEYS = (
    "webhook_id",
    "created_at",
    "updated_at",
    "adopted",
    "reported_api_version",
    "payload_api_version",
)
FIXED_OUTPUTS: dict[str, Any] = {
    "webhook_id": FLOOR_ID,
    "created_at": "2026-01-01T00:00:00-05:00",
    "updated_at": "2026-01-01T00:00:00-05:00",
    "adopted": False,
    "reported_api_version": "2026-10",
    "payload_api_version": "2026-10",
}


class FloorProvider(ResourceProvider):
    """create: a fixed id; read: the inputs; diff: never a change. No I/O at all."""

    serialize_as_secret_always = False

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(FLOOR_ID, {**props, **FIXED_OUTPUTS})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props)

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=False)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None


class FloorSubscription(Resource, module="bench", name="FloorSubscription"):
    """Stands where a WebhookSubscription stands in the real program, with the same inputs."""

    webhook_id: pulumi.Output[str]

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None, **inputs: Any) -> None:
        super().__init__(FloorProvider(), name, {**inputs, **dict.fromkeys(OUTPUT_KEYS)}, opts)
