"""Flow Service objects: validation, creation, rendering and the rules for PATCH and DELETE.

Kinds: ``connections`` (base connections), ``sourceConnections``, ``targetConnections``, ``flows``.
All checks work inside one sandbox: ids from another sandbox do not exist here.

Validation (create and the result of a PATCH):

* connections: ``name``; ``connectionSpec.id`` known (else FLOW-1413-400); ``auth.specName`` one of the
  spec's auth specs (else FLOW-1415-400) and ``auth.params`` valid for it (JSON Schema).
* sourceConnections: ``name``; a source spec; ``baseConnectionId`` (optional) an existing base connection
  of the same spec; ``data.format`` (optional) ``json`` ("the only supported data format").
* targetConnections: a target spec; ``data`` object; ``params.dataSetId`` an existing dataset; if
  ``data.schema.id`` is given it must be the dataset's schema (FLOW-1425-400).
* flows: no ``state`` on create (FLOW-1410-400); ``name``; ``flowSpec.id`` known (FLOW-1413-400); exactly
  one source and one target connection (streaming flows; UNCONFIRMED), existing and of the spec's
  connection specs; ``transformations`` items named ``Mapping`` with an existing mapping set
  (FLOW-1419-400) and version (FLOW-1412-400) whose output schema is the target dataset's (FLOW-1425-400).

Other field errors are FLOW-1100-400 (see errors.INVALID_REQUEST_CODE). Schema versions
(``...;version=1`` vs ``...;version=1.0``) are not compared, only schema ids.
"""

from __future__ import annotations

import copy
from typing import Any

from jsonschema import Draft7Validator

from shopstream.emulator.aep import specs
from shopstream.emulator.aep.context import Caller
from shopstream.emulator.aep.errors import AepError, flow_error, invalid_request
from shopstream.emulator.aep.ids import new_etag, new_inlet_id, new_uuid
from shopstream.emulator.aep.state import Entity, Sandbox

SECRET_MASK = "***"  # what a GET shows for a secret auth param (UNCONFIRMED: AEP never echoes secrets)

USER_FIELDS: dict[str, tuple[str, ...]] = {
    "connections": ("name", "description", "connectionSpec", "auth", "params"),
    "sourceConnections": ("name", "description", "baseConnectionId", "connectionSpec", "data", "params"),
    "targetConnections": ("name", "description", "baseConnectionId", "connectionSpec", "data", "params"),
    "flows": (
        "name",
        "description",
        "flowSpec",
        "sourceConnectionIds",
        "targetConnectionIds",
        "transformations",
        "options",
        "labels",
    ),
}
TARGET_DATA_FORMATS = ("json", "parquet_xdm", "tabular", "parquet", "delimited")


def _string(fields: dict[str, Any], key: str, *, required: bool) -> str | None:
    value = fields.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise invalid_request(f"'{key}' must be a non-empty string.")
    return value


def _object(fields: dict[str, Any], key: str, *, required: bool) -> dict[str, Any] | None:
    value = fields.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, dict):
        raise invalid_request(f"'{key}' must be an object.")
    return value


def _spec_ref(fields: dict[str, Any], key: str) -> str:
    ref = _object(fields, key, required=True)
    assert ref is not None
    spec_id, version = ref.get("id"), ref.get("version")
    if not isinstance(spec_id, str) or not spec_id:
        raise invalid_request(f"'{key}.id' must be a non-empty string.")
    if version is not None and not isinstance(version, str):
        raise invalid_request(f"'{key}.version' must be a string.")
    known = specs.FLOW_SPECS if key == "flowSpec" else specs.CONNECTION_SPECS
    if spec_id not in known:
        raise _bad_spec(spec_id)
    return spec_id


def _bad_spec(spec_id: str) -> AepError:
    return flow_error(
        "1413",
        400,
        "Invalid request",
        f"The spec ID {spec_id} provided is invalid. Please provide a valid spec ID and try again.",
    )


