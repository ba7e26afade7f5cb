"""The client credentials grant (reference §0, §7.2): tokens with the installation's scopes that expire, and
the switch that refuses a public app's non-expiring tokens (Shopify from 2027-01-01)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from shopstream.emulator import RunningEmulator
from shopstream.emulator.admin_api import NON_EXPIRING_REFUSED_BODY
from shopstream.emulator.control_client import ControlClientError
from shopstream.emulator.errors import UNAUTHORIZED_BODY
from tests.emulator.support import Admin, FakeClock
from tests.emulator_graphql.support import Graphql

CLIENT_ID = "cid-dev-dashboard"
SECRET = "dev-dashboard-secret"
COUNT = "{ webhookSubscriptionsCount { count } }"


def make_app_shop(emu: RunningEmulator, name: str = "acme", **options: Any) -> None:
    emu.control.create_shop(
        name, client_id=CLIENT_ID, client_secret=SECRET, scopes=["read_orders", "read_products"], **options
    )


def grant(
    emu: RunningEmulator, shop: str = "acme", client_id: str = CLIENT_ID, client_secret: str = SECRET
) -> requests.Response:
    return requests.post(
        f"{emu.shop_url(shop)}/admin/oauth/access_token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret},
        timeout=10,
    )


def test_grant_returns_a_working_token_with_the_installation_scopes(emulator):
    make_app_shop(emulator)
    response = grant(emulator)
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["access_token", "scope", "expires_in"]
    assert body["scope"] == "read_orders,read_products" and body["expires_in"] == 86399
    assert body["access_token"].startswith("shpat_")
    api = Graphql(emulator.shop_url("acme"), body["access_token"])
    scopes = api.data("{ currentAppInstallation { accessScopes { handle } } }")
    assert [s["handle"] for s in scopes["currentAppInstallation"]["accessScopes"]] == [
        "read_orders",
        "read_products",
    ]
    assert Admin(api.shop_url, body["access_token"]).get("/webhooks.json").status_code == 200
    (token,) = emulator.control.tokens("acme")
    assert token["grant"] == "client_credentials" and token["expires_at"] is not None
    assert body["access_token"] not in str(emulator.control.tokens("acme"))


def test_the_host_routed_form_and_json_bodies_work_too(emulator):
    make_app_shop(emulator)
    routed = requests.post(
        f"{emulator.base_url}/admin/oauth/access_token",
        json={"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET},
        headers={"Host": "acme.myshopify.com"},
        timeout=10,
    )
    assert routed.status_code == 200 and routed.json()["expires_in"] == 86399
    helper = emulator.control.grant_client_credentials("acme", CLIENT_ID, SECRET)
    assert helper["access_token"] != routed.json()["access_token"]  # each grant issues a new token


def test_tokens_expire_on_rest_and_graphql(emulator_factory):
    clock = FakeClock()
    emu = emulator_factory(clock=clock, token_lifetime=120)
    make_app_shop(emu)
    body = grant(emu).json()
    assert body["expires_in"] == 120
    api = Graphql(emu.shop_url("acme"), body["access_token"])
    rest = Admin(api.shop_url, body["access_token"])
    clock.advance(119)
    assert api.post(COUNT).status_code == 200 and rest.get("/webhooks.json").status_code == 200
    clock.advance(1)
    for response in (api.post(COUNT), rest.get("/webhooks.json")):
        assert response.status_code == 401 and response.json() == UNAUTHORIZED_BODY
    # A new grant works again; the lifetime is settable at run time.
    emu.control.set_token_lifetime(5)
    fresh = grant(emu).json()
    assert fresh["expires_in"] == 5
    assert Graphql(api.shop_url, fresh["access_token"]).post(COUNT).status_code == 200
    clock.advance(5)
    assert Graphql(api.shop_url, fresh["access_token"]).post(COUNT).status_code == 401
    assert emu.control.oauth_settings()["token_lifetime"] == 5
    emu.control.reset()
    assert emu.control.oauth_settings()["token_lifetime"] == 120  # back to the server's setting


def test_wrong_credentials_and_apps_not_installed(emulator):
    make_app_shop(emulator)
    emulator.control.create_shop("globex")
    wrong_secret = grant(emulator, client_secret="nope")
    assert wrong_secret.status_code == 400 and wrong_secret.json()["error"] == "invalid_client"
    unknown = grant(emulator, client_id="cid-unknown")
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_client"
    not_here = grant(emulator, shop="globex")  # the app exists, on another shop
    assert not_here.status_code == 400
    assert not_here.json() == {
        "error": "shop_not_permitted",
        "error_description": "Client credentials cannot be performed on this shop.",
    }
    emulator.control.update_app("acme", "default", installed=False)
    assert grant(emulator).json()["error"] == "shop_not_permitted"
    with pytest.raises(ControlClientError) as refused:
        emulator.control.grant_client_credentials("acme", CLIENT_ID, SECRET)
    assert refused.value.status == 400


def test_a_shop_can_refuse_public_apps_non_expiring_tokens(emulator):
    make_app_shop(emulator, public=True)
    static = emulator.control.create_token("acme", ["read_orders"])
    custom = emulator.control.create_token("acme", ["read_orders"], app="custom")
    emulator.control.update_shop("acme", refuse_non_expiring_tokens=True)
    url = emulator.shop_url("acme")
    for response in (Graphql(url, static).post(COUNT), Admin(url, static).get("/webhooks.json")):
        assert response.status_code == 401 and response.json() == NON_EXPIRING_REFUSED_BODY
    assert "expiring" in NON_EXPIRING_REFUSED_BODY["errors"]
    assert Graphql(url, grant(emulator).json()["access_token"]).post(COUNT).status_code == 200
    assert Graphql(url, custom).post(COUNT).status_code == 200  # custom apps are exempt
    emulator.control.update_shop("acme", refuse_non_expiring_tokens=False)
    assert Graphql(url, static).post(COUNT).status_code == 200
