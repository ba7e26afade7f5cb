"""Control surface of the AEP emulator: JSON endpoints under ``/_control/aep`` for tests and demos.

Unauthenticated (loopback only) and never part of the AEP API paths. Errors are ``{"error": message}``
with 400 (bad input), 404 (unknown org, sandbox, client, token, dataset) or 409 (already exists). Bodies
are JSON objects; absent keys keep defaults. ``POST /_control/reset`` (the emulator-wide reset) resets
the AEP part too. Never returned: token values (only the IMS endpoint hands them out) and HMAC secrets;
a client secret only in the answer that created it.

Server
  POST   /_control/aep/reset                       -> 200 {} ; forget all AEP state, settings to defaults
  GET    /_control/aep/settings                    -> 200 {"settings": settings}
  PATCH  /_control/aep/settings                    body {token_expires_in?: int>=1,
                                                      inlet_provisioning_seconds?: number>=0,
                                                      dedupe_by_id?: bool, disabled_flow_status?: 400..599,
                                                      max_inlet_body_bytes?: int>=1,
                                                      inlet_base_url?: "http://..." | null}
                                                   -> 200 {"settings": settings}

Orgs and sandboxes  (org JSON: {id, tenant, sandboxes: [{name, id}]})
  GET    /_control/aep/orgs                        -> 200 {"orgs": [org, ...]}
  POST   /_control/aep/orgs                        body {id?=random "<24 HEX>@AdobeOrg", tenant?=random,
                                                      sandboxes?=["prod"]} -> 201 {"org": org}
  POST   /_control/aep/orgs/{org}/sandboxes        body {name} (lowercase, digits, '-')
                                                   -> 201 {"sandbox": {name, id}}

OAuth clients and tokens
  GET    /_control/aep/clients                     -> 200 {"clients": [{client_id, org, name}]}
  POST   /_control/aep/clients                     body {org, client_id?, client_secret?, name?}
                                                   -> 201 {"client": {client_id, org, name, client_secret}}
  PATCH  /_control/aep/clients/{client_id}         body {client_secret} -> 200 {"client": {...}} (rotation;
                                                      tokens already issued stay valid until they expire)
  GET    /_control/aep/tokens                      -> 200 {"tokens": [{id, client_id, org, scopes, created_at,
                                                      expires_at, expired, revoked}]}
  POST   /_control/aep/tokens/{id}/expire          -> 200 {"token": ...} ; the token stops working (401013)
  POST   /_control/aep/tokens/{id}/revoke          -> 200 {"token": ...} ; likewise, marked revoked
  POST   /_control/aep/tokens/expire               body {client_id?} -> 200 {"expired": n} ; all (of a client)

Schemas and datasets  (``{org}`` = org id, ``{sandbox}`` = sandbox name)
  POST   /_control/aep/orgs/{org}/sandboxes/{sandbox}/schemas   body {title, description?, hash? (pins $id)}
                                                   -> 201 {"schema": {"$id", "meta:altId", "title"}}
  POST   /_control/aep/orgs/{org}/sandboxes/{sandbox}/datasets  body {name, schema_id, id? (24 hex)}
                                                   -> 201 {"dataset": {id, name, schema_id}}
  GET    /_control/aep/datasets/{id}/records       -> 200 {"records": [...]} mapped records, oldest first
  GET    /_control/aep/datasets/{id}/messages      -> 200 {"messages": [{message: {header, body}, status:
                                                      ingested|duplicate|failed, recordId?, error?}]}

Everything at once, for leak checks
  GET    /_control/aep/objects                     ?org= &sandbox= (optional filters)
                                                   -> 200 {"objects": [{org, sandbox, kind, id, name}]} ;
                                                      kinds: connections, sourceConnections,
                                                      targetConnections, flows, mappingSets, datasets, schemas

Streaming inlets  (inlet JSON: {inlet_id, url, org, sandbox, flow_id, flow_state, ready, failure})
  GET    /_control/aep/inlets                      -> 200 {"inlets": [...]}
  PUT    /_control/aep/inlets/{inlet_id}/failure   body {status: 400..599, count?: int>=1 (default: until
                                                      cleared), message?, retry_after?: int>=0}
                                                   -> 200 {"failure": {...}} ; ``*`` = every inlet
                                                      (a failure set for one inlet wins over ``*``;
                                                      the inlet need not exist yet)
  DELETE /_control/aep/inlets/{inlet_id}/failure   -> 200 {}

Request log  (entry: {seq, time, method, write, service, path, query, status, client_id, org, sandbox})
  GET    /_control/aep/requests                    ?since=<seq> -> 200 {"requests": [...]} oldest first
  DELETE /_control/aep/requests                    -> 200 {}
"""

