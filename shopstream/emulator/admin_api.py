"""The REST Admin API surface: the webhook resource and ``access_scopes.json`` (reference §1, §3.1, §6, §7.1).

Every ``/admin/...`` request goes through :func:`admit` first, in this order:

1. shop (path prefix or Host, see ``shopstream.emulator.routing``): unknown -> 404 ``{"errors":"Not Found"}``;
2. ``X-Shopify-Access-Token``: missing, not a token of this shop, or expired (client credentials) -> 401;
   with the shop's ``refuse_non_expiring_tokens`` switch on, a public app's non-expiring token -> 401 with
   :data:`NON_EXPIRING_REFUSED_BODY` (Shopify from 2027-01-01; the body is UNCONFIRMED, chosen here);
3. the leaky bucket of (shop, token's app): full -> 429 with ``Retry-After`` and the documented body. Not for
   GraphQL (``shopstream.emulator.graphql_api``), whose calculated-cost bucket is separate;
4. the API version in the path: supported -> itself; well-formed but unsupported -> falls forward to the
   oldest supported stable version; malformed -> 404 (UNCONFIRMED: Shopify's answer to a garbage version
   is not documented; 404 is what an unroutable path gets). No version (``/admin/webhooks.json``) -> the
   oldest supported stable version.

Responses after step 2 carry ``X-Shopify-Shop-Api-Call-Limit`` (the bucket is per app, so requests that
name no app have none); versioned responses carry ``X-Shopify-API-Version`` with the version used.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Response, g, request
from flask.typing import ResponseReturnValue

from shopstream.emulator import webhook_rest
from shopstream.emulator.context import current
from shopstream.emulator.errors import UNAUTHORIZED_BODY, ApiError, not_found
from shopstream.emulator.fault_model import FAULT_ENVIRON_KEY
from shopstream.emulator.graphql_api import is_graphql_path
from shopstream.emulator.oauth import GRANT_PATHS
from shopstream.emulator.routing import SHOP_ENVIRON_KEY
from shopstream.emulator.state import Shop, Token
from shopstream.shopify_api.ratelimit import (
    CALL_LIMIT_HEADER,
    RETRY_AFTER_HEADER,
    SHOPIFY_RETRY_AFTER,
    format_retry_after,
)
from shopstream.shopify_api.topics import resolve_api_version

API_VERSION_HEADER = "X-Shopify-API-Version"
ACCESS_TOKEN_HEADER = "X-Shopify-Access-Token"

# Well-formed version handles: YYYY-MM or "unstable". Anything else counts as garbage.
_VERSION_SHAPE = re.compile(r"^(\d{4}-(0[1-9]|1[0-2])|unstable)$")
_VERSIONED_PATH = re.compile(r"^/admin/api/([^/]*)/")

bp = Blueprint("admin_api", __name__)

F = TypeVar("F", bound=Callable[..., ResponseReturnValue])


# UNCONFIRMED (Shopify has announced the change, not its answer): a 401 whose message says what changed and
# what to do, so a client can tell it from a wrong token.
NON_EXPIRING_REFUSED_BODY: dict[str, Any] = {
    "errors": "[API] Non-expiring access tokens are no longer accepted for public apps. "
    "Use an expiring offline access token "
    "(https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/offline-access-tokens)."
}


def throttled_body(leak_rate: float) -> dict[str, Any]:
    rate = int(leak_rate) if float(leak_rate).is_integer() else leak_rate
    return {
        "errors": f"Exceeded {rate} calls per second for api client. "
        "Reduce request rates to resume uninterrupted service."
    }


# --- request pipeline -----------------------------------------------------------------------------


@bp.before_app_request
def admit() -> None:
    g.received_at = current().store.clock()  # the request log says when it arrived, not only when answered
    path = request.path
    shop_name = request.environ.get(SHOP_ENVIRON_KEY)
    if path.startswith("/_control"):
        if shop_name is not None:  # the control surface is never under a shop
            raise not_found()
        return
    if shop_name is None or not path.startswith("/admin/"):
        raise not_found()
    # The version is worked out first so that even 401/429 answers say which version was used.
    versioned = _VERSIONED_PATH.match(path)
    garbage_version = False
    if versioned:
        garbage_version = not _VERSION_SHAPE.match(versioned.group(1))
        if not garbage_version:
            g.api_version = resolve_api_version(versioned.group(1))
    elif not path.startswith("/admin/oauth/"):  # OAuth endpoints are not versioned
        g.api_version = resolve_api_version(None)
    emu = current()
    with emu.store.lock:
        shop = emu.store.shops.get(shop_name)
        if shop is None:
            raise not_found()
        g.shop_name = shop.name
        if path in GRANT_PATHS:  # the OAuth grant (emulator.oauth) is how a token is obtained
            return
        presented = request.headers.get(ACCESS_TOKEN_HEADER, "")
        token = shop.token_by_value(presented) if presented else None
        if token is None or token.expired(emu.store.clock()):
            raise ApiError(401, UNAUTHORIZED_BODY)
        if shop.refuse_non_expiring_tokens and token.expires_at is None:
            app = shop.apps.get(token.app)
            if app is not None and app.public:
                raise ApiError(401, NON_EXPIRING_REFUSED_BODY)
        g.token_id, g.app = token.id, token.app
        if is_graphql_path(path):
            if garbage_version:
                raise not_found()
            return
        admission = emu.throttle.admit(shop, token.app)
        g.call_limit = admission.header_value
        if not admission.allowed:
            # Shopify always says 2.0; a slower (test-configured) bucket needs longer, so never less
            # than the real wait, or a client that honours the header would be refused again.
            wait = max(SHOPIFY_RETRY_AFTER, admission.retry_after)
            limit = emu.throttle.limit_for(shop)
            raise ApiError(
                429, throttled_body(limit.leak_rate), {RETRY_AFTER_HEADER: format_retry_after(wait)}
            )
    if garbage_version:
        raise not_found()


@bp.after_app_request
def decorate(response: Response) -> Response:
    if "call_limit" in g:
        response.headers[CALL_LIMIT_HEADER] = g.call_limit
    if g.get("api_version"):
        response.headers[API_VERSION_HEADER] = g.api_version
    if "shop_name" in g:
        emu = current()
        with emu.store.lock:
            emu.requests.record(
                g.shop_name,
                epoch=emu.store.clock(),
                received_epoch=g.get("received_at"),
                method=request.method,
                path=request.path,
                query=request.query_string.decode("latin-1"),
                status=response.status_code,
                app=g.get("app"),
                token_id=g.get("token_id"),
                fault=request.environ.get(FAULT_ENVIRON_KEY),
                graphql=g.get("graphql_log"),
            )
    return response


def _caller() -> tuple[Shop, Token]:
    """The shop and token admitted for this request (re-read under the lock: either may have been
    removed through the control surface since)."""
    shop = current().store.shops.get(g.shop_name)
    if shop is None:
        raise not_found()
    token = shop.tokens.get(g.token_id)
    if token is None:
        raise ApiError(401, UNAUTHORIZED_BODY)
    return shop, token


def _route(rule: str, methods: list[str]) -> Callable[[F], F]:
    """Register ``rule`` under ``/admin/api/<version>`` and unversioned under ``/admin``."""

    def decorator(view: F) -> F:
        bp.add_url_rule(f"/admin/api/<version>{rule}", view_func=view, methods=methods)
        bp.add_url_rule(
            f"/admin{rule}", endpoint=f"{view.__name__}_unversioned", view_func=view, methods=methods
        )
        return view

    return decorator


# --- webhook resource -----------------------------------------------------------------------------


@_route("/webhooks.json", ["GET"])
def list_webhooks(version: str | None = None) -> ResponseReturnValue:
    with current().store.lock:
        shop, token = _caller()
        page = webhook_rest.list_page(shop, token.app, request.args, request.base_url)
        body = {"webhooks": [webhook_rest.render(s, shop, page.fields) for s in page.items]}
    headers = {"Link": page.link} if page.link else {}
    return body, 200, headers


@_route("/webhooks/count.json", ["GET"])
def count_webhooks(version: str | None = None) -> ResponseReturnValue:
    with current().store.lock:
        shop, token = _caller()
        return {"count": webhook_rest.count(shop, token.app, request.args)}


@_route("/webhooks.json", ["POST"])
def create_webhook(version: str | None = None) -> ResponseReturnValue:
    body = request.get_json(force=True, silent=True)
    store = current().store
    with store.lock:
        shop, token = _caller()
        sub = webhook_rest.create(store, shop, token, g.api_version, body)
        store.save()
        return {"webhook": webhook_rest.render(sub, shop)}, 201


@_route("/webhooks/<int:webhook_id>.json", ["GET"])
def get_webhook(webhook_id: int, version: str | None = None) -> ResponseReturnValue:
    with current().store.lock:
        shop, token = _caller()
        sub = webhook_rest.find(shop, token, webhook_id)
        fields = webhook_rest.parse_fields_param(request.args.get("fields"))
        return {"webhook": webhook_rest.render(sub, shop, fields)}


@_route("/webhooks/<int:webhook_id>.json", ["PUT"])
def update_webhook(webhook_id: int, version: str | None = None) -> ResponseReturnValue:
    body = request.get_json(force=True, silent=True)
    store = current().store
    with store.lock:
        shop, token = _caller()
        sub = webhook_rest.update(store, shop, token, webhook_id, body)
        store.save()
        return {"webhook": webhook_rest.render(sub, shop)}


@_route("/webhooks/<int:webhook_id>.json", ["DELETE"])
def delete_webhook(webhook_id: int, version: str | None = None) -> ResponseReturnValue:
    store = current().store
    with store.lock:
        shop, token = _caller()
        webhook_rest.delete(shop, token, webhook_id)
        store.save()
        return {}


# --- OAuth helpers --------------------------------------------------------------------------------


@bp.route("/admin/oauth/access_scopes.json", methods=["GET"])
def access_scopes() -> ResponseReturnValue:
    with current().store.lock:
        _, token = _caller()
        return {"access_scopes": [{"handle": scope} for scope in token.scopes]}
