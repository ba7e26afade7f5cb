"""Adobe IMS OAuth server-to-server token endpoint (reference §3): ``POST /ims/token/v3``.

Form-encoded (query parameters are accepted too, the body wins): ``grant_type=client_credentials``,
``client_id``, ``client_secret``, ``scope`` (comma-separated, optional here: any scope is granted).
Success: 200 ``{"access_token", "token_type": "bearer", "expires_in": <seconds>}`` (``expires_in`` from
the ``token_expires_in`` setting, default 86399). Tokens are opaque and bound to the client and its org.

Errors (``{"error", "error_description"}``; the exact IMS statuses and texts are UNCONFIRMED):
  missing grant_type / client_id / client_secret -> 400 invalid_request
  grant_type other than client_credentials       -> 400 unsupported_grant_type
  unknown client_id or wrong client_secret        -> 401 invalid_client
"""

from __future__ import annotations

import secrets

from flask import Blueprint, g, request
from flask.typing import ResponseReturnValue

from shopstream.emulator.aep.context import current
from shopstream.emulator.aep.errors import ims_error

bp = Blueprint("aep_ims", __name__, url_prefix="/ims")


@bp.post("/token/v3")
def token() -> ResponseReturnValue:
    params = {**request.args.to_dict(), **request.form.to_dict()}
    grant_type = params.get("grant_type", "")
    if not grant_type:
        raise ims_error(400, "invalid_request", "missing grant_type parameter")
    if grant_type != "client_credentials":
        raise ims_error(400, "unsupported_grant_type", f"unsupported grant_type {grant_type}")
    client_id, client_secret = params.get("client_id", ""), params.get("client_secret", "")
    if not client_id:
        raise ims_error(400, "invalid_request", "missing client_id parameter")
    if not client_secret:
        raise ims_error(400, "invalid_request", "missing client_secret parameter")
    scopes = [scope.strip() for scope in params.get("scope", "").split(",") if scope.strip()]
    state = current()
    with state.lock:
        client = state.clients.get(client_id)
        if client is None:
            raise ims_error(401, "invalid_client", "invalid client_id parameter")
        if not secrets.compare_digest(client.client_secret.encode(), client_secret.encode()):
            raise ims_error(401, "invalid_client", "invalid client_secret parameter")
        g.aep_log_client = client.client_id
        g.aep_log_org = client.org_id
        _, value = state.issue_token(client, scopes)
        state.save()
        expires_in = state.settings.token_expires_in
    # Tokens must not be cached by intermediaries (OAuth 2.0, RFC 6749 §5.1).
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    return {"access_token": value, "token_type": "bearer", "expires_in": expires_in}, 200, headers