from __future__ import annotations

import re
from dataclasses import asdict, fields
from typing import Any

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from shopstream.emulator.aep.catalog import create_dataset, create_schema, dataset_id_of
from shopstream.emulator.aep.context import current
from shopstream.emulator.aep.errors import AepError
from shopstream.emulator.aep.flow_entities import inlet_url
from shopstream.emulator.aep.ids import new_client_id, new_client_secret, new_org_id, new_uuid
from shopstream.emulator.aep.state import AepState, Client, InletFailure, Org, Sandbox, Settings, Token
from shopstream.emulator.errors import ControlError
from shopstream.emulator.jsonio import control_body

bp = Blueprint("aep_control", __name__, url_prefix="/_control/aep")

ORG_ID = re.compile(r"^[A-Za-z0-9]+@AdobeOrg$")
TENANT = re.compile(r"^[a-z][a-z0-9]{0,39}$")
SANDBOX_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _text(body: dict[str, Any], key: str, pattern: re.Pattern[str] | None = None) -> str | None:
    if key not in body:
        return None
    value = body[key]
    if not isinstance(value, str) or not value or (pattern is not None and not pattern.match(value)):
        raise ControlError(400, f"invalid {key} {value!r}")
    return value


def _int(body: dict[str, Any], key: str, low: int, high: int | None = None) -> int | None:
    if key not in body or body[key] is None:
        return None
    value = body[key]
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or value < low
        or (high is not None and value > high)
    ):
        bound = f"{low}..{high}" if high is not None else f">= {low}"
        raise ControlError(400, f"{key} must be an integer {bound}")
    return value


def _as_control(error: AepError) -> ControlError:
    body = error.body
    message = body.get("detail") or body.get("errorMessage") or body.get("message") or str(body)
    return ControlError(error.status, str(message))


def _org(state: AepState, org_id: str) -> Org:
    org = state.orgs.get(org_id)
    if org is None:
        raise ControlError(404, f"no org {org_id!r}")
    return org


def _sandbox(state: AepState, org_id: str, name: str) -> Sandbox:
    sandbox = _org(state, org_id).sandboxes.get(name)
    if sandbox is None:
        raise ControlError(404, f"no sandbox {name!r} in org {org_id!r}")
    return sandbox


def _org_json(org: Org) -> dict[str, Any]:
    return {
        "id": org.id,
        "tenant": org.tenant,
        "sandboxes": [{"name": s.name, "id": s.id} for s in org.sandboxes.values()],
    }


def _client_json(client: Client, *, with_secret: bool = False) -> dict[str, Any]:
    data = {"client_id": client.client_id, "org": client.org_id, "name": client.name}
    if with_secret:
        data["client_secret"] = client.client_secret
    return data


def _token_json(state: AepState, token: Token) -> dict[str, Any]:
    return {
        "id": token.id,
        "client_id": token.client_id,
        "org": token.org_id,
        "scopes": list(token.scopes),
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "expired": state.now() >= token.expires_at,
        "revoked": token.revoked,
    }


# --- server ---------------------------------------------------------------------------------------


@bp.post("/reset")
def reset() -> ResponseReturnValue:
    state = current()
    with state.lock:
        state.reset()
        state.save()
    return {}


@bp.get("/settings")
def get_settings() -> ResponseReturnValue:
    state = current()
    with state.lock:
        return {"settings": asdict(state.settings)}


