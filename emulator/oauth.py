"""The OAuth authorization code grant (reference §7.1): the merchant's approval and the code exchange.

Shop surface (no access token needed: ``emulator.admin_api.admit`` lets ``GRANT_PATHS`` through)
  GET  /shops/{shop}/admin/oauth/authorize?client_id=&scope=a,b&redirect_uri=&state=[&grant_options[]=]
       The emulator approves at once, as the merchant would: 302 to
       ``{redirect_uri}?code=…&hmac=…&host=…&shop={shop}.myshopify.com&state=…&timestamp=…``, signed with
       the app's client secret (hex HMAC over the sorted query, ``shopify_api.oauth.sign_query``).
       Refusals are 400 error pages ``Oauth error <error>: <description>``.
  POST /shops/{shop}/admin/oauth/access_token   body JSON or form {client_id, client_secret, code}
       -> 200 {"access_token": "shpat_…", "scope": "read_orders,…"}; the token works on the Admin API with
       exactly those scopes. A bad, used or expired code -> 400 {"error": "invalid_request",
       "error_description": "The authorization code was not found or was already used"}.

Control
  GET   /_control/shops/{shop}/apps/{app}/oauth    -> 200 {"oauth": {client_id, redirect_urls}}
  PATCH /_control/shops/{shop}/apps/{app}/oauth    body {client_id?, redirect_urls?} -> 200 {"oauth": …}
  GET   /_control/oauth/settings                   -> 200 {"settings": {code_lifetime, withhold_scopes}}
  PUT   /_control/oauth/settings                   body any of those keys -> 200 {"settings": …}
       ``code_lifetime``: seconds a code stays usable (default 60). ``withhold_scopes``: scopes the merchant
       does not grant although the app requests them (to exercise "missing scopes"). Both are kept in
       memory and return to their defaults on /_control/reset; pending codes are forgotten then too.

UNCONFIRMED (not in the reference; the most plausible behaviour is emulated):
* the wording of the authorize error pages (Shopify shows an HTML page; these follow community reports);
* a wrong client secret -> 400 {"error": "invalid_client", …} (OAuth 2.0 would say 401; Shopify answers
  its token errors with 400) and it does not use up the code;
* the code lifetime (60 s here; Shopify does not document it);
* redirect URLs are compared exactly (no loopback-port wildcard, no prefix match);
* each exchange issues a new token and earlier tokens keep working; online tokens
  (``grant_options[]=per-user``) and the other grants of §7.2 are not emulated (400).
"""

from __future__ import annotations

import base64
import hmac
import html
import math
import secrets
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, Flask, Response, current_app, g, jsonify, redirect, request
from flask.typing import ResponseReturnValue

from emulator import accounts
from emulator.context import current
from emulator.errors import ControlError, not_found
from emulator.jsonio import control_body
from emulator.state import App, Shop, Store
from shopify_api.oauth import ACCESS_TOKEN_PATH, AUTHORIZE_PATH, sign_query

GRANT_PATHS = frozenset({AUTHORIZE_PATH, ACCESS_TOKEN_PATH})
DEFAULT_CODE_LIFETIME = 60.0  # seconds; UNCONFIRMED
EXTENSION_KEY = "shopstream_oauth"
CODE_NOT_FOUND = {
    "error": "invalid_request",
    "error_description": "The authorization code was not found or was already used",
}
INVALID_CLIENT = {
    "error": "invalid_client",
    "error_description": "Client authentication failed: the client_id or client_secret is not valid",
}

bp = Blueprint("oauth", __name__)


@dataclass
class OAuthSettings:
    code_lifetime: float = DEFAULT_CODE_LIFETIME
    withhold_scopes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"code_lifetime": self.code_lifetime, "withhold_scopes": list(self.withhold_scopes)}


@dataclass(frozen=True)
class PendingCode:
    shop: str
    app: str
    client_id: str
    scopes: tuple[str, ...]
    issued_at: float


