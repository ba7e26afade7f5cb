"""AEP source connection for Shopify Streaming (POST /sourceConnections, reference §1.2).

Spec and data format are fixed (Shopify Streaming spec, `json`); the base connection id is an input
and changing it replaces the source connection (Adobe: create a new pair and a new dataflow rather
than re-pointing connections, §2.4).  Name and description are PATCHed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Unpack

import pulumi

from shopstream.aep_api import bodies, kinds
from shopstream.providers.aep import settings
from shopstream.providers.aep.common import AepResource, ConnectionInputs, FlowServiceProvider
from shopstream.providers.aep.settings import Failure

OUTPUT_KEYS = ("source_connection_id", "etag", "state", "adopted")


class SourceConnectionProvider(FlowServiceProvider):
    kind = kinds.SOURCE_CONNECTION
    noun = kinds.SOURCE_CONNECTION.noun
    id_output = "source_connection_id"
    input_keys = ("name", "description", "base_connection_id")
    replace_keys = ("base_connection_id",)
    update_keys = ("name", "description")
    patch_fields = bodies.NAME_DESCRIPTION_PATCH

    def normalise(self, news: Mapping[str, Any], failures: list[Failure]) -> dict[str, Any]:
        base = news.get("base_connection_id")
        return {
            "name": settings.name_input(news, failures),
            "description": settings.description_input(news, failures),
            "base_connection_id": (
                None
                if base in (None, "")
                else settings.id_input(news, "base_connection_id", "base connection", failures)
            ),
        }

    def body(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return bodies.source_connection(
            inputs["name"], inputs["description"], inputs.get("base_connection_id")
        )

    def matches(self, item: Mapping[str, Any], inputs: Mapping[str, Any]) -> bool:
        return bodies.source_connection_matches(item, inputs)

    def view(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return bodies.name_description_view(inputs)

    def item_inputs(self, item: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
        return {
            **super().item_inputs(item, props),
            "base_connection_id": item.get("baseConnectionId") or None,
        }


class AepSourceConnection(AepResource, module="aep", name="SourceConnection"):
    """A Flow Service source connection of the Shopify Streaming spec."""

    name: pulumi.Output[str]
    description: pulumi.Output[str]
    base_connection_id: pulumi.Output[str | None]
    source_connection_id: pulumi.Output[str]
    etag: pulumi.Output[str]
    state: pulumi.Output[str | None]
    adopted: pulumi.Output[bool]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        base_connection_id: pulumi.Input[str] | None = None,
        description: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **connection: Unpack[ConnectionInputs],
    ) -> None:
        inputs: dict[str, Any] = {
            "name": name,
            "description": description,
            "base_connection_id": base_connection_id,
        }
        super().__init__(SourceConnectionProvider(), resource_name, inputs, OUTPUT_KEYS, connection, opts)