@bp.patch("/settings")
def update_settings() -> ResponseReturnValue:
    body = control_body()
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(body) - known)
    if unknown:
        raise ControlError(400, f"unknown settings: {', '.join(unknown)}")
    changes: dict[str, Any] = {}
    for key in ("token_expires_in", "max_inlet_body_bytes"):
        value = _int(body, key, 1)
        if value is not None:
            changes[key] = value
    status = _int(body, "disabled_flow_status", 400, 599)
    if status is not None:
        changes["disabled_flow_status"] = status
    if "inlet_provisioning_seconds" in body:
        seconds = body["inlet_provisioning_seconds"]
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
            raise ControlError(400, "inlet_provisioning_seconds must be a number >= 0")
        changes["inlet_provisioning_seconds"] = float(seconds)
    if "dedupe_by_id" in body:
        if not isinstance(body["dedupe_by_id"], bool):
            raise ControlError(400, "dedupe_by_id must be true or false")
        changes["dedupe_by_id"] = body["dedupe_by_id"]
    if "inlet_base_url" in body:
        base = body["inlet_base_url"]
        if base is not None and (not isinstance(base, str) or not re.match(r"^https?://[^/\s]+", base)):
            raise ControlError(400, "inlet_base_url must be an http(s) URL or null")
        changes["inlet_base_url"] = base
    state = current()
    with state.lock:
        for key, value in changes.items():
            setattr(state.settings, key, value)
        state.save()
        return {"settings": asdict(state.settings)}


# --- orgs, sandboxes ------------------------------------------------------------------------------


@bp.get("/orgs")
def list_orgs() -> ResponseReturnValue:
    state = current()
    with state.lock:
        return {"orgs": [_org_json(org) for org in state.orgs.values()]}


@bp.post("/orgs")
def create_org() -> ResponseReturnValue:
    body = control_body()
    org_id = _text(body, "id", ORG_ID) or new_org_id()
    tenant = _text(body, "tenant", TENANT) or "tenant" + org_id[:6].lower()
    names = body.get("sandboxes", ["prod"])
    if not isinstance(names, list) or not all(isinstance(n, str) and SANDBOX_NAME.match(n) for n in names):
        raise ControlError(400, "sandboxes must be a list of sandbox names (lowercase letters, digits, '-')")
    state = current()
    with state.lock:
        if org_id in state.orgs:
            raise ControlError(409, f"org {org_id!r} already exists")
        org = Org(id=org_id, tenant=tenant)
        for name in names:
            org.sandboxes[name] = Sandbox(name=name, id=new_uuid())
        state.orgs[org_id] = org
        state.save()
        return {"org": _org_json(org)}, 201


@bp.post("/orgs/<org_id>/sandboxes")
def create_sandbox(org_id: str) -> ResponseReturnValue:
    body = control_body()
    name = _text(body, "name", SANDBOX_NAME)
    if name is None:
        raise ControlError(400, "name is required")
    state = current()
    with state.lock:
        org = _org(state, org_id)
        if name in org.sandboxes:
            raise ControlError(409, f"sandbox {name!r} already exists in org {org_id!r}")
        sandbox = Sandbox(name=name, id=new_uuid())
        org.sandboxes[name] = sandbox
        state.save()
        return {"sandbox": {"name": sandbox.name, "id": sandbox.id}}, 201


# --- clients, tokens ------------------------------------------------------------------------------


@bp.get("/clients")
def list_clients() -> ResponseReturnValue:
    state = current()
    with state.lock:
        return {"clients": [_client_json(client) for client in state.clients.values()]}


@bp.post("/clients")
def create_client() -> ResponseReturnValue:
    body = control_body()
    org_id = _text(body, "org")
    if org_id is None:
        raise ControlError(400, "org is required")
    client_id = _text(body, "client_id", CLIENT_ID) or new_client_id()
    secret = _text(body, "client_secret") or new_client_secret()
    name = _text(body, "name") or "shopstream"
    state = current()
    with state.lock:
        _org(state, org_id)
        if client_id in state.clients:
            raise ControlError(409, f"client {client_id!r} already exists")
        client = Client(client_id=client_id, client_secret=secret, org_id=org_id, name=name)
        state.clients[client_id] = client
        state.save()
        return {"client": _client_json(client, with_secret=True)}, 201


