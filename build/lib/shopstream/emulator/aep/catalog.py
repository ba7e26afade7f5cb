"""Catalog datasets (reference §5) and the minimum of the Schema Registry.

Catalog, ``/data/foundation/catalog``:
  POST   /dataSets            body {name, schemaRef: {id, contentType?}, description?, tags?,
                              fileDescription?, streamingIngestionEnabled?} (``?requestDataSource=true``
                              accepted) -> 201 ``["@/dataSets/<24 hex>"]`` + Location
  GET    /dataSets            ?limit= (default 50, max 100) &start= &name= -> ``{"<id>": dataset, ...}``
  GET    /dataSets/{id}       -> ``{"<id>": dataset}``; unknown -> 404
  DELETE /dataSets/{id}       -> 200 ``["@/dataSets/<id>"]`` (its ingested records go with it)

Schema Registry, ``/data/foundation/schemaregistry`` (just enough for schema references):
  POST   /tenant/schemas      body {title, description?, type?, allOf?} -> 201 schema with ``$id``
  GET    /tenant/schemas/{id} ``$id`` (URL-encoded) or ``meta:altId`` -> schema; unknown -> 404

The schema must exist in the sandbox for a dataset to refer to it. Errors use the ``{type, status,
title, detail}`` shape (UNCONFIRMED for these services).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from shopstream.emulator.aep.bodies import json_object
from shopstream.emulator.aep.context import caller, current
from shopstream.emulator.aep.errors import problem
from shopstream.emulator.aep.ids import XED_CONTENT_TYPE, new_dataset_id, new_schema_hash
from shopstream.emulator.aep.state import Dataset, Org, Sandbox

CATALOG_PREFIX = "/data/foundation/catalog"
DEFAULT_DATASET_LIMIT = 50
MAX_DATASET_LIMIT = 100

catalog_bp = Blueprint("aep_catalog", __name__, url_prefix=CATALOG_PREFIX)
schema_bp = Blueprint("aep_schemaregistry", __name__, url_prefix="/data/foundation/schemaregistry")


# --- operations (shared with the control surface) -------------------------------------------------


def create_schema(
    org: Org, sandbox: Sandbox, body: dict[str, Any], schema_hash: str | None = None
) -> dict[str, Any]:
    """``schema_hash`` pins the last part of ``$id`` (control surface only: fixed ids for the demo)."""
    title = body.get("title")
    if not isinstance(title, str) or not title.strip():
        raise problem(400, "BadRequestError", "title must be a non-empty string")
    all_of = body.get("allOf", [{"$ref": "https://ns.adobe.com/xdm/context/experienceevent"}])
    if not isinstance(all_of, list):
        raise problem(400, "BadRequestError", "allOf must be an array")
    schema_hash = schema_hash or new_schema_hash()
    schema_class = next(
        (item["$ref"] for item in all_of if isinstance(item, dict) and "/context/" in str(item.get("$ref"))),
        None,
    )
    schema = {
        "$id": f"https://ns.adobe.com/{org.tenant}/schemas/{schema_hash}",
        "meta:altId": f"_{org.tenant}.schemas.{schema_hash}",
        "meta:resourceType": "schemas",
        "version": "1.0",
        "title": title,
        "type": "object",
        "description": body.get("description", ""),
        "allOf": all_of,
        "meta:class": schema_class,
        "meta:containerId": "tenant",
        "meta:sandboxId": sandbox.id,
        "meta:sandboxType": "production" if sandbox.name == "prod" else "development",
        "meta:tenantNamespace": f"_{org.tenant}",
    }
    sandbox.schemas[schema["$id"]] = schema
    return schema


def create_dataset(
    org: Org,
    sandbox: Sandbox,
    body: dict[str, Any],
    client_id: str,
    now_ms: int,
    dataset_id: str | None = None,
) -> Dataset:
    """``dataset_id`` pins the id (control surface only: fixed ids for the demo)."""
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise problem(400, "BadRequestError", "name must be a non-empty string")
    schema_ref = body.get("schemaRef")
    if not isinstance(schema_ref, dict) or not isinstance(schema_ref.get("id"), str):
        raise problem(400, "BadRequestError", "schemaRef.id must be a string")
    if schema_ref["id"] not in sandbox.schemas:
        raise problem(400, "BadRequestError", f"schema {schema_ref['id']} does not exist in this sandbox")
    doc: dict[str, Any] = {
        "name": name,
        "description": body.get("description", ""),
        "imsOrg": org.id,
        "sandboxId": sandbox.id,
        "tags": body.get("tags", {}),
        "created": now_ms,
        "updated": now_ms,
        "createdClient": client_id,
        "createdUser": f"{client_id}@techacct.adobe.com",
        "updatedUser": f"{client_id}@techacct.adobe.com",
        "version": "1.0.0",
        "schemaRef": {"id": schema_ref["id"], "contentType": schema_ref.get("contentType", XED_CONTENT_TYPE)},
    }
    for optional in ("fileDescription", "streamingIngestionEnabled"):
        if optional in body:
            doc[optional] = body[optional]
    dataset = Dataset(doc=doc)
    sandbox.datasets[dataset_id or new_dataset_id()] = dataset
    return dataset


def dataset_id_of(sandbox: Sandbox, dataset: Dataset) -> str:
    return next(key for key, value in sandbox.datasets.items() if value is dataset)


# --- Catalog API ----------------------------------------------------------------------------------


def _dataset_not_found(dataset_id: str) -> Exception:
    return problem(404, "NotFoundError", f"Dataset {dataset_id} not found")


@catalog_bp.post("/dataSets")
def post_dataset() -> ResponseReturnValue:
    body = json_object(flow_style=False)
    state = current()
    with state.lock:
        who = caller()
        dataset = create_dataset(who.org, who.sandbox, body, who.client_id, state.now_ms())
        state.save()
        dataset_id = dataset_id_of(who.sandbox, dataset)
    location = f"{request.host_url.rstrip('/')}{CATALOG_PREFIX}/dataSets/{dataset_id}"
    return [f"@/dataSets/{dataset_id}"], 201, {"Location": location}


def _int_arg(name: str, default: int, maximum: int | None) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise problem(400, "BadRequestError", f"{name} must be an integer") from None
    if value < 0 or (maximum is not None and value > maximum):
        raise problem(400, "BadRequestError", f"{name} is out of range")
    return value


@catalog_bp.get("/dataSets")
def list_datasets() -> ResponseReturnValue:
    limit = _int_arg("limit", DEFAULT_DATASET_LIMIT, MAX_DATASET_LIMIT)
    start = _int_arg("start", 0, None)
    name = request.args.get("name")
    state = current()
    with state.lock:
        chosen = [
            (key, dataset.doc)
            for key, dataset in caller().sandbox.datasets.items()
            if name is None or dataset.doc["name"] == name
        ]
        return dict(chosen[start : start + limit])


@catalog_bp.get("/dataSets/<dataset_id>")
def get_dataset(dataset_id: str) -> ResponseReturnValue:
    state = current()
    with state.lock:
        dataset = caller().sandbox.datasets.get(dataset_id)
        if dataset is None:
            raise _dataset_not_found(dataset_id)
        return {dataset_id: dataset.doc}


@catalog_bp.delete("/dataSets/<dataset_id>")
def delete_dataset(dataset_id: str) -> ResponseReturnValue:
    state = current()
    with state.lock:
        sandbox = caller().sandbox
        if dataset_id not in sandbox.datasets:
            raise _dataset_not_found(dataset_id)
        del sandbox.datasets[dataset_id]
        state.save()
    return [f"@/dataSets/{dataset_id}"]


# --- Schema Registry ------------------------------------------------------------------------------


@schema_bp.post("/tenant/schemas")
def post_schema() -> ResponseReturnValue:
    body = json_object(flow_style=False)
    state = current()
    with state.lock:
        who = caller()
        schema = create_schema(who.org, who.sandbox, body)
        state.save()
        return schema, 201


@schema_bp.get("/tenant/schemas/<path:schema_id>")
def get_schema(schema_id: str) -> ResponseReturnValue:
    state = current()
    with state.lock:
        for schema in caller().sandbox.schemas.values():
            if schema_id in (schema["$id"], schema["meta:altId"]):
                return schema
    raise problem(404, "NotFoundError", f"Schema {schema_id} not found")
