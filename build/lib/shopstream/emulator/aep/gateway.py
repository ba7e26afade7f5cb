"""The checks Adobe's API gateway and Platform services make on every Platform API call (reference §2.6,
§3), in this order:

1. ``Authorization: Bearer <token>`` missing -> 401 ``{"error_code":"403010","message":"Oauth token is
   missing."}``;
2. ``x-api-key`` missing -> 403 ``403000``;
3. token unknown, expired or revoked -> 401 ``401013``;
4. ``x-api-key`` is not the token's client id -> 403 ``403003``;
5. ``x-gw-ims-org-id`` missing -> 400 ``400003``; not the token's org -> 401 FLOW-2000-401;
6. ``x-sandbox-name`` missing -> 400 FLOW-2105-400; no such sandbox in the org -> 404 FLOW-2100-404.

The order between the gateway checks is UNCONFIRMED (each one alone is documented). Sandbox and org
errors use the Flow Service shape for every Platform API (UNCONFIRMED for Catalog and Data Prep).
"""

from __future__ import annotations

from werkzeug.datastructures import Headers

from shopstream.emulator.aep.context import Caller
from shopstream.emulator.aep.errors import flow_error, gateway_error
from shopstream.emulator.aep.state import AepState


def admit(state: AepState, headers: Headers) -> Caller:
    """The caller of a Platform request; raises AepError. Hold the store lock."""
    authorization = headers.get("Authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise gateway_error(401, "403010", "Oauth token is missing.")
    api_key = headers.get("x-api-key", "")
    if not api_key:
        raise gateway_error(403, "403000", "Api Key is required")
    token = state.token_by_value(value.strip())
    if token is None or not state.token_is_valid(token):
        raise gateway_error(401, "401013", "Oauth token is not valid")
    if api_key != token.client_id:
        raise gateway_error(403, "403003", "Api Key is invalid")
    org_id = headers.get("x-gw-ims-org-id", "")
    if not org_id:
        raise gateway_error(400, "400003", "Missing header x-gw-ims-org-id")
    org = state.orgs.get(org_id)
    if org_id != token.org_id or org is None:
        raise flow_error(
            "2000",
            401,
            "Invalid authorization token",
            "The authorization token does not have access to this organization or the organization does "
            "not exist. Please ensure that the organization exists or contact your administrator to gain "
            "access.",
        )
    sandbox_name = headers.get("x-sandbox-name", "")
    if not sandbox_name:
        raise flow_error(
            "2105",
            400,
            "Header is missing",
            "The header x-sandbox-name is missing in the request. Please add the header in the request "
            "and try again.",
        )
    sandbox = org.sandboxes.get(sandbox_name)
    if sandbox is None:
        raise flow_error(
            "2100",
            404,
            "Sandbox not found",
            f"The sandbox with the name '{sandbox_name}' could not be found. Please ensure that the sandbox "
            "name is correct and try again.",
        )
    return Caller(client_id=token.client_id, org=org, sandbox=sandbox)