@bp.patch("/clients/<client_id>")
def update_client(client_id: str) -> ResponseReturnValue:
    body = control_body()
    secret = _text(body, "client_secret")
    state = current()
    with state.lock:
        client = state.clients.get(client_id)
        if client is None:
            raise ControlError(404, f"no client {client_id!r}")
        if secret is not None:
            client.client_secret = secret
        state.save()
        return {"client": _client_json(client)}


@bp.get("/tokens")
def list_tokens() -> ResponseReturnValue:
    state = current()
    with state.lock:
        return {"tokens": [_token_json(state, token) for token in state.tokens.values()]}


def _token(state: AepState, token_id: str) -> Token:
    token = state.tokens.get(token_id)
    if token is None:
        raise ControlError(404, f"no token {token_id!r}")
    return token


@bp.post("/tokens/<token_id>/expire")
def expire_token(token_id: str) -> ResponseReturnValue:
    state = current()
    with state.lock:
        token = _token(state, token_id)
        token.expires_at = min(token.expires_at, state.now())
        state.save()
        return {"token": _token_json(state, token)}


@bp.post("/tokens/<token_id>/revoke")
def revoke_token(token_id: str) -> ResponseReturnValue:
    state = current()
    with state.lock:
        token = _token(state, token_id)
        token.revoked = True
        state.save()
        return {"token": _token_json(state, token)}


@bp.post("/tokens/expire")
def expire_tokens() -> ResponseReturnValue:
    body = control_body()
    client_id = _text(body, "client_id")
    state = current()
    with state.lock:
        now = state.now()
        chosen = [t for t in state.tokens.values() if client_id is None or t.client_id == client_id]
        for token in chosen:
            token.expires_at = min(token.expires_at, now)
        state.save()
        return {"expired": len(chosen)}


# --- schemas, datasets ----------------------------------------------------------------------------


@bp.post("/orgs/<org_id>/sandboxes/<sandbox_name>/schemas")
def control_create_schema(org_id: str, sandbox_name: str) -> ResponseReturnValue:
    body = control_body()
    state = current()
    with state.lock:
        sandbox = _sandbox(state, org_id, sandbox_name)
        try:
            pinned = _text(body, "hash")
            if (
                pinned is not None
                and f"https://ns.adobe.com/{state.orgs[org_id].tenant}/schemas/{pinned}" in sandbox.schemas
            ):
                raise ControlError(409, f"schema {pinned!r} already exists")
            schema = create_schema(state.orgs[org_id], sandbox, body, pinned)
        except AepError as exc:
            raise _as_control(exc) from None
        state.save()
        return {"schema": {key: schema[key] for key in ("$id", "meta:altId", "title")}}, 201


@bp.post("/orgs/<org_id>/sandboxes/<sandbox_name>/datasets")
def control_create_dataset(org_id: str, sandbox_name: str) -> ResponseReturnValue:
    body = control_body()
    schema_id = _text(body, "schema_id")
    if schema_id is None:
        raise ControlError(400, "schema_id is required")
    state = current()
    with state.lock:
        sandbox = _sandbox(state, org_id, sandbox_name)
        request_body = {"name": body.get("name"), "schemaRef": {"id": schema_id}}
        pinned = _text(body, "id")
        if pinned is not None and (not re.fullmatch(r"[0-9a-f]{24}", pinned) or pinned in sandbox.datasets):
            raise ControlError(
                409 if pinned in sandbox.datasets else 400, f"dataset id {pinned!r} is taken or not 24 hex"
            )
        try:
            dataset = create_dataset(
                state.orgs[org_id], sandbox, request_body, "control", state.now_ms(), pinned
            )
        except AepError as exc:
            raise _as_control(exc) from None
        state.save()
        dataset_id = dataset_id_of(sandbox, dataset)
        return {"dataset": {"id": dataset_id, "name": dataset.doc["name"], "schema_id": schema_id}}, 201