def schema_mismatch(dataset_id: str, dataset_schema: str, other_schema: str) -> AepError:
    return flow_error(
        "1425",
        400,
        "Invalid request",
        f"Error while matching schema in target dataset {dataset_id} ({dataset_schema}) with schema "
        f"{other_schema}. Schema with same id and version must be used in both mapping and target dataset.",
    )


def _validate_connection(fields: dict[str, Any]) -> None:
    _string(fields, "name", required=True)
    _string(fields, "description", required=False)
    spec_id = _spec_ref(fields, "connectionSpec")
    auth = _object(fields, "auth", required=True)
    assert auth is not None
    spec_name = auth.get("specName")
    auth_spec = specs.auth_spec(spec_id, spec_name) if isinstance(spec_name, str) else None
    if auth_spec is None:
        raise flow_error(
            "1415",
            400,
            "Invalid request",
            f"The auth spec '{spec_name}' could not be found for the connection spec ID {spec_id}.",
        )
    params = auth.get("params")
    errors = sorted(Draft7Validator(auth_spec["spec"]).iter_errors(params), key=lambda e: list(e.path))
    if errors:
        # The message names the failing rule, never the value (it may be a secret).
        where = "/".join(str(p) for p in errors[0].path) or "params"
        raise invalid_request(
            f"Invalid auth params for '{spec_name}' at '{where}': {errors[0].validator} check failed."
        )


def _validate_source(fields: dict[str, Any], sandbox: Sandbox) -> None:
    _string(fields, "name", required=True)
    _string(fields, "description", required=False)
    spec_id = _spec_ref(fields, "connectionSpec")
    if not specs.is_source_spec(spec_id):
        raise _bad_spec(spec_id)
    base_id = _string(fields, "baseConnectionId", required=False)
    if base_id is not None:
        base = sandbox.entities["connections"].get(base_id)
        if base is None:
            raise invalid_request(f"The base connection {base_id} does not exist.")
        if base.doc["connectionSpec"]["id"] != spec_id:
            raise invalid_request(f"The base connection {base_id} is not of connection spec {spec_id}.")
    data = _object(fields, "data", required=False)
    if data is not None and data.get("format", "json") != "json":
        raise invalid_request("Currently, the only supported data format is json.")
    _object(fields, "params", required=False)


def _validate_target(fields: dict[str, Any], sandbox: Sandbox) -> None:
    _string(fields, "name", required=False)
    _string(fields, "description", required=False)
    spec_id = _spec_ref(fields, "connectionSpec")
    if not specs.is_target_spec(spec_id):
        raise _bad_spec(spec_id)
    data = _object(fields, "data", required=True)
    assert data is not None
    if "format" in data and data["format"] not in TARGET_DATA_FORMATS:
        raise invalid_request(f"'data.format' must be one of {', '.join(TARGET_DATA_FORMATS)}.")
    params = _object(fields, "params", required=True)
    assert params is not None
    dataset_id = params.get("dataSetId")
    if not isinstance(dataset_id, str) or not dataset_id:
        raise invalid_request("'params.dataSetId' must be a non-empty string.")
    dataset = sandbox.datasets.get(dataset_id)
    if dataset is None:
        raise invalid_request(f"The dataset {dataset_id} does not exist.")
    schema = data.get("schema")
    if schema is not None:
        if not isinstance(schema, dict) or not isinstance(schema.get("id"), str):
            raise invalid_request("'data.schema.id' must be a string.")
        dataset_schema = dataset.doc["schemaRef"]["id"]
        if schema["id"] != dataset_schema:
            raise schema_mismatch(dataset_id, dataset_schema, schema["id"])