class Grants:
    """Issued, not yet exchanged codes and the switches; guarded by ``store.lock``."""

    def __init__(self) -> None:
        self.codes: dict[str, PendingCode] = {}
        self.settings = OAuthSettings()

    def reset(self) -> None:
        self.codes.clear()
        self.settings = OAuthSettings()

    def drop_expired(self, now: float) -> None:
        lifetime = self.settings.code_lifetime
        for code in [code for code, grant in self.codes.items() if now - grant.issued_at > lifetime]:
            del self.codes[code]


def install(app: Flask, store: Store) -> None:
    """Register the grant endpoints and their control surface on ``app``."""
    grants = Grants()
    app.extensions[EXTENSION_KEY] = grants
    store.reset_hooks.append(grants.reset)
    app.register_blueprint(bp)


def _grants() -> Grants:
    return cast(Grants, current_app.extensions[EXTENSION_KEY])


def _app_by_client_id(shop: Shop, client_id: str) -> App | None:
    for app in shop.apps.values():
        if client_id and hmac.compare_digest(app.client_id.encode(), client_id.encode()):
            return app
    return None


def _shop() -> Shop:
    shop = current().store.shops.get(g.shop_name)
    if shop is None:  # removed through the control surface since admission
        raise not_found()
    return shop


# --- authorize ------------------------------------------------------------------------------------------


def _error_page(error: str, description: str) -> Response:
    text = f"Oauth error {error}: {description}"
    page = f"<!DOCTYPE html>\n<html><head><title>{html.escape(text)}</title></head>"
    page += f"<body><h1>{html.escape(text)}</h1></body></html>\n"
    return Response(page, status=400, mimetype="text/html")


def _host_param(shop: str) -> str:
    # The admin's address, base64 without padding (reference §7.1 step 3).
    return base64.b64encode(f"admin.shopify.com/store/{shop}".encode()).decode("ascii").rstrip("=")


@bp.get(AUTHORIZE_PATH)
def authorize() -> ResponseReturnValue:
    args = request.args
    client_id = args.get("client_id", "")
    redirect_uri = args.get("redirect_uri", "")
    store, grants = current().store, _grants()
    with store.lock:
        shop = _shop()
        app = _app_by_client_id(shop, client_id)
        if app is None:
            return _error_page(
                "invalid_request", f"Could not find Shopify API application with api_key {client_id}"
            )
        if not redirect_uri:
            return _error_page("invalid_request", "The redirect_uri is missing")
        if redirect_uri not in app.redirect_urls:
            return _error_page("invalid_request", "The redirect_uri is not whitelisted")
        if any(option not in ("", "value") for option in args.getlist("grant_options[]")):
            return _error_page(
                "invalid_request", "Only offline access is emulated: omit grant_options[] (per-user)"
            )
        try:
            requested = accounts.parse_scopes(args.get("scope", ""))
        except ControlError as exc:
            return _error_page("invalid_scope", exc.message)
        withheld = set(grants.settings.withhold_scopes)
        granted = tuple(scope for scope in requested if scope not in withheld)
        code = secrets.token_hex(16)
        now = store.clock()
        grants.codes[code] = PendingCode(shop.name, app.name, app.client_id, granted, now)
        target = urlsplit(redirect_uri)
        params = [
            *parse_qsl(target.query, keep_blank_values=True),
            ("code", code),
            ("host", _host_param(shop.name)),
            ("shop", f"{shop.name}.myshopify.com"),
            ("timestamp", str(int(now))),
        ]
        if "state" in args:
            params.append(("state", args["state"]))
        params.append(("hmac", sign_query(params, app.client_secret)))
        query = urlencode(sorted(params, key=lambda pair: pair[0]))
    return redirect(urlunsplit(target._replace(query=query)), code=302)


# --- access_token ---------------------------------------------------------------------------------------


def _grant_body() -> dict[str, Any] | None:
    if request.mimetype == "application/json":
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else None
    return dict(request.form.items())


