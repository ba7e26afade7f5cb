"""AEP Data Prep mapping set (POST /data/foundation/conversion/mappingSets, reference §1.4).

Mapping sets are append-only: there is no DELETE endpoint and a PUT makes a new version, so any change
(schema or mappings) creates a new mapping set (replace) and the dataflow is PATCHed to point at it.
`delete` is therefore a documented no-op: the old mapping set stays in AEP, unused.
There is no name to adopt by, and a duplicate mapping set is harmless, so create always creates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Unpack

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, UpdateResult

from shopstream.aep_api import bodies, ids
from shopstream.providers.aep.common import (
    AepProvider,
    AepResource,
    ConnectionInputs,
    client_for,
    plain_errors,
)
from shopstream.providers.aep.settings import CONNECTION_KEYS, Failure
from shopstream.providers.aep.target_connection import schema_id_input, schema_version_input
from shopstream.providers.unknowns import is_unknown

OUTPUT_KEYS = ("mapping_id", "mapping_version")
MAPPING_KEYS = ("source_type", "source", "destination")

MappingInput = Mapping[str, str] | Sequence[str]


def _one_mapping(index: int, value: object, failures: list[Failure]) -> object:
    if isinstance(value, Mapping):
        source_type = value.get("source_type", value.get("sourceType"))
        source, destination = value.get("source"), value.get("destination")
    elif isinstance(value, (list, tuple)) and len(value) == 3:
        source_type, source, destination = value
    else:
        failures.append(Failure("mappings", f"mappings[{index}] must be (source_type, source, destination)"))
        return value
    if is_unknown([source_type, source, destination]):
        return {"source_type": source_type, "source": source, "destination": destination}
    problems = []
    if not isinstance(source_type, str) or source_type.strip().upper() not in ids.SOURCE_TYPES:
        problems.append(f"source_type must be one of {', '.join(ids.SOURCE_TYPES)}")
    if not isinstance(source, str) or not source.strip():
        problems.append("source is required")
    if not isinstance(destination, str) or not destination.strip():
        problems.append("destination is required")
    if problems:
        failures.append(Failure("mappings", f"mappings[{index}]: {'; '.join(problems)}"))
        return value
    assert isinstance(source_type, str) and isinstance(source, str) and isinstance(destination, str)
    return {
        "source_type": source_type.strip().upper(),
        "source": source.strip(),
        "destination": destination.strip(),
    }


def mappings_input(news: Mapping[str, Any], failures: list[Failure]) -> object:
    """A non-empty list of {source_type, source, destination}, order kept, destinations unique."""
    value = news.get("mappings")
    if is_unknown(value) and not isinstance(value, list):
        return value
    if not isinstance(value, (list, tuple)) or not value:
        failures.append(
            Failure("mappings", "mappings must be a non-empty list of (source_type, source, destination)")
        )
        return value
    out = [_one_mapping(i, item, failures) for i, item in enumerate(value)]
    destinations = [m.get("destination") for m in out if isinstance(m, dict)]
    duplicates = sorted({d for d in destinations if isinstance(d, str) and destinations.count(d) > 1})
    if duplicates:
        failures.append(Failure("mappings", f"mappings map more than one value to {', '.join(duplicates)}"))
    return out


def api_mappings(mappings: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"sourceType": m["source_type"], "source": m["source"], "destination": m["destination"]}
        for m in mappings
    ]


def _from_api(item: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs as AEP reports them; values missing from the answer keep the state's."""
    out = {key: props.get(key) for key in ("schema_id", "schema_version", "mappings")}
    output_schema = item.get("outputSchema")
    ref = output_schema.get("schemaRef") if isinstance(output_schema, Mapping) else None
    if isinstance(ref, Mapping):
        out["schema_id"] = ref.get("id", out["schema_id"])
        version = ref.get("contentType")
        if isinstance(version, str) and not bodies.same_schema_version(version, out["schema_version"]):
            out["schema_version"] = version
    mappings = item.get("mappings")
    if isinstance(mappings, list) and all(isinstance(m, Mapping) for m in mappings):
        out["mappings"] = [
            {
                "source_type": str(m.get("sourceType", "ATTRIBUTE")).upper(),
                "source": m.get("source"),
                "destination": m.get("destination"),
            }
            for m in mappings
        ]
    return out


class MappingSetProvider(AepProvider):
    noun = "mapping set"
    input_keys = ("schema_id", "schema_version", "mappings")
    replace_keys = ("schema_id", "schema_version", "mappings")
    update_keys = ()

    def normalise(self, news: Mapping[str, Any], failures: list[Failure]) -> dict[str, Any]:
        return {
            "schema_id": schema_id_input(news, failures),
            "schema_version": schema_version_input(news, failures),
            "mappings": mappings_input(news, failures),
        }

    def _outputs(self, props: Mapping[str, Any], mapping_id: str, version: object) -> dict[str, Any]:
        outs = {key: props.get(key) for key in (*CONNECTION_KEYS, *self.input_keys)}
        outs.update(
            {
                "mapping_id": mapping_id,
                "mapping_version": int(version) if isinstance(version, (int, float)) else 0,
            }
        )
        return outs

    @plain_errors
    def create(self, props: dict[str, Any]) -> CreateResult:
        client = client_for(props)
        body = bodies.mapping_set(
            props["schema_id"], props["schema_version"], api_mappings(props["mappings"])
        )
        created = client.create_mapping_set(body)
        return CreateResult(
            str(created["id"]), self._outputs(props, str(created["id"]), created.get("version", 0))
        )

    @plain_errors
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        client = client_for(props)
        version = props.get("mapping_version")
        item = client.get_mapping_set(id_, int(version) if isinstance(version, (int, float)) else None)
        if item is None:
            return ReadResult("", {})
        refreshed = {**props, **_from_api(item, props)}
        outs = self._outputs(refreshed, id_, item.get("version", version))
        return ReadResult(id_, outs, {key: outs[key] for key in (*CONNECTION_KEYS, *self.input_keys)})

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        # Every input is a replace key, so the engine never asks for an in-place update; if it does
        # (connection inputs only), nothing in AEP needs to change.
        return UpdateResult(self._outputs(_news, _id, _olds.get("mapping_version", 0)))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """No-op: the Data Prep API has no DELETE for mapping sets (reference §1.4, §2.5)."""


class AepMappingSet(AepResource, module="aep", name="MappingSet"):
    """A Data Prep mapping set from raw Shopify JSON to the target XDM schema (immutable)."""

    schema_id: pulumi.Output[str]
    schema_version: pulumi.Output[str]
    mappings: pulumi.Output[list[dict[str, str]]]
    mapping_id: pulumi.Output[str]
    mapping_version: pulumi.Output[int]

    def __init__(
        self,
        resource_name: str,
        *,
        schema_id: pulumi.Input[str],
        mappings: Sequence[MappingInput],
        schema_version: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
        **connection: Unpack[ConnectionInputs],
    ) -> None:
        inputs: dict[str, Any] = {
            "schema_id": schema_id,
            "schema_version": schema_version,
            "mappings": [_as_dict(m) for m in mappings],
        }
        super().__init__(MappingSetProvider(), resource_name, inputs, OUTPUT_KEYS, connection, opts)


def _as_dict(mapping: MappingInput) -> dict[str, Any]:
    if isinstance(mapping, Mapping):
        return dict(mapping)
    return dict(zip(MAPPING_KEYS, mapping, strict=False))