def resolve_mapping_version(sandbox: Sandbox, mapping_id: Any, version: Any) -> dict[str, Any]:
    """The mapping set version a transformation names; raises FLOW-1419 / FLOW-1412."""
    versions = sandbox.mapping_sets.get(mapping_id) if isinstance(mapping_id, str) else None
    if not versions:
        raise flow_error(
            "1419",
            400,
            "Invalid request",
            f"Error while validating mapping with id {mapping_id}, version {version}. The mapping does not "
            "exist.",
        )
    if version is None:
        return versions[-1]
    number = version if isinstance(version, int) and not isinstance(version, bool) else None
    if isinstance(version, str) and version.strip().isdigit():
        number = int(version)
    if number is None or not 0 <= number < len(versions):
        raise flow_error(
            "1412",
            400,
            "Invalid request",
            "Invalid Mapping Version in request. Please provide correct mapping version.",
        )
    return versions[number]


def _connections(
    fields: dict[str, Any], key: str, sandbox: Sandbox, kind: str, allowed: list[str]
) -> list[str]:
    ids = fields.get(key)
    if not isinstance(ids, list) or not all(isinstance(item, str) for item in ids):
        raise invalid_request(f"'{key}' must be an array of ids.")
    if len(ids) != 1:
        raise invalid_request(f"'{key}' must hold exactly one id for a streaming flow.")
    for item in ids:
        entity = sandbox.entities[kind].get(item)
        if entity is None:
            raise invalid_request(f"The {kind[:-1]} {item} does not exist.")
        if entity.doc["connectionSpec"]["id"] not in allowed:
            raise invalid_request(
                f"The {kind[:-1]} {item} is not of a connection spec the flow spec accepts."
            )
    return list(ids)


def _validate_flow(fields: dict[str, Any], sandbox: Sandbox) -> None:
    _string(fields, "name", required=True)
    _string(fields, "description", required=False)
    spec = specs.FLOW_SPECS[_spec_ref(fields, "flowSpec")]
    _connections(fields, "sourceConnectionIds", sandbox, "sourceConnections", spec["sourceConnectionSpecIds"])
    targets = _connections(
        fields, "targetConnectionIds", sandbox, "targetConnections", spec["targetConnectionSpecIds"]
    )
    dataset_id = sandbox.entities["targetConnections"][targets[0]].doc["params"]["dataSetId"]
    dataset = sandbox.datasets.get(dataset_id)
    transformations = fields.get("transformations", [])
    if not isinstance(transformations, list):
        raise invalid_request("'transformations' must be an array.")
    if len(transformations) > 1:
        raise invalid_request("A streaming flow takes at most one Mapping transformation.")
    for item in transformations:
        if not isinstance(item, dict) or item.get("name") != "Mapping":
            raise invalid_request("The transformation name must be 'Mapping'.")
        params = item.get("params")
        if not isinstance(params, dict):
            raise invalid_request("'transformations[].params' must be an object.")
        mapping = resolve_mapping_version(sandbox, params.get("mappingId"), params.get("mappingVersion"))
        mapping_schema = mapping["outputSchema"]["schemaRef"]["id"]
        if dataset is None:
            raise invalid_request(f"The dataset {dataset_id} of the target connection does not exist.")
        if mapping_schema != dataset.doc["schemaRef"]["id"]:
            raise schema_mismatch(dataset_id, dataset.doc["schemaRef"]["id"], mapping_schema)
    options = _object(fields, "options", required=False)
    if options is not None:
        if "errorDiagnosticsEnabled" in options and not isinstance(options["errorDiagnosticsEnabled"], bool):
            raise invalid_request("'options.errorDiagnosticsEnabled' must be a boolean.")
        percent = options.get("partialIngestionPercent")
        if percent is not None and (
            isinstance(percent, bool) or not isinstance(percent, int | float) or percent <= 0
        ):
            raise invalid_request("'options.partialIngestionPercent' must be a number above 0.")
    labels = fields.get("labels")
    if labels is not None and (not isinstance(labels, list) or not all(isinstance(x, str) for x in labels)):
        raise invalid_request("'labels' must be an array of strings.")


def validate(kind: str, fields: dict[str, Any], sandbox: Sandbox) -> None:
    if kind == "connections":
        _validate_connection(fields)
    elif kind == "sourceConnections":
        _validate_source(fields, sandbox)
    elif kind == "targetConnections":
        _validate_target(fields, sandbox)
    else:
        _validate_flow(fields, sandbox)


