"""AEP dataflow for Shopify Streaming (POST /flows with the GenericStreamingAEP flow spec, §1.5-§1.6).

* name, description and the mapping (mapping_id / mapping_version → `replace /transformations/0`)
  are PATCHed with the etag; a new source or target connection replaces the flow (Adobe guidance:
  a new connection pair goes with a new dataflow, §2.4).  Replacement is create-before-delete, so
  the new flow (and its new inlet URL) exists before the old one goes.
* The streaming inlet URL (`options.inletUrl`) may appear only once the flow is provisioned; create
  and update poll GET for it up to `inlet_url_timeout` seconds (an input that diff ignores).
* Outputs: flow_id, etag, state, inlet_url, inlet_id (the URL's last segment), adopted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Unpack

import pulumi

from shopstream.aep_api import bodies, errors, ids, kinds
from shopstream.providers.aep import settings
from shopstream.providers.aep.client import DEFAULT_INLET_URL_TIMEOUT, PlatformClient
from shopstream.providers.aep.common import AepResource, ConnectionInputs, FlowServiceProvider
from shopstream.providers.aep.settings import Failure
from shopstream.providers.unknowns import is_unknown

OUTPUT_KEYS = ("flow_id", "etag", "state", "inlet_url", "inlet_id", "adopted")


def _mapping_version(news: Mapping[str, Any], failures: list[Failure]) -> object:
    value = news.get("mapping_version")
    if value is None:
        return 0
    if is_unknown(value):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and value >= 0
        and float(value).is_integer()
    ):
        return int(value)  # Pulumi numbers arrive as floats
    failures.append(
        Failure("mapping_version", "mapping_version must be a whole number (0 for a new mapping set)")
    )
    return value


def _timeout(news: Mapping[str, Any], failures: list[Failure]) -> object:
    value = news.get("inlet_url_timeout")
    if value is None:
        return DEFAULT_INLET_URL_TIMEOUT
    if is_unknown(value):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    failures.append(Failure("inlet_url_timeout", "inlet_url_timeout must be a number of seconds (0 or more)"))
    return value


class DataflowProvider(FlowServiceProvider):
    kind = kinds.FLOW
    noun = kinds.FLOW.noun
    id_output = "flow_id"
    input_keys = (
        "name",
        "description",
        "source_connection_id",
        "target_connection_id",
        "mapping_id",
        "mapping_version",
        "inlet_url_timeout",
    )
    replace_keys = ("source_connection_id", "target_connection_id")
    update_keys = ("name", "description", "mapping_id", "mapping_version")
    patch_fields = bodies.FLOW_PATCH

    def normalise(self, news: Mapping[str, Any], failures: list[Failure]) -> dict[str, Any]:
        return {
            "name": settings.name_input(news, failures),
            "description": settings.description_input(news, failures),
            "source_connection_id": settings.id_input(
                news, "source_connection_id", "source connection", failures
            ),
            "target_connection_id": settings.id_input(
                news, "target_connection_id", "target connection", failures
            ),
            "mapping_id": settings.id_input(news, "mapping_id", "mapping set", failures),
            "mapping_version": _mapping_version(news, failures),
            "inlet_url_timeout": _timeout(news, failures),
        }

    def body(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return bodies.flow(
            inputs["name"],
            inputs["description"],
            inputs["source_connection_id"],
            inputs["target_connection_id"],
            inputs["mapping_id"],
            int(inputs["mapping_version"]),
        )

    def matches(self, item: Mapping[str, Any], inputs: Mapping[str, Any]) -> bool:
        return bodies.flow_matches(item, inputs)

    def view(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return bodies.flow_view(inputs)

    def item_inputs(self, item: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
        mapping_id, mapping_version = bodies.flow_mapping(item)
        sources, targets = item.get("sourceConnectionIds"), item.get("targetConnectionIds")
        found = {
            "source_connection_id": sources[0] if isinstance(sources, list) and sources else None,
            "target_connection_id": targets[0] if isinstance(targets, list) and targets else None,
            "mapping_id": mapping_id,
            "mapping_version": mapping_version,
        }
        # Whatever AEP does not show keeps the state's value.
        refreshed = {key: props.get(key) if value is None else value for key, value in found.items()}
        return {**super().item_inputs(item, props), **refreshed}

    def before_create(self, client: PlatformClient, inputs: Mapping[str, Any]) -> None:
        spec_id = ids.SHOPIFY_STREAMING_FLOW_SPEC
        if client.get_flow_spec(spec_id) is None:
            sandbox = client.settings.sandbox
            raise errors.NotFound(
                f"AEP has no Shopify Streaming flow spec {spec_id} in sandbox {sandbox}: the (beta) Shopify "
                "Streaming source is not available to this org; ask Adobe to enable it.",
                context=errors.ErrorContext("flow spec", "validate", id=spec_id, sandbox=sandbox),
            )

    def finish(
        self, client: PlatformClient, item: dict[str, Any], inputs: Mapping[str, Any]
    ) -> dict[str, Any]:
        if bodies.inlet_url(item):
            return item
        timeout = inputs.get("inlet_url_timeout")
        wait = float(timeout) if isinstance(timeout, (int, float)) else DEFAULT_INLET_URL_TIMEOUT
        return client.wait_for_inlet_url(str(item["id"]), timeout=wait, name=str(inputs.get("name")))

    def extra_outputs(self, item: Mapping[str, Any]) -> dict[str, Any]:
        url = bodies.inlet_url(item)
        return {"inlet_url": url, "inlet_id": bodies.inlet_id(url)}


class AepDataflow(AepResource, module="aep", name="Dataflow"):
    """A Flow Service dataflow from the Shopify Streaming source connection to the data lake."""

    name: pulumi.Output[str]
    description: pulumi.Output[str]
    source_connection_id: pulumi.Output[str]
    target_connection_id: pulumi.Output[str]
    mapping_id: pulumi.Output[str]
    mapping_version: pulumi.Output[int]
    inlet_url_timeout: pulumi.Output[float]
    flow_id: pulumi.Output[str]
    etag: pulumi.Output[str]
    state: pulumi.Output[str | None]
    inlet_url: pulumi.Output[str]
    inlet_id: pulumi.Output[str]
    adopted: pulumi.Output[bool]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        source_connection_id: pulumi.Input[str],
        target_connection_id: pulumi.Input[str],
        mapping_id: pulumi.Input[str],
        mapping_version: pulumi.Input[int] = 0,
        description: pulumi.Input[str] | None = None,
        inlet_url_timeout: pulumi.Input[float] | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **connection: Unpack[ConnectionInputs],
    ) -> None:
        inputs: dict[str, Any] = {
            "name": name,
            "description": description,
            "source_connection_id": source_connection_id,
            "target_connection_id": target_connection_id,
            "mapping_id": mapping_id,
            "mapping_version": mapping_version,
            "inlet_url_timeout": inlet_url_timeout,
        }
        super().__init__(DataflowProvider(), resource_name, inputs, OUTPUT_KEYS, connection, opts)
