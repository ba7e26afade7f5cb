"""The OAuth grants (reference §7): the authorization code grant (the merchant's approval and the code
exchange) and the client credentials grant (an app of the shop's own organisation gets a 24-hour token).

Shop surface (no access token needed: ``shopstream.emulator.admin_api.admit`` lets ``GRANT_PATHS`` through)
  GET  /shops/{shop}/admin/oauth/authorize?client_id=&scope=a,b&redirect_uri=&state=[&grant_options[]=]
       The emulator approves at once, as the merchant would: 302 to
       ``{redirect_uri}?code=…&hmac=…&host=…&shop={shop}.myshopify.com&state=…&timestamp=…``, signed with
       the app's client secret (hex HMAC over the sorted query, ``shopstream.shopify_api.oauth.sign_query``).
       Refusals are 400 error pages ``Oauth error <error>: <description>``.
  POST /shops/{shop}/admin/oauth/access_token   body JSON or form {client_id, client_secret, code}
       -> 200 {"access_token": "shpat_…", "scope": "read_orders,…"}; the token works on the Admin API with
       exactly those scopes. A bad, used or expired code -> 400 {"error": "invalid_request",
       "error_description": "The authorization code was not found or was already used"}.
  POST /shops/{shop}/admin/oauth/access_token   form (or JSON) {grant_type=client_credentials, client_id,
       client_secret} -> 200 {"access_token": "shpat_…", "scope": "a,b", "expires_in": 86399}: a token with
       the installation's scopes (the app's ``scopes``) that expires after ``token_lifetime`` seconds, then
       401 on REST and GraphQL. Each grant issues a new token; earlier ones keep working until they expire.
       Wrong client secret, or a client_id no shop knows -> 400 ``invalid_client`` (below). A client_id of an
       app that is not installed on this shop (known on another shop, or ``installed: false``) -> 400
       {"error": "shop_not_permitted", "error_description": "Client credentials cannot be performed on this
       shop."} (UNCONFIRMED shape: Shopify's error for an app not installed is not documented; this is the
       OAuth error style of its token endpoint).

Control
  GET   /_control/shops/{shop}/apps/{app}/oauth    -> 200 {"oauth": {client_id, redirect_urls}}
  PATCH /_control/shops/{shop}/apps/{app}/oauth    body {client_id?, redirect_urls?} -> 200 {"oauth": …}
  GET   /_control/oauth/settings                   -> 200 {"settings": {code_lifetime, withhold_scopes,
                                                      token_lifetime}}
  PUT   /_control/oauth/settings                   body any of those keys -> 200 {"settings": …}
       ``code_lifetime``: seconds a code stays usable (default 60). ``withhold_scopes``: scopes the merchant
       does not grant although the app requests them (to exercise "missing scopes"). ``token_lifetime``:
       seconds a client-credentials token lives (default 86399, or the server's ``--token-lifetime``; tokens
       already issued keep their expiry). All are kept in memory and return to their defaults on
       /_control/reset; pending codes are forgotten then too.

UNCONFIRMED (not in the reference; the most plausible behaviour is emulated):
* the wording of the authorize error pages (Shopify shows an HTML page; these follow community reports);
* a wrong client secret -> 400 {"error": "invalid_client", …} (OAuth 2.0 would say 401; Shopify answers
  its token errors with 400) and it does not use up the code;
* the code lifetime (60 s here; Shopify does not document it);
* redirect URLs are compared exactly (no loopback-port wildcard, no prefix match);
* each exchange issues a new token and earlier tokens keep working; online tokens
  (``grant_options[]=per-user``), token exchange and refresh (§7.2) are not emulated (400);
* client-credentials tokens look like static ones (``shpat_`` + 32 hex); only their expiry differs.
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

from shopstream.emulator import accounts
from shopstream.emulator.context import current
from shopstream.emulator.errors import ControlError, not_found
from shopstream.emulator.jsonio import control_body
from shopstream.emulator.state import GRANT_AUTHORIZATION_CODE, GRANT_CLIENT_CREDENTIALS, App, Shop, Store
from shopstream.shopify_api.oauth import ACCESS_TOKEN_PATH, AUTHORIZE_PATH, sign_query

GRANT_PATHS = frozenset({AUTHORIZE_PATH, ACCESS_TOKEN_PATH})
DEFAULT_CODE_LIFETIME = 60.0  # seconds; UNCONFIRMED
DEFAULT_TOKEN_LIFETIME = 86_399.0  # seconds: the documented expires_in of a client-credentials token
CLIENT_CREDENTIALS = "client_credentials"
NOT_INSTALLED = {  # UNCONFIRMED, see the module docstring
    "error": "shop_not_permitted",
    "error_description": "Client credentials cannot be performed on this shop.",
}
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
    token_lifetime: float = DEFAULT_TOKEN_LIFETIME

    def to_json(self) -> dict[str, Any]:
        return {
            "code_lifetime": self.code_lifetime,
            "withhold_scopes": list(self.withhold_scopes),
            "token_lifetime": self.token_lifetime,
        }


@dataclass(frozen=True)
class PendingCode:
    shop: str
    app: str
    client_id: str
    scopes: tuple[str, ...]
    issued_at: float


class Grants:
    """Issued, not yet exchanged codes and the switches; guarded by ``store.lock``."""

    def __init__(self, token_lifetime: float = DEFAULT_TOKEN_LIFETIME) -> None:
        self.codes: dict[str, PendingCode] = {}
        self.default_token_lifetime = token_lifetime
        self.settings = OAuthSettings(token_lifetime=token_lifetime)

    def reset(self) -> None:
        self.codes.clear()
        self.settings = OAuthSettings(token_lifetime=self.default_token_lifetime)

    def drop_expired(self, now: float) -> None:
        lifetime = self.settings.code_lifetime
        for code in [code for code, grant in self.codes.items() if now - grant.issued_at > lifetime]:
            del self.codes[code]


def install(app: Flask, store: Store, *, token_lifetime: float | None = None) -> None:
    """Register the grant endpoints and their control surface on ``app``."""
    grants = Grants(token_lifetime if token_lifetime is not None else DEFAULT_TOKEN_LIFETIME)
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
    if body.get("grant_type") == CLIENT_CREDENTIALS:
        return _client_credentials(body)
    if "grant_type" in body:
        return _token_error(
            {
                "error": "unsupported_grant_type",
                "error_description": "Only the authorization code and client credentials grants are emulated",
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
        token = accounts.create_token(
            store, shop, app=app.name, scopes=list(pending.scopes), grant=GRANT_AUTHORIZATION_CODE
        )
        app.scopes = list(pending.scopes)  # the installation now has the granted scopes
        store.save()
        return {"access_token": token.value, "scope": ",".join(token.scopes)}


def _secret_matches(app: App, client_secret: Any) -> bool:
    return isinstance(client_secret, str) and hmac.compare_digest(
        app.client_secret.encode(), client_secret.encode()
    )


def _client_credentials(body: dict[str, Any]) -> ResponseReturnValue:
    """The client credentials grant: a token for the app's installation on this shop (reference §7.2)."""
    client_id, client_secret = body.get("client_id"), body.get("client_secret")
    store, grants = current().store, _grants()
    with store.lock:
        shop = _shop()
        app = _app_by_client_id(shop, client_id) if isinstance(client_id, str) else None
        if app is None:
            # Known elsewhere (with that secret): the app exists but is not installed here.
            elsewhere = [
                other
                for s in store.shops.values()
                if s is not shop
                for other in s.apps.values()
                if isinstance(client_id, str) and other.client_id == client_id
            ]
            if any(_secret_matches(other, client_secret) for other in elsewhere):
                return _token_error(NOT_INSTALLED)
            return _token_error(INVALID_CLIENT)
        if not _secret_matches(app, client_secret):
            return _token_error(INVALID_CLIENT)
        if not app.installed:
            return _token_error(NOT_INSTALLED)
        now = store.clock()
        lifetime = grants.settings.token_lifetime
        # Expired client-credentials tokens of this app are dropped: a long demo must not pile them up.
        for token_id in [
            t.id
            for t in shop.tokens.values()
            if t.app == app.name and t.grant == GRANT_CLIENT_CREDENTIALS and t.expired(now)
        ]:
            del shop.tokens[token_id]
        token = accounts.create_token(
            store,
            shop,
            app=app.name,
            scopes=list(app.scopes),
            grant=GRANT_CLIENT_CREDENTIALS,
            expires_at=now + lifetime,
        )
        store.save()
        expires_in = int(lifetime) if float(lifetime).is_integer() else lifetime
        return {"access_token": token.value, "scope": ",".join(token.scopes), "expires_in": expires_in}


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
    unknown = sorted(set(body) - {"code_lifetime", "withhold_scopes", "token_lifetime"})
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
    token_lifetime = body.get("token_lifetime")
    if token_lifetime is not None and not _positive_seconds(token_lifetime):
        raise ControlError(400, "token_lifetime must be a positive number of seconds")
    with current().store.lock:
        settings = _grants().settings
        if token_lifetime is not None:
            settings.token_lifetime = float(token_lifetime)
        if lifetime is not None:
            settings.code_lifetime = float(lifetime)
        if withhold is not None:
            settings.withhold_scopes = withhold
        return {"settings": settings.to_json()}


def _positive_seconds(value: Any) -> bool:
    return (
        isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value > 0
    )