# --- create / update / delete ---------------------------------------------------------------------


def create(kind: str, body: dict[str, Any], who: Caller, now_ms: int, provisioning_seconds: float) -> Entity:
    """A validated new object of ``kind`` from a POST body (unknown top-level keys are ignored)."""
    if kind == "flows" and "state" in body:
        raise flow_error("1410", 400, "Invalid request", "State is not allowed in the create flow request.")
    fields = {key: copy.deepcopy(body[key]) for key in USER_FIELDS[kind] if key in body}
    if kind == "flows" and isinstance(fields.get("options"), dict):
        fields["options"].pop("inletUrl", None)  # server-populated
    validate(kind, fields, who.sandbox)
    etag = new_etag()
    doc: dict[str, Any] = {
        "id": new_uuid(),
        "createdAt": now_ms,
        "updatedAt": now_ms,
        "createdBy": who.user,
        "updatedBy": who.user,
        "createdClient": who.client_id,
        "updatedClient": who.client_id,
        "sandboxId": who.sandbox.id,
        "sandboxName": who.sandbox.name,
        "imsOrgId": who.org.id,
        **fields,
        "state": "enabled",
        "version": etag,
        "etag": etag,
    }
    internal: dict[str, Any] = {}
    if kind == "flows":
        doc.setdefault("transformations", [])
        doc.setdefault("options", {})
        doc["providerRefId"] = specs.FLOW_SPECS[doc["flowSpec"]["id"]]["providerId"]
        doc["lastOperation"] = {"started": now_ms, "updated": now_ms, "operation": "create"}
        internal = {"inlet_id": new_inlet_id(), "inlet_ready_ms": now_ms + int(provisioning_seconds * 1000)}
    return Entity(doc=doc, internal=internal)


READ_ONLY_FIELDS = (
    "id",
    "createdAt",
    "updatedAt",
    "createdBy",
    "updatedBy",
    "createdClient",
    "updatedClient",
    "sandboxId",
    "sandboxName",
    "imsOrgId",
    "state",
    "version",
    "etag",
    "inheritedAttributes",
    "lastOperation",
    "runs",
    "providerRefId",
)


def check_patch_path(kind: str) -> Any:
    """The ``check_path`` callback of :func:`shopstream.emulator.aep.jsonpatch.apply_patch` for ``kind``."""

    def check(op: str, tokens: list[str]) -> None:
        top = tokens[0]
        if top == "connectionSpec":
            raise flow_error(
                "1414", 400, "Invalid request", "The connection spec of a connection cannot be updated."
            )
        if top == "flowSpec":
            raise flow_error(
                "1455",
                400,
                "Invalid request",
                "An error has occurred while validating patch instructions: "
                "the flow spec of a flow cannot be updated.",
            )
        if top in READ_ONLY_FIELDS or (kind == "flows" and tokens[:2] == ["options", "inletUrl"]):
            raise flow_error(
                "1455",
                400,
                "Invalid request",
                f'An error has occurred while validating patch instructions: field "{"/".join(tokens)}" is '
                "read-only.",
            )
        if top not in USER_FIELDS[kind]:
            raise flow_error(
                "1455",
                400,
                "Invalid request",
                f'An error has occurred while validating patch instructions: Missing field "{top}".',
            )

    return check


def apply_update(
    kind: str,
    entity: Entity,
    patched: dict[str, Any],
    who: Caller,
    now_ms: int,
    operation: str,
    *,
    check: bool = True,
) -> str:
    """Validate ``patched`` (the whole doc after the change) and make it current; returns the new etag."""
    if kind == "flows" and isinstance(patched.get("options"), dict):
        patched["options"].pop("inletUrl", None)  # server-populated, even inside a replaced /options
    if check:
        validate(kind, {key: patched[key] for key in USER_FIELDS[kind] if key in patched}, who.sandbox)
    etag = new_etag()
    patched.update(
        updatedAt=max(now_ms, entity.doc["updatedAt"]),
        updatedBy=who.user,
        updatedClient=who.client_id,
        version=etag,
        etag=etag,
    )
    if kind == "flows":
        patched["lastOperation"] = {"started": now_ms, "updated": now_ms, "operation": operation}
    entity.doc = patched
    return etag


