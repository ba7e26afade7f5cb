"""IMS token endpoint, the gateway checks on Platform calls, and sandbox isolation."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import requests

from tests.emulator.support import FakeClock
from tests.emulator_aep.support import DATASETS, FLOW, Tenant, make_tenant, token_for


def test_token_flow_returns_a_bearer_token_that_opens_the_platform_apis(emulator):
    org = emulator.control.aep.create_org()
    client = emulator.control.aep.create_client(org["id"])
    response = token_for(emulator, client["client_id"], client["client_secret"], scope="openid,AdobeID")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 86399
    assert response.headers["Cache-Control"] == "no-store"
    headers = {
        "Authorization": f"Bearer {body['access_token']}",
        "x-api-key": client["client_id"],
        "x-gw-ims-org-id": org["id"],
        "x-sandbox-name": "prod",
    }
    listed = requests.get(f"{emulator.base_url}{FLOW}/flows", headers=headers, timeout=10)
    assert listed.status_code == 200
    assert listed.json() == {"items": []}
    [token] = emulator.control.aep.tokens()
    assert token["client_id"] == client["client_id"] and token["scopes"] == ["openid", "AdobeID"]
    assert "access_token" not in token and body["access_token"] not in str(token)


def test_token_parameters_may_come_in_the_query_and_expiry_is_configurable(emulator):
    org = emulator.control.aep.create_org()
    client = emulator.control.aep.create_client(org["id"], client_id="my-client", client_secret="s3cret")
    emulator.control.aep.update_settings(token_expires_in=60)
    response = requests.post(
        f"{emulator.base_url}/ims/token/v3",
        params={
            "grant_type": "client_credentials",
            "client_id": client["client_id"],
            "client_secret": "s3cret",
        },
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json()["expires_in"] == 60


def test_token_errors(emulator):
    org = emulator.control.aep.create_org()
    client = emulator.control.aep.create_client(org["id"], client_secret="right")
    wrong = token_for(emulator, client["client_id"], "wrong")
    assert wrong.status_code == 401
    assert wrong.json() == {"error": "invalid_client", "error_description": "invalid client_secret parameter"}
    unknown = token_for(emulator, "nobody", "right")
    assert unknown.status_code == 401
    assert unknown.json()["error"] == "invalid_client"
    grant = token_for(emulator, client["client_id"], "right", grant_type="authorization_code")
    assert grant.status_code == 400
    assert grant.json()["error"] == "unsupported_grant_type"
    missing = requests.post(
        f"{emulator.base_url}/ims/token/v3", data={"grant_type": "client_credentials"}, timeout=10
    )
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"
    assert emulator.control.aep.tokens() == []


def _status_and_body(tenant: Tenant, **header_overrides: str | None) -> tuple[int, Any]:
    response = tenant.get(f"{FLOW}/flows", headers=tenant.headers(**header_overrides))
    return response.status_code, response.json()


def test_gateway_errors_have_the_documented_codes(tenant):
    assert _status_and_body(tenant, Authorization=None) == (
        401,
        {"error_code": "403010", "message": "Oauth token is missing."},
    )
    assert _status_and_body(tenant, Authorization="Basic abc")[1]["error_code"] == "403010"
    assert _status_and_body(tenant, x_api_key=None) == (
        403,
        {"error_code": "403000", "message": "Api Key is required"},
    )
    assert _status_and_body(tenant, Authorization="Bearer not-a-token") == (
        401,
        {"error_code": "401013", "message": "Oauth token is not valid"},
    )
    assert _status_and_body(tenant, x_api_key="someone-else") == (
        403,
        {"error_code": "403003", "message": "Api Key is invalid"},
    )
    status, body = _status_and_body(tenant, x_gw_ims_org_id=None)
    assert (status, body["error_code"]) == (400, "400003")
    status, body = _status_and_body(tenant, x_gw_ims_org_id="0000@AdobeOrg")
    assert status == 401
    assert body["type"] == "https://ns.adobe.com/aep/errors/FLOW-2000-401"
    status, body = _status_and_body(tenant, x_sandbox_name=None)
    assert (status, body["type"]) == (400, "https://ns.adobe.com/aep/errors/FLOW-2105-400")
    status, body = _status_and_body(tenant, x_sandbox_name="nope")
    assert (status, body["type"]) == (404, "https://ns.adobe.com/aep/errors/FLOW-2100-404")
    assert body["status"] == 404 and "nope" in body["report"]["detailed-message"]
    # Every Platform API sits behind the same checks.
    catalog = tenant.get(DATASETS, headers=tenant.headers(Authorization=None))
    assert catalog.status_code == 401 and catalog.json()["error_code"] == "403010"


def test_token_of_another_org_is_refused(emulator, tenant):
    other = make_tenant(emulator)
    status, body = _status_and_body(tenant, x_gw_ims_org_id=other.org)
    assert status == 401 and body["type"].endswith("FLOW-2000-401")


def test_tokens_expire_with_time_and_by_control(emulator_factory):
    clock = FakeClock()
    emu = emulator_factory(clock=clock)
    tenant = make_tenant(emu)
    assert _status_and_body(tenant)[0] == 200
    clock.advance(86398)
    assert _status_and_body(tenant)[0] == 200
    clock.advance(2)
    assert _status_and_body(tenant) == (401, {"error_code": "401013", "message": "Oauth token is not valid"})
    assert emu.control.aep.tokens()[0]["expired"] is True

    fresh = make_tenant(emu)
    token_id = emu.control.aep.tokens()[-1]["id"]
    emu.control.aep.revoke_token(token_id)
    assert _status_and_body(fresh)[0] == 401
    again = make_tenant(emu)
    assert emu.control.aep.expire_tokens(again.client_id) == 1
    assert _status_and_body(again)[0] == 401


def test_sandboxes_are_isolated(emulator):
    dev = make_tenant(emulator, sandboxes=("prod", "dev"), sandbox="dev")
    prod = replace(dev, sandbox="prod")  # same org, client and token
    schema_id = dev.schema()
    dataset_id = dev.dataset(schema_id)
    source_id = dev.source_connection()
    assert dev.get(f"{FLOW}/sourceConnections/{source_id}").status_code == 200
    hidden = prod.get(f"{FLOW}/sourceConnections/{source_id}")
    assert hidden.status_code == 404
    assert prod.get(f"{FLOW}/sourceConnections").json() == {"items": []}
    assert prod.get(f"{DATASETS}/{dataset_id}").status_code == 404
    # A schema of another sandbox cannot back a dataset here.
    assert prod.post(DATASETS, json={"name": "x", "schemaRef": {"id": schema_id}}).status_code == 400