def _token_error(body: dict[str, str]) -> Response:
    response = jsonify(body)
    response.status_code = 400
    return response


@bp.post(ACCESS_TOKEN_PATH)
def access_token() -> ResponseReturnValue:
    body = _grant_body()
    if body is None:
        return _token_error(
            {"error": "invalid_request", "error_description": "The body must be a JSON object"}
        )
    if "grant_type" in body:
        return _token_error(
            {
                "error": "unsupported_grant_type",
                "error_description": "Only the authorization code grant is emulated",
            }
        )
    client_id, client_secret, code = (body.get(key) for key in ("client_id", "client_secret", "code"))
    store, grants = current().store, _grants()
    with store.lock:
        shop = _shop()
        app = _app_by_client_id(shop, client_id) if isinstance(client_id, str) else None
        if (
            app is None
            or not isinstance(client_secret, str)
            or not hmac.compare_digest(app.client_secret.encode(), client_secret.encode())
        ):
            return _token_error(INVALID_CLIENT)
        grants.drop_expired(store.clock())
        pending = grants.codes.get(code) if isinstance(code, str) else None
        # A code issued to another shop or app is refused without being used up.
        if pending is None or (pending.shop, pending.app, pending.client_id) != (
            shop.name,
            app.name,
            app.client_id,
        ):
            return _token_error(CODE_NOT_FOUND)
        del grants.codes[cast(str, code)]  # one-time
        token = accounts.create_token(store, shop, app=app.name, scopes=list(pending.scopes))
        store.save()
        return {"access_token": token.value, "scope": ",".join(token.scopes)}


# --- control --------------------------------------------------------------------------------------------


def _oauth_json(app: App) -> dict[str, Any]:
    return {"client_id": app.client_id, "redirect_urls": list(app.redirect_urls)}


@bp.get("/_control/shops/<shop_name>/apps/<app_name>/oauth")
def get_app_oauth(shop_name: str, app_name: str) -> ResponseReturnValue:
    store = current().store
    with store.lock:
        return {"oauth": _oauth_json(accounts.get_app(accounts.get_shop(store, shop_name), app_name))}


@bp.patch("/_control/shops/<shop_name>/apps/<app_name>/oauth")
def update_app_oauth(shop_name: str, app_name: str) -> ResponseReturnValue:
    body = control_body()
    store = current().store
    with store.lock:
        shop = accounts.get_shop(store, shop_name)
        app = accounts.get_app(shop, app_name)
        # Validate everything before changing anything.
        client_id = accounts.check_client_id(body["client_id"]) if "client_id" in body else app.client_id
        urls = accounts.check_redirect_urls(body["redirect_urls"]) if "redirect_urls" in body else None
        accounts.check_client_id_free(shop, client_id, besides=app)
        app.client_id = client_id
        if urls is not None:
            app.redirect_urls = urls
        store.save()
        return {"oauth": _oauth_json(app)}


@bp.get("/_control/oauth/settings")
def get_settings() -> ResponseReturnValue:
    with current().store.lock:
        return {"settings": _grants().settings.to_json()}


@bp.put("/_control/oauth/settings")
def update_settings() -> ResponseReturnValue:
    body = control_body()
    unknown = sorted(set(body) - {"code_lifetime", "withhold_scopes"})
    if unknown:
        raise ControlError(400, f"unknown OAuth settings: {', '.join(unknown)}")
    lifetime = body.get("code_lifetime")
    if lifetime is not None and (
        not isinstance(lifetime, int | float)
        or isinstance(lifetime, bool)
        or not math.isfinite(lifetime)
        or lifetime <= 0
    ):
        raise ControlError(400, "code_lifetime must be a positive number of seconds")
    withhold = accounts.parse_scopes(body["withhold_scopes"]) if "withhold_scopes" in body else None
    with current().store.lock:
        settings = _grants().settings
        if lifetime is not None:
            settings.code_lifetime = float(lifetime)
        if withhold is not None:
            settings.withhold_scopes = withhold
        return {"settings": settings.to_json()}