def etag_matches(given: str, current: str) -> bool:
    """``If-Match`` as returned (with quotes) or without the quotes; a weak ``W/`` prefix is ignored."""
    value = given.strip()
    value = value.removeprefix("W/")
    return value.strip('"') == current.strip('"')


def check_delete(kind: str, entity_id: str, sandbox: Sandbox) -> None:
    """Connections in use by a flow cannot be deleted (FLOW-1418-400 / FLOW-1447-400)."""
    flows = list(sandbox.entities["flows"].values())
    sources = sandbox.entities["sourceConnections"]
    if kind == "connections":
        for flow in flows:
            for source_id in flow.doc["sourceConnectionIds"]:
                source = sources.get(source_id)
                if source is not None and source.doc.get("baseConnectionId") == entity_id:
                    raise flow_error(
                        "1418",
                        400,
                        "Invalid request",
                        f"The base connection with the ID {entity_id} cannot be deleted because the "
                        "base connection is being used in one or more flows. Please ensure that "
                        "corresponding flows are deleted before deleting a base connection.",
                    )
    elif kind in ("sourceConnections", "targetConnections"):
        key = "sourceConnectionIds" if kind == "sourceConnections" else "targetConnectionIds"
        if any(entity_id in flow.doc[key] for flow in flows):
            raise flow_error("1447", 400, "Invalid request", f"Found active flows containing id {entity_id}.")


# --- rendering ------------------------------------------------------------------------------------


def _spec_summary(entity: Entity) -> dict[str, Any]:
    return {"id": entity.doc["id"], "connectionSpec": copy.deepcopy(entity.doc["connectionSpec"])}


def inlet_url(base_url: str, inlet_id: str) -> str:
    return f"{base_url.rstrip('/')}/collection/{inlet_id}"


def render(kind: str, entity: Entity, sandbox: Sandbox, base_url: str, now_ms: int) -> dict[str, Any]:
    """The item as GET shows it: stored doc + computed parts, secrets masked."""
    doc = copy.deepcopy(entity.doc)
    if kind == "connections":
        auth = doc.get("auth", {})
        secrets = specs.secret_params(doc["connectionSpec"]["id"], auth.get("specName", ""))
        params = auth.get("params")
        if isinstance(params, dict):
            for key in secrets & params.keys():
                params[key] = SECRET_MASK
        return doc
    if kind != "flows":
        return doc
    sources = []
    for source_id in doc["sourceConnectionIds"]:
        source = sandbox.entities["sourceConnections"].get(source_id)
        if source is None:
            continue
        summary = _spec_summary(source)
        base = sandbox.entities["connections"].get(source.doc.get("baseConnectionId", ""))
        if base is not None:
            summary["baseConnection"] = _spec_summary(base)
        sources.append(summary)
    targets = [
        _spec_summary(target)
        for target_id in doc["targetConnectionIds"]
        if (target := sandbox.entities["targetConnections"].get(target_id)) is not None
    ]
    options = doc.get("options", {})
    if now_ms >= entity.internal["inlet_ready_ms"]:
        options["inletUrl"] = inlet_url(base_url, entity.internal["inlet_id"])
    ordered = {key: doc[key] for key in doc if key not in ("options", "transformations", "lastOperation")}
    ordered["inheritedAttributes"] = {
        "properties": {"isSourceFlow": True},
        "sourceConnections": sources,
        "targetConnections": targets,
    }
    ordered["options"] = options
    ordered["transformations"] = doc.get("transformations", [])
    ordered["runs"] = f"/runs?property=flowId=={doc['id']}"
    ordered["lastOperation"] = doc["lastOperation"]
    return ordered
