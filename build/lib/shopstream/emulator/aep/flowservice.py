"""Flow Service API (reference §2): ``/data/foundation/flowservice/...``.

* ``GET|POST /{kind}`` and ``GET|PATCH|DELETE /{kind}/{id}`` for ``connections``, ``sourceConnections``,
  ``targetConnections``, ``flows``: create -> 201 ``{id, etag}`` + ``Location``; GET -> ``{"items":[item]}``
  (unknown id -> 404 FLOW-1439-404); list -> see ``shopstream.emulator.aep.listing``; PATCH (JSON Patch array,
  ``If-Match`` required: missing -> FLOW-1403-400, stale -> FLOW-1404-412) -> 200 ``{id, etag}``;
  DELETE -> 204 (a connection used by a flow: FLOW-1418-400 / FLOW-1447-400; a stale ``If-Match`` if one
  is sent -> FLOW-1404-412).
* ``POST /flows/{id}/action?op=enable|disable`` (any case) -> 200 ``{id, etag}``; other ops -> 400.
* ``GET /connectionSpecs[/{id}]``, ``GET /flowSpecs[/{id}]``: the specs of ``shopstream.emulator.aep.specs``
  (unknown id -> 404 FLOW-1101-404).

Every call passes the gateway checks first (``shopstream.emulator.aep.gateway``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue

from shopstream.emulator.aep import flow_entities, listing, specs
from shopstream.emulator.aep.bodies import json_body, json_object
from shopstream.emulator.aep.context import caller, current
from shopstream.emulator.aep.errors import flow_error, resource_not_found
from shopstream.emulator.aep.jsonpatch import apply_patch
from shopstream.emulator.aep.state import Entity

PREFIX = "/data/foundation/flowservice"
KINDS = "any(connections, sourceConnections, targetConnections, flows)"

bp = Blueprint("aep_flowservice", __name__, url_prefix=PREFIX)


def base_url() -> str:
    """Base of inlet URLs: the configured one, else where this request reached the emulator."""
    configured = current().settings.inlet_base_url
    return configured if configured else request.host_url


def _entity(kind: str, entity_id: str) -> Entity:
    entity = caller().sandbox.entities[kind].get(entity_id)
    if entity is None:
        raise resource_not_found(kind, entity_id)
    return entity


def _render(kind: str, entity: Entity) -> dict[str, Any]:
    state = current()
    return flow_entities.render(kind, entity, caller().sandbox, base_url(), state.now_ms())


def _id_and_etag(entity: Entity) -> dict[str, Any]:
    return {"id": entity.doc["id"], "etag": entity.doc["etag"]}


@bp.get(f"/<{KINDS}:kind>")
def list_entities(kind: str) -> ResponseReturnValue:
    query = listing.parse_query(request.args.to_dict(flat=False))
    state = current()
    with state.lock:
        items = [_render(kind, entity) for entity in caller().sandbox.entities[kind].values()]
    return listing.page(items, query, f"/{kind}")


@bp.post(f"/<{KINDS}:kind>")
def create_entity(kind: str) -> ResponseReturnValue:
    body = json_object(flow_style=True)
    state = current()
    with state.lock:
        who = caller()
        entity = flow_entities.create(
            kind, body, who, state.now_ms(), state.settings.inlet_provisioning_seconds
        )
        who.sandbox.entities[kind][entity.doc["id"]] = entity
        state.save()
        location = f"{request.host_url.rstrip('/')}{PREFIX}/{kind}/{entity.doc['id']}"
        return _id_and_etag(entity), 201, {"Location": location}


@bp.get(f"/<{KINDS}:kind>/<entity_id>", strict_slashes=False)
def get_entity(kind: str, entity_id: str) -> ResponseReturnValue:
    state = current()
    with state.lock:
        return {"items": [_render(kind, _entity(kind, entity_id))]}


def _check_if_match(entity: Entity, *, required: bool) -> None:
    given = request.headers.get("If-Match")
    if given is None or not given.strip():
        if required:
            raise flow_error(
                "1403",
                400,
                "Header is missing",
                "The header 'If-Match' is missing in the request. Please provide the header and try again.",
            )
        return
    current_etag = entity.doc["etag"]
    if not flow_entities.etag_matches(given, current_etag):
        raise flow_error(
            "1404",
            412,
            "Version not matching",
            f"The supplied version '{given}' does not match the current version on entity '{current_etag}'. "
            "Please ensure that the supplied version matches the current version on entity and try again.",
        )


@bp.patch(f"/<{KINDS}:kind>/<entity_id>", strict_slashes=False)
def patch_entity(kind: str, entity_id: str) -> ResponseReturnValue:
    state = current()
    with state.lock:
        entity = _entity(kind, entity_id)
        _check_if_match(entity, required=True)
        operations = json_body(flow_style=True)
        patched = apply_patch(entity.doc, operations, flow_entities.check_patch_path(kind))
        flow_entities.apply_update(kind, entity, patched, caller(), state.now_ms(), "update")
        state.save()
        return _id_and_etag(entity)


@bp.delete(f"/<{KINDS}:kind>/<entity_id>", strict_slashes=False)
def delete_entity(kind: str, entity_id: str) -> ResponseReturnValue:
    state = current()
    with state.lock:
        entity = _entity(kind, entity_id)
        _check_if_match(entity, required=False)
        sandbox = caller().sandbox
        flow_entities.check_delete(kind, entity_id, sandbox)
        del sandbox.entities[kind][entity_id]
        state.save()
    return Response(status=204)


FLOW_ACTIONS = {"enable": "enabled", "disable": "disabled"}


@bp.post("/flows/<flow_id>/action")
def flow_action(flow_id: str) -> ResponseReturnValue:
    op = request.args.get("op", "")
    state = current()
    with state.lock:
        entity = _entity("flows", flow_id)
        target_state = FLOW_ACTIONS.get(op.lower())
        if target_state is None:
            if op.lower() in ("finalize", "finalize_update", "publish"):
                raise flow_error(
                    "1402",
                    400,
                    "Invalid request",
                    f"The action '{op.lower()}' is supported for provider requests only.",
                )
            raise flow_error(
                "1100", 400, "Invalid request", f"Unsupported action '{op}'. Use op=enable or op=disable."
            )
        now = state.now_ms()
        patched = {**entity.doc, "state": target_state}
        # No re-validation: switching a flow on or off must work even if, say, its dataset is gone.
        flow_entities.apply_update("flows", entity, patched, caller(), now, op.lower(), check=False)
        state.save()
        return _id_and_etag(entity)


# --- specs ----------------------------------------------------------------------------------------


def _spec_not_found(kind: str, spec_id: str) -> Exception:
    return flow_error(
        "1101",
        404,
        "Resource not found",
        "The requested resource is not found. "
        "Error from flow provider: Resource with given id does not exist.",
        id=spec_id,
        type=kind,
    )


def _list_specs(kind: str, table: dict[str, dict[str, Any]]) -> ResponseReturnValue:
    query = listing.parse_query(request.args.to_dict(flat=False))
    return listing.page(list(table.values()), query, f"/{kind}")


@bp.get("/connectionSpecs")
def list_connection_specs() -> ResponseReturnValue:
    return _list_specs("connectionSpecs", specs.CONNECTION_SPECS)


@bp.get("/connectionSpecs/<spec_id>")
def get_connection_spec(spec_id: str) -> ResponseReturnValue:
    spec = specs.connection_spec(spec_id)
    if spec is None:
        raise _spec_not_found("connectionSpecs", spec_id)
    return {"items": [spec]}


@bp.get("/flowSpecs")
def list_flow_specs() -> ResponseReturnValue:
    return _list_specs("flowSpecs", specs.FLOW_SPECS)


@bp.get("/flowSpecs/<spec_id>")
def get_flow_spec(spec_id: str) -> ResponseReturnValue:
    spec = specs.flow_spec(spec_id)
    if spec is None:
        raise _spec_not_found("flowSpecs", spec_id)
    return {"items": [spec]}
