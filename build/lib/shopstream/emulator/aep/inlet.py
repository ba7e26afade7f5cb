"""Streaming inlet (DCS, reference §4): ``POST /collection/{inletId}`` with a raw JSON message (what
Shopify sends to a webhook address). The inlet is bound to its flow (inletId in ``options.inletUrl``).

Checks, in order (error bodies in the DCS problem shape, see ``shopstream.emulator.aep.errors``):

1. unknown inlet, or its flow still provisioning (``inlet_provisioning_seconds``) -> 404;
2. a failure set by control (``PUT /_control/aep/inlets/{id|*}/failure``) -> that status (N times or
   until cleared; ``Retry-After`` if configured);
3. flow disabled -> ``disabled_flow_status`` (403 by default; UNCONFIRMED, DCS does not document it);
4. body larger than ``max_inlet_body_bytes`` (1 MiB) -> 413;
5. the flow's base connection has ``auth.params.hmacSecret`` -> ``X-Shopify-Hmac-Sha256`` must be the
   base64 HMAC-SHA256 of the raw body with it, else 401 (design decision);
6. the body must be a JSON object -> else 400.

Success: 200 ``{"inletId", "xactionId", "receivedTimeMs"}``. Ingestion then happens at once (real DCS is
asynchronous; the outcome never changes the answer): the message is kept wrapped as ``{header: {...,
_dcsMeta: {inletId, authenticatedRequest: false}}, body: <raw>}`` together with its outcome, the flow's
mapping turns the raw body into a record, and the record lands in the target dataset unless a record with
the same ``_id`` is already there (``dedupe_by_id``; emulates XDM ``_id`` de-duplication).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from flask import Blueprint, g, request
from flask.typing import ResponseReturnValue

from shopstream.emulator.aep import specs
from shopstream.emulator.aep.context import current
from shopstream.emulator.aep.errors import AepError, dcs_error
from shopstream.emulator.aep.flow_entities import resolve_mapping_version
from shopstream.emulator.aep.ids import new_uuid
from shopstream.emulator.aep.mapping import MappingError, apply_mappings
from shopstream.emulator.aep.state import AepState, Entity, Org, Sandbox

HMAC_HEADER = "X-Shopify-Hmac-Sha256"
# Shopify headers copied into the stored message for inspection (never the HMAC).
KEPT_HEADERS = (
    "X-Shopify-Topic",
    "X-Shopify-Shop-Domain",
    "X-Shopify-Webhook-Id",
    "X-Shopify-Event-Id",
    "X-Shopify-Triggered-At",
    "X-Shopify-API-Version",
)

bp = Blueprint("aep_inlet", __name__, url_prefix="/collection")


def _failure(state: AepState, inlet_id: str, xaction: str) -> AepError | None:
    key = inlet_id if inlet_id in state.inlet_failures else "*"
    failure = state.inlet_failures.get(key)
    if failure is None:
        return None
    if failure.remaining is not None:
        failure.remaining -= 1
        if failure.remaining <= 0:
            del state.inlet_failures[key]
        state.save()
    headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else None
    return dcs_error(
        failure.status, "injected-failure", "Injected failure", f"[{xaction}] {failure.message}", headers
    )


def _hmac_secret(sandbox: Sandbox, flow: Entity) -> str | None:
    for source_id in flow.doc["sourceConnectionIds"]:
        source = sandbox.entities["sourceConnections"].get(source_id)
        base_id = source.doc.get("baseConnectionId") if source is not None else None
        base = sandbox.entities["connections"].get(base_id) if base_id else None
        if base is None:
            continue
        params = base.doc.get("auth", {}).get("params", {})
        secret = params.get(specs.HMAC_SECRET_PARAM) if isinstance(params, dict) else None
        if isinstance(secret, str) and secret:
            return secret
    return None


def _read_body(limit: int, xaction: str) -> bytes:
    too_large = dcs_error(
        413, "payload-too-large", "Payload Too Large", f"[{xaction}] Payload is larger than 1 MB"
    )
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    raw = request.stream.read(limit + 1)
    if len(raw) > limit:
        raise too_large
    return raw


@bp.post("/<inlet_id>")
def collect(inlet_id: str) -> ResponseReturnValue:
    state = current()
    with state.lock:
        xaction = state.next_xaction_id()
        found = state.find_inlet(inlet_id)
        if found is None or state.now_ms() < found[2].internal["inlet_ready_ms"]:
            raise dcs_error(404, "inlet-not-found", "Not Found", f"[{xaction}] Inlet {inlet_id} not found")
        org, sandbox, flow = found
        g.aep_log_org, g.aep_log_sandbox = org.id, sandbox.name
        failure = _failure(state, inlet_id, xaction)
        if failure is not None:
            raise failure
        if flow.doc["state"] != "enabled":
            raise dcs_error(
                state.settings.disabled_flow_status,
                "dataflow-disabled",
                "Dataflow disabled",
                f"[{xaction}] The dataflow of inlet {inlet_id} is disabled",
            )
        limit = state.settings.max_inlet_body_bytes
        secret = _hmac_secret(sandbox, flow)
    raw = _read_body(limit, xaction)
    if secret is not None:
        expected = base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()
        given = request.headers.get(HMAC_HEADER, "")
        if not hmac.compare_digest(expected.encode(), given.encode()):
            raise dcs_error(
                401,
                "authorization",
                "Authorization",
                f"[{xaction}] {HMAC_HEADER} is missing or does not match",
            )
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise dcs_error(400, "bad-request", "Bad Request", f"[{xaction}] The message must be a JSON object")
    with state.lock:
        received = state.now_ms()
        _ingest(state, org, sandbox, flow, inlet_id, xaction, received, body)
        state.save()
    return {"inletId": inlet_id, "xactionId": xaction, "receivedTimeMs": received}


def _ingest(
    state: AepState,
    org: Org,
    sandbox: Sandbox,
    flow: Entity,
    inlet_id: str,
    xaction: str,
    received: int,
    body: dict[str, Any],
) -> None:
    message: dict[str, Any] = {
        "header": {
            "xactionId": xaction,
            "receivedTimeMs": received,
            "source": {"name": "shopify"},
            "sandboxId": sandbox.id,
            "sandboxName": sandbox.name,
            "imsOrgId": org.id,
            "flowId": flow.doc["id"],
            "msgId": new_uuid(),
            "msgVersion": "1.0",
            "_dcsMeta": {"inletId": inlet_id, "authenticatedRequest": False},
            # Emulator addition, for inspection: which Shopify event this was.
            "httpHeaders": {name: request.headers[name] for name in KEPT_HEADERS if name in request.headers},
        },
        "body": body,
    }
    target = sandbox.entities["targetConnections"].get(flow.doc["targetConnectionIds"][0])
    dataset = sandbox.datasets.get(target.doc["params"]["dataSetId"]) if target is not None else None
    if dataset is None:
        return  # nowhere to keep it: real DCS would fail the batch later, invisibly to the sender
    outcome: dict[str, Any] = {"message": message}
    try:
        record = _map(sandbox, flow, body)
    except (MappingError, AepError) as exc:
        outcome.update(status="failed", error=str(exc))
        dataset.messages.append(outcome)
        return
    record_id = record.get("_id")
    duplicate = (
        state.settings.dedupe_by_id
        and record_id is not None
        and any(existing.get("_id") == record_id for existing in dataset.records)
    )
    outcome.update(status="duplicate" if duplicate else "ingested", recordId=record_id)
    if not duplicate:
        dataset.records.append(record)
    dataset.messages.append(outcome)


def _map(sandbox: Sandbox, flow: Entity, body: dict[str, Any]) -> dict[str, Any]:
    """The record for ``body``: the flow's mapping applied, or the raw body when the flow has none."""
    transformations = flow.doc.get("transformations") or []
    if not transformations:
        return dict(body)
    params = transformations[0]["params"]
    version = resolve_mapping_version(sandbox, params.get("mappingId"), params.get("mappingVersion"))
    return apply_mappings(version["mappings"], body)
