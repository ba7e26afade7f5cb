"""Data Prep mapping sets (reference §1.4): ``/data/foundation/conversion/mappingSets``.

  POST /mappingSets           -> 200 ``{id (32 hex), version: 0, createdDate, modifiedDate, createdBy,
                                 modifiedBy}``
  GET  /mappingSets           ?limit=&start= (both required) -> ``{data: [latest versions], _page}``
  GET  /mappingSets/{id}      ?version=N (default: latest) -> the mapping set
  PUT  /mappingSets/{id}      same body as POST -> 200, a new version (version + 1)

No DELETE: the spec has none, so the route does not exist and DELETE answers 405 (UNCONFIRMED: the real
service may answer 404).

Bodies: the current style ``{outputSchema: {schemaRef: {id, contentType}}, mappings: [{sourceType,
source, destination}]}`` or the legacy one ``{xdmSchema, xdmVersion, mappings: [{sourceAttribute,
destinationXdmPath}]}`` (the service is lenient and mixes them; so are we). ``sourceType`` must be
``ATTRIBUTE`` or ``EXPRESSION`` (legacy items default to ``ATTRIBUTE``), mappings must be non-empty and
usable by ``shopstream.emulator.aep.mapping``, and the output schema must exist in the sandbox.
"""

from __future__ import annotations

import copy
from typing import Any

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from shopstream.emulator.aep.bodies import json_object
from shopstream.emulator.aep.context import Caller, caller, current
from shopstream.emulator.aep.errors import problem
from shopstream.emulator.aep.ids import XED_FULL_CONTENT_TYPE, new_mapping_set_id
from shopstream.emulator.aep.mapping import MappingError, check_mapping

bp = Blueprint("aep_dataprep", __name__, url_prefix="/data/foundation/conversion")

SUMMARY_FIELDS = ("id", "version", "createdDate", "modifiedDate", "createdBy", "modifiedBy")


def _bad(detail: str) -> Exception:
    return problem(400, "BadRequestError", detail)


def _normalize_item(item: Any, index: int) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise _bad(f"mappings[{index}] must be an object")
    if "source" in item or "destination" in item:
        normalized = {
            "sourceType": item.get("sourceType"),
            "source": item.get("source"),
            "destination": item.get("destination"),
        }
    else:  # legacy item
        normalized = {
            "sourceType": item.get("sourceType", "ATTRIBUTE"),
            "source": item.get("sourceAttribute"),
            "destination": item.get("destinationXdmPath"),
        }
    try:
        check_mapping(normalized)
    except MappingError as exc:
        raise _bad(f"mappings[{index}]: {exc}") from None
    for optional in ("name", "description"):
        if isinstance(item.get(optional), str):
            normalized[optional] = item[optional]
    return {"id": new_mapping_set_id(), **normalized}


def build_version(body: dict[str, Any], who: Caller) -> dict[str, Any]:
    """The stored content of a mapping set version (without id/version/dates)."""
    output = body.get("outputSchema")
    schema_id: Any = None
    content_type: Any = XED_FULL_CONTENT_TYPE
    if isinstance(output, dict) and isinstance(output.get("schemaRef"), dict):
        schema_id = output["schemaRef"].get("id")
        content_type = output["schemaRef"].get("contentType", content_type)
    elif "xdmSchema" in body:
        schema_id = body["xdmSchema"]
    if not isinstance(schema_id, str) or not schema_id:
        raise _bad("outputSchema.schemaRef.id (or xdmSchema) must be a schema id")
    if schema_id not in who.sandbox.schemas:
        raise _bad(f"schema {schema_id} does not exist in this sandbox")
    mappings = body.get("mappings")
    if not isinstance(mappings, list) or not mappings:
        raise _bad("mappings must be a non-empty array")
    content: dict[str, Any] = {
        "outputSchema": {"schemaRef": {"id": schema_id, "contentType": content_type}},
        "mappings": [_normalize_item(item, index) for index, item in enumerate(mappings)],
    }
    for legacy in ("xdmSchema", "xdmVersion"):
        if legacy in body:
            content[legacy] = copy.deepcopy(body[legacy])
    return content


def _not_found(mapping_id: str) -> Exception:
    return problem(404, "NotFoundError", f"Mapping set {mapping_id} not found")


@bp.post("/mappingSets")
def create_mapping_set() -> ResponseReturnValue:
    body = json_object(flow_style=False)
    state = current()
    with state.lock:
        who = caller()
        content = build_version(body, who)
        now = state.now_ms()
        mapping_id = new_mapping_set_id()
        version = {
            "id": mapping_id,
            "version": 0,
            "createdDate": now,
            "modifiedDate": now,
            "createdBy": who.user,
            "modifiedBy": who.user,
            **content,
        }
        who.sandbox.mapping_sets[mapping_id] = [version]
        state.save()
        return {key: version[key] for key in SUMMARY_FIELDS}


@bp.put("/mappingSets/<mapping_id>")
def update_mapping_set(mapping_id: str) -> ResponseReturnValue:
    body = json_object(flow_style=False)
    state = current()
    with state.lock:
        who = caller()
        versions = who.sandbox.mapping_sets.get(mapping_id)
        if not versions:
            raise _not_found(mapping_id)
        content = build_version(body, who)
        version = {
            **{key: versions[0][key] for key in ("id", "createdDate", "createdBy")},
            "version": len(versions),
            "modifiedDate": state.now_ms(),
            "modifiedBy": who.user,
            **content,
        }
        versions.append(version)
        state.save()
        return {key: version[key] for key in SUMMARY_FIELDS}


@bp.get("/mappingSets/<mapping_id>")
def get_mapping_set(mapping_id: str) -> ResponseReturnValue:
    state = current()
    with state.lock:
        versions = caller().sandbox.mapping_sets.get(mapping_id)
        if not versions:
            raise _not_found(mapping_id)
        raw = request.args.get("version")
        if raw is None:
            return versions[-1]
        if not raw.isdigit() or int(raw) >= len(versions):
            raise problem(404, "NotFoundError", f"Mapping set {mapping_id} has no version {raw}")
        return versions[int(raw)]


@bp.get("/mappingSets")
def list_mapping_sets() -> ResponseReturnValue:
    raw_limit, raw_start = request.args.get("limit"), request.args.get("start")
    if raw_limit is None or raw_start is None:
        raise _bad("the query parameters limit and start are required")
    if not raw_limit.isdigit() or not raw_start.isdigit() or int(raw_limit) < 1:
        raise _bad("limit and start must be non-negative integers (limit at least 1)")
    limit, start = int(raw_limit), int(raw_start)
    state = current()
    with state.lock:
        latest = [versions[-1] for versions in caller().sandbox.mapping_sets.values()]
        chosen = latest[start : start + limit]
        return {"data": chosen, "_page": {"count": len(chosen), "limit": limit}}