def _dataset_part(dataset_id: str, part: str) -> ResponseReturnValue:
    state = current()
    with state.lock:
        found = state.find_dataset(dataset_id)
        if found is None:
            raise ControlError(404, f"no dataset {dataset_id!r}")
        dataset = found[2]
        return {part: list(dataset.records if part == "records" else dataset.messages)}


@bp.get("/datasets/<dataset_id>/records")
def dataset_records(dataset_id: str) -> ResponseReturnValue:
    return _dataset_part(dataset_id, "records")


@bp.get("/datasets/<dataset_id>/messages")
def dataset_messages(dataset_id: str) -> ResponseReturnValue:
    return _dataset_part(dataset_id, "messages")


# --- objects --------------------------------------------------------------------------------------


@bp.get("/objects")
def list_objects() -> ResponseReturnValue:
    org_filter, sandbox_filter = request.args.get("org"), request.args.get("sandbox")
    state = current()
    objects: list[dict[str, Any]] = []
    with state.lock:
        for org, sandbox in state.sandboxes():
            if org_filter not in (None, org.id) or sandbox_filter not in (None, sandbox.name):
                continue

            def add(kind: str, object_id: str, name: Any, org: Org = org, sandbox: Sandbox = sandbox) -> None:
                objects.append(
                    {"org": org.id, "sandbox": sandbox.name, "kind": kind, "id": object_id, "name": name}
                )

            for kind, entities in sandbox.entities.items():
                for entity_id, entity in entities.items():
                    add(kind, entity_id, entity.doc.get("name"))
            for mapping_id in sandbox.mapping_sets:
                add("mappingSets", mapping_id, None)
            for dataset_id, dataset in sandbox.datasets.items():
                add("datasets", dataset_id, dataset.doc["name"])
            for schema_id, schema in sandbox.schemas.items():
                add("schemas", schema_id, schema["title"])
    return {"objects": objects}


# --- inlets ---------------------------------------------------------------------------------------


@bp.get("/inlets")
def list_inlets() -> ResponseReturnValue:
    state = current()
    base = state.settings.inlet_base_url or request.host_url
    inlets = []
    with state.lock:
        for org, sandbox in state.sandboxes():
            for flow in sandbox.entities["flows"].values():
                inlet_id = flow.internal["inlet_id"]
                failure = state.inlet_failures.get(inlet_id) or state.inlet_failures.get("*")
                inlets.append(
                    {
                        "inlet_id": inlet_id,
                        "url": inlet_url(base, inlet_id),
                        "org": org.id,
                        "sandbox": sandbox.name,
                        "flow_id": flow.doc["id"],
                        "flow_state": flow.doc["state"],
                        "ready": state.now_ms() >= flow.internal["inlet_ready_ms"],
                        "failure": asdict(failure) if failure is not None else None,
                    }
                )
    return {"inlets": inlets}


@bp.put("/inlets/<inlet_id>/failure")
def set_inlet_failure(inlet_id: str) -> ResponseReturnValue:
    body = control_body()
    status = _int(body, "status", 400, 599)
    if status is None:
        raise ControlError(400, "status is required (400..599)")
    count = _int(body, "count", 1)
    retry_after = _int(body, "retry_after", 0)
    message = _text(body, "message") or f"Injected failure with status {status}"
    failure = InletFailure(status=status, remaining=count, message=message, retry_after=retry_after)
    state = current()
    with state.lock:
        state.inlet_failures[inlet_id] = failure
        state.save()
    return {"failure": asdict(failure)}


@bp.delete("/inlets/<inlet_id>/failure")
def clear_inlet_failure(inlet_id: str) -> ResponseReturnValue:
    state = current()
    with state.lock:
        state.inlet_failures.pop(inlet_id, None)
        state.save()
    return {}


# --- request log ----------------------------------------------------------------------------------


@bp.get("/requests")
def list_requests() -> ResponseReturnValue:
    try:
        since = int(request.args.get("since", "0"))
    except ValueError:
        raise ControlError(400, "since must be an integer") from None
    state = current()
    with state.lock:
        return {"requests": state.requests.entries(since)}


@bp.delete("/requests")
def clear_requests() -> ResponseReturnValue:
    state = current()
    with state.lock:
        state.requests.clear()
    return {}
