"""The emulator's OAuth grant: the authorize redirect and its signature, refusals, the code exchange."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from shopstream.emulator import RunningEmulator
from shopstream.emulator.control_client import ControlClientError
from shopstream.shopify_api import oauth

SECRET = "hush"
CLIENT_ID = "cid-acme"
REDIRECT = "http://127.0.0.1:9/callback"
CODE_NOT_FOUND = {
    "error": "invalid_request",
    "error_description": "The authorization code was not found or was already used",
}


class Clock:
    def __init__(self) -> None:
        self.now = 1_795_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def acme(emulator: RunningEmulator) -> RunningEmulator:
    emulator.control.create_shop("acme", client_secret=SECRET, client_id=CLIENT_ID, redirect_urls=[REDIRECT])
    return emulator


def authorize(emu: RunningEmulator, shop: str = "acme", **params: Any) -> requests.Response:
    query = {
        "client_id": CLIENT_ID,
        "scope": "read_orders,write_products",
        "redirect_uri": REDIRECT,
        "state": "st-1",
        **params,
    }
    query = {k: v for k, v in query.items() if v is not None}
    return requests.get(f"{emu.shop_url(shop)}/admin/oauth/authorize", params=query, allow_redirects=False)


def callback_of(response: requests.Response) -> list[tuple[str, str]]:
    assert response.status_code == 302, response.text
    return parse_qsl(urlsplit(response.headers["Location"]).query, keep_blank_values=True)


def exchange(emu: RunningEmulator, code: str, *, form: bool = False, **overrides: Any) -> requests.Response:
    body = {"client_id": CLIENT_ID, "client_secret": SECRET, "code": code, **overrides}
    url = f"{emu.shop_url('acme')}/admin/oauth/access_token"
    return requests.post(url, data=body) if form else requests.post(url, json=body)


def code_of(emu: RunningEmulator, **params: Any) -> str:
    return dict(callback_of(authorize(emu, **params)))["code"]


# --- authorize ----------------------------------------------------------------------------------------


def test_authorize_redirects_with_a_signed_callback(acme: RunningEmulator) -> None:
    response = authorize(acme)
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    pairs = callback_of(response)
    assert [key for key, _ in pairs] == ["code", "hmac", "host", "shop", "state", "timestamp"]
    values = dict(pairs)
    assert values["shop"] == "acme.myshopify.com" and values["state"] == "st-1"
    assert abs(int(values["timestamp"]) - time.time()) < 5
    assert base64.b64decode(values["host"] + "==") == b"admin.shopify.com/store/acme"
    assert len(values["code"]) == 32
    # Hex HMAC over the sorted query with the app's client secret, as Shopify signs it.
    assert values["hmac"] == oauth.sign_query(pairs, SECRET)
    verified = oauth.verify_callback(
        pairs, secret=SECRET, expected_state="st-1", now=time.time(), expected_shop="acme.myshopify.com"
    )
    assert verified.code == values["code"]
    assert not oauth.query_hmac_is_valid(pairs, "another secret")


def test_authorize_through_the_shop_host(acme: RunningEmulator) -> None:
    response = requests.get(
        f"{acme.base_url}/admin/oauth/authorize",
        params={"client_id": CLIENT_ID, "scope": "read_orders", "redirect_uri": REDIRECT, "state": "s"},
        headers={"Host": "acme.myshopify.com"},
        allow_redirects=False,
    )
    assert dict(callback_of(response))["shop"] == "acme.myshopify.com"


def test_a_redirect_uri_with_its_own_query_is_signed_whole(acme: RunningEmulator) -> None:
    with_query = "http://127.0.0.1:9/callback?app=one"
    acme.control.call("PATCH", "/shops/acme/apps/default/oauth", {"redirect_urls": [REDIRECT, with_query]})
    pairs = callback_of(authorize(acme, redirect_uri=with_query))
    assert ("app", "one") in pairs and oauth.query_hmac_is_valid(pairs, SECRET)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"client_id": "unknown"}, "Oauth error invalid_request: Could not find Shopify API application"),
        ({"client_id": None}, "Could not find Shopify API application"),
        ({"redirect_uri": "http://127.0.0.1:9/elsewhere"}, "The redirect_uri is not whitelisted"),
        ({"redirect_uri": REDIRECT + "/"}, "The redirect_uri is not whitelisted"),
        ({"redirect_uri": None}, "The redirect_uri is missing"),
        ({"scope": "read_orders,READ ALL"}, "Oauth error invalid_scope"),
        ({"grant_options[]": "per-user"}, "Only offline access is emulated"),
    ],
)
def test_authorize_refusals(acme: RunningEmulator, params: dict[str, Any], message: str) -> None:
    response = authorize(acme, **params)
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/html")
    assert message in response.text
    assert "Location" not in response.headers


def test_authorize_for_an_unknown_shop_is_not_found(acme: RunningEmulator) -> None:
    response = authorize(acme, shop="nope")
    assert response.status_code == 404 and response.json() == {"errors": "Not Found"}


def test_empty_grant_options_mean_offline(acme: RunningEmulator) -> None:
    assert authorize(acme, **{"grant_options[]": ""}).status_code == 302


# --- access_token -------------------------------------------------------------------------------------


def test_the_exchange_returns_a_working_token_with_the_granted_scopes(acme: RunningEmulator) -> None:
    response = exchange(acme, code_of(acme))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "scope"} and body["scope"] == "read_orders,write_products"
    assert body["access_token"].startswith("shpat_")
    headers = {"X-Shopify-Access-Token": body["access_token"]}
    scopes = requests.get(f"{acme.shop_url('acme')}/admin/oauth/access_scopes.json", headers=headers)
    assert scopes.json() == {"access_scopes": [{"handle": "read_orders"}, {"handle": "write_products"}]}
    created = requests.post(
        f"{acme.shop_url('acme')}/admin/api/2026-10/webhooks.json",
        headers=headers,
        json={"webhook": {"topic": "products/update", "address": "https://hooks.example.com/p"}},
    )
    assert created.status_code == 201, created.text  # write_products implies read_products
    refused = requests.post(
        f"{acme.shop_url('acme')}/admin/api/2026-10/webhooks.json",
        headers=headers,
        json={"webhook": {"topic": "customers/create", "address": "https://hooks.example.com/c"}},
    )
    assert refused.status_code == 422
    tokens = acme.control.call("GET", "/shops/acme/tokens")["tokens"]
    assert [(t["app"], t["scopes"]) for t in tokens] == [("default", ["read_orders", "write_products"])]


def test_the_exchange_accepts_a_form_body(acme: RunningEmulator) -> None:
    response = exchange(acme, code_of(acme), form=True)
    assert response.status_code == 200 and response.json()["access_token"].startswith("shpat_")


def test_a_code_works_once(acme: RunningEmulator) -> None:
    code = code_of(acme)
    assert exchange(acme, code).status_code == 200
    again = exchange(acme, code)
    assert again.status_code == 400 and again.json() == CODE_NOT_FOUND


@pytest.mark.parametrize("code", ["0" * 32, "", None])
def test_an_unknown_code_is_refused(acme: RunningEmulator, code: str | None) -> None:
    response = exchange(acme, code)  # type: ignore[arg-type]
    assert response.status_code == 400 and response.json() == CODE_NOT_FOUND


def test_a_wrong_client_secret_is_refused_and_does_not_use_up_the_code(acme: RunningEmulator) -> None:
    code = code_of(acme)
    wrong = exchange(acme, code, client_secret="not-hush")
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_client"
    assert exchange(acme, code, client_id="other").json()["error"] == "invalid_client"
    assert exchange(acme, code).status_code == 200


def test_a_code_of_another_app_is_refused(acme: RunningEmulator) -> None:
    acme.control.call(
        "POST",
        "/shops/acme/apps",
        {"name": "other", "client_id": "cid-other", "client_secret": "s2", "redirect_urls": [REDIRECT]},
    )
    code = code_of(acme)  # issued to cid-acme
    refused = exchange(acme, code, client_id="cid-other", client_secret="s2")
    assert refused.status_code == 400 and refused.json() == CODE_NOT_FOUND
    assert exchange(acme, code).status_code == 200


def test_unsupported_grants_and_bodies(acme: RunningEmulator) -> None:
    url = f"{acme.shop_url('acme')}/admin/oauth/access_token"
    grant = requests.post(url, json={"grant_type": "refresh_token", "refresh_token": "shprt_x"})
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
    broken = requests.post(url, data="[1]", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and broken.json()["error"] == "invalid_request"


def test_codes_expire(emulator_factory: Callable[..., RunningEmulator]) -> None:
    clock = Clock()
    emu = emulator_factory(clock=clock)
    emu.control.create_shop("acme", client_secret=SECRET, client_id=CLIENT_ID, redirect_urls=[REDIRECT])
    assert emu.control.call("GET", "/oauth/settings") == {
        "settings": {"code_lifetime": 60.0, "withhold_scopes": [], "token_lifetime": 86399.0}
    }
    young, old = code_of(emu), code_of(emu)
    clock.now += 60
    assert exchange(emu, young).status_code == 200  # 60 s old: still usable
    clock.now += 1
    assert exchange(emu, old).json() == CODE_NOT_FOUND
    emu.control.call("PUT", "/oauth/settings", {"code_lifetime": 600})
    code = code_of(emu)
    clock.now += 599
    assert exchange(emu, code).status_code == 200


def test_the_merchant_can_grant_fewer_scopes(acme: RunningEmulator) -> None:
    settings = acme.control.call("PUT", "/oauth/settings", {"withhold_scopes": ["write_products"]})
    assert settings["settings"]["withhold_scopes"] == ["write_products"]
    assert exchange(acme, code_of(acme)).json()["scope"] == "read_orders"
    acme.control.reset()
    assert acme.control.call("GET", "/oauth/settings")["settings"]["withhold_scopes"] == []


def test_reset_forgets_pending_codes(acme: RunningEmulator) -> None:
    code = code_of(acme)
    acme.control.reset()
    acme.control.create_shop("acme", client_secret=SECRET, client_id=CLIENT_ID, redirect_urls=[REDIRECT])
    assert exchange(acme, code).json() == CODE_NOT_FOUND


# --- control surface ----------------------------------------------------------------------------------


def test_app_oauth_settings_default_and_change(emulator: RunningEmulator) -> None:
    emulator.control.create_shop("acme")
    generated = emulator.control.call("GET", "/shops/acme/apps/default/oauth")["oauth"]
    assert len(generated["client_id"]) == 32 and generated["redirect_urls"] == []
    # No redirect URL is allowed until one is configured.
    assert authorize(emulator, client_id=generated["client_id"]).status_code == 400
    changed = emulator.control.call(
        "PATCH",
        "/shops/acme/apps/default/oauth",
        {"client_id": "mine", "redirect_urls": [REDIRECT, REDIRECT]},
    )
    assert changed == {"oauth": {"client_id": "mine", "redirect_urls": [REDIRECT]}}
    assert authorize(emulator, client_id="mine").status_code == 302


@pytest.mark.parametrize(
    ("path", "method", "body", "status"),
    [
        ("/shops/acme/apps/default/oauth", "PATCH", {"redirect_urls": "http://x"}, 400),
        ("/shops/acme/apps/default/oauth", "PATCH", {"redirect_urls": ["ftp://x/cb"]}, 400),
        ("/shops/acme/apps/default/oauth", "PATCH", {"redirect_urls": ["/relative"]}, 400),
        ("/shops/acme/apps/default/oauth", "PATCH", {"client_id": "bad id"}, 400),
        ("/shops/acme/apps/default/oauth", "PATCH", {"client_id": "cid-two"}, 409),
        ("/shops/acme/apps/missing/oauth", "GET", None, 404),
        ("/shops/missing/apps/default/oauth", "GET", None, 404),
        ("/shops/acme/apps", "POST", {"name": "three", "client_id": "cid-two"}, 409),
        ("/oauth/settings", "PUT", {"code_lifetime": 0}, 400),
        ("/oauth/settings", "PUT", {"code_lifetime": True}, 400),
        ("/oauth/settings", "PUT", {"withhold_scopes": [1]}, 400),
        ("/oauth/settings", "PUT", {"surprise": 1}, 400),
    ],
)
def test_control_refusals(
    emulator: RunningEmulator, path: str, method: str, body: dict[str, Any] | None, status: int
) -> None:
    emulator.control.create_shop("acme", client_id="cid-one")
    emulator.control.call("POST", "/shops/acme/apps", {"name": "two", "client_id": "cid-two"})
    with pytest.raises(ControlClientError) as caught:
        emulator.control.call(method, path, body)
    assert caught.value.status == status
    assert emulator.control.call("GET", "/shops/acme/apps/default/oauth")["oauth"]["client_id"] == "cid-one"


def test_client_id_and_redirect_urls_persist(
    emulator_factory: Callable[..., RunningEmulator], tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    first = emulator_factory(state_file=state)
    first.control.create_shop("acme", client_secret=SECRET, client_id=CLIENT_ID, redirect_urls=[REDIRECT])
    first.stop()
    second = emulator_factory(state_file=state)
    assert second.control.call("GET", "/shops/acme/apps/default/oauth") == {
        "oauth": {"client_id": CLIENT_ID, "redirect_urls": [REDIRECT]}
    }
    assert exchange(second, code_of(second)).status_code == 200


def test_the_grant_never_logs_secrets(acme: RunningEmulator) -> None:
    code = code_of(acme)
    token = exchange(acme, code).json()["access_token"]
    log = str(acme.control.requests("acme"))
    assert "/admin/oauth/authorize" in log and "/admin/oauth/access_token" in log
    assert SECRET not in log and token not in log and code not in log
