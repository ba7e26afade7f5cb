"""AEP target connection to the data lake (POST /targetConnections, reference §1.3).

The dataset and its schema are the connection's identity: changing any of dataset_id, schema_id or
schema_version replaces it (Adobe: create a new source/target pair and a new dataflow, §2.4).  Before
creating, the dataset is read to fail early with a clear sentence when it is missing or uses another
schema (the flow would otherwise fail later with FLOW-1425).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Unpack

import pulumi

from shopstream.aep_api import bodies, errors, kinds
from shopstream.providers.aep import settings
from shopstream.providers.aep.client import PlatformClient
from shopstream.providers.aep.common import AepResource, ConnectionInputs, FlowServiceProvider
from shopstream.providers.aep.settings import Failure
from shopstream.providers.unknowns import is_unknown

OUTPUT_KEYS = ("target_connection_id", "etag", "state", "adopted")


def schema_version_input(news: Mapping[str, Any], failures: list[Failure]) -> object:
    """'1' / '1.0' / a full XED content type → the content type (so diffs compare one spelling)."""
    value = news.get("schema_version")
    if value is None or value == "":
        value = "1"
    if is_unknown(value):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = f"{value:g}"
    try:
        return bodies.xed_content_type(str(value))
    except ValueError:
        failures.append(
            Failure(
                "schema_version",
                "schema_version must be a number like 1 or application/vnd.adobe.xed-full+json;version=1",
            )
        )
        return value


def schema_id_input(news: Mapping[str, Any], failures: list[Failure]) -> object:
    value = news.get("schema_id")
    if is_unknown(value):
        return value
    if not isinstance(value, str) or not value.strip().startswith(("https://", "http://")):
        failures.append(
            Failure(
                "schema_id",
                "schema_id must be the XDM schema's $id (https://ns.adobe.com/{tenant}/schemas/…)",
            )
        )
        return value
    return value.strip()


class TargetConnectionProvider(FlowServiceProvider):
    kind = kinds.TARGET_CONNECTION
    noun = kinds.TARGET_CONNECTION.noun
    id_output = "target_connection_id"
    input_keys = ("name", "description", "dataset_id", "schema_id", "schema_version")
    replace_keys = ("dataset_id", "schema_id", "schema_version")
    update_keys = ("name", "description")
    patch_fields = bodies.NAME_DESCRIPTION_PATCH

    def normalise(self, news: Mapping[str, Any], failures: list[Failure]) -> dict[str, Any]:
        return {
            "name": settings.name_input(news, failures),
            "description": settings.description_input(news, failures),
            "dataset_id": settings.id_input(news, "dataset_id", "target dataset", failures),
            "schema_id": schema_id_input(news, failures),
            "schema_version": schema_version_input(news, failures),
        }

    def body(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return bodies.target_connection(
            inputs["name"],
            inputs["description"],
            inputs["dataset_id"],
            inputs["schema_id"],
            inputs["schema_version"],
        )

    def matches(self, item: Mapping[str, Any], inputs: Mapping[str, Any]) -> bool:
        return bodies.target_connection_matches(item, inputs)

    def view(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return bodies.name_description_view(inputs)

    def item_inputs(self, item: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
        schema = bodies.obj(bodies.obj(item.get("data")).get("schema"))
        params = bodies.obj(item.get("params"))
        version = schema.get("version")
        if version is None or bodies.same_schema_version(version, props.get("schema_version")):
            version = props.get("schema_version")  # same version, another spelling: keep ours
        return {
            **super().item_inputs(item, props),
            "dataset_id": params.get("dataSetId", props.get("dataset_id")),
            "schema_id": schema.get("id", props.get("schema_id")),
            "schema_version": version,
        }

    def before_create(self, client: PlatformClient, inputs: Mapping[str, Any]) -> None:
        dataset_id = str(inputs["dataset_id"])
        sandbox = client.settings.sandbox
        ctx = errors.ErrorContext("dataset", "validate", id=dataset_id, sandbox=sandbox)
        dataset = client.get_dataset(dataset_id)
        if dataset is None:
            raise errors.NotFound(
                f"AEP has no dataset {dataset_id} in sandbox {sandbox}: create the target dataset (Catalog) "
                "or fix dataset_id in the stack file.",
                context=ctx,
            )
        schema_ref = dataset.get("schemaRef")
        actual = schema_ref.get("id") if isinstance(schema_ref, Mapping) else None
        if isinstance(actual, str) and actual != inputs["schema_id"]:
            raise errors.ValidationError(
                f"AEP dataset {dataset_id} uses schema {actual}, not {inputs['schema_id']}: set schema_id in "
                "the stack file to the dataset's schema (the mapping must produce the dataset's schema).",
                context=ctx,
            )


class AepTargetConnection(AepResource, module="aep", name="TargetConnection"):
    """A Flow Service target connection writing to one data lake dataset."""

    name: pulumi.Output[str]
    description: pulumi.Output[str]
    dataset_id: pulumi.Output[str]
    schema_id: pulumi.Output[str]
    schema_version: pulumi.Output[str]
    target_connection_id: pulumi.Output[str]
    etag: pulumi.Output[str]
    state: pulumi.Output[str | None]
    adopted: pulumi.Output[bool]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        dataset_id: pulumi.Input[str],
        schema_id: pulumi.Input[str],
        schema_version: pulumi.Input[str] | None = None,
        description: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **connection: Unpack[ConnectionInputs],
    ) -> None:
        inputs: dict[str, Any] = {
            "name": name,
            "description": description,
            "dataset_id": dataset_id,
            "schema_id": schema_id,
            "schema_version": schema_version,
        }
        super().__init__(TargetConnectionProvider(), resource_name, inputs, OUTPUT_KEYS, connection, opts)
