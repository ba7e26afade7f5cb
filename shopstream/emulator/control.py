"""Control surface of the emulator: JSON endpoints under ``/_control`` for tests, demos and drift scenarios.

Never part of the Admin API (not reachable under ``/shops/{shop}``), and unauthenticated: the emulator
listens on loopback only. Errors are ``{"error": "<message>"}`` with 400 (bad input), 404 (unknown shop,
app, token or subscription) or 409 (already exists). Bodies are JSON objects; absent keys keep defaults.

Server
  GET    /_control/health                          -> 200 {"ok": true}
  POST   /_control/reset                           -> 200 {} ; forgets every shop, bucket and request log
                                                      (subscription ids keep counting, never reused)
                                                      and all AEP emulator state
                                                      (shopstream.emulator.aep.control)
  Fault injection (5xx, 429 storms, latency, connection resets): /_control/faults, see
  shopstream.emulator.faults

Shops  (shop JSON: {name, domain, timezone, rate_limit: {bucket_size, leak_rate, default},
        cost_limit: {maximum_available, restore_rate, max_query_cost, default}, refuse_non_expiring_tokens,
        apps: [app, ...], admin_base_url})
  GET    /_control/shops                           -> 200 {"shops": [shop, ...]}
  POST   /_control/shops                           body {name, timezone?="-05:00" (±HH:MM or IANA),
                                                      app?="default", client_secret?=random,
                                                      webhook_api_version?=newest stable,
                                                      client_id?=random, redirect_urls?=[],
                                                      scopes?=[] (of the app's installation),
                                                      public?=false}
                                                   -> 201 {"shop": shop, "app": app-with-client_secret}
  GET    /_control/shops/{shop}                    -> 200 {"shop": shop}
  PATCH  /_control/shops/{shop}                    body {timezone?, refuse_non_expiring_tokens?: bool}
                                                   -> 200 {"shop": shop}; with refuse_non_expiring_tokens
                                                      a public app's non-expiring token gets 401 (Shopify
                                                      from 2027-01-01, see shopstream.emulator.admin_api)
  DELETE /_control/shops/{shop}                    -> 200 {}
  PUT    /_control/shops/{shop}/rate_limit         body {bucket_size: int>=1, leak_rate: number>0}
                                                   -> 200 {"rate_limit": {...}}; buckets restart empty
  DELETE /_control/shops/{shop}/rate_limit         -> 200 {"rate_limit": {...}}; back to the server default
  PUT    /_control/shops/{shop}/cost_limit         body {maximum_available?: int>=1, restore_rate?: number>0,
                                                      max_query_cost?: int>=1} (absent: server default)
                                                   -> 200 {"cost_limit": {...}}; the GraphQL points buckets
                                                      of the shop's apps restart full
  DELETE /_control/shops/{shop}/cost_limit         -> 200 {"cost_limit": {...}}; back to the server default
  GET    /_control/shops/{shop}/cost_limit         ?app=default -> 200 {"cost_limit": {...},
                                                      "throttle_status": {maximumAvailable,
                                                      currentlyAvailable, restoreRate}} (of that app's bucket)

Apps  (app JSON: {name, webhook_api_version, client_id, scopes, public, installed}; client_secret only in
       the POST answer. scopes: the installation's, what a client-credentials token gets; public: only a
       public app loses its non-expiring tokens; installed: false makes the client credentials grant fail)
  GET    /_control/shops/{shop}/apps               -> 200 {"apps": [app, ...]}
  POST   /_control/shops/{shop}/apps               body {name, client_secret?, webhook_api_version?,
                                                      client_id?, redirect_urls?, scopes?, public?,
                                                      installed?}
                                                   -> 201 {"app": app-with-client_secret}
  OAuth settings of an app (client_id, redirect_urls), the grant and its switches: see
  shopstream.emulator.oauth
  PATCH  /_control/shops/{shop}/apps/{app}         body {client_secret?, webhook_api_version?, scopes?,
                                                      public?, installed?} -> 200 {"app": app}

Tokens  (token JSON: {id, app, scopes, created_at, grant: static|authorization_code|client_credentials,
         expires_at: ISO-8601 or null}; the token value only in the POST answer)
  GET    /_control/shops/{shop}/tokens             -> 200 {"tokens": [token, ...]}
  POST   /_control/shops/{shop}/tokens             body {app?="default" (created if missing),
                                                      scopes?=[] (list or "a,b" string),
                                                      token? (pin the value: "shpat_" + 32 hex),
                                                      expires_in? (seconds: an expiring token)}
                                                   -> 201 {"token": token, "access_token": "shpat_..."}
  PATCH  /_control/shops/{shop}/tokens/{id}        body {scopes} -> 200 {"token": token}
  DELETE /_control/shops/{shop}/tokens/{id}        -> 200 {} ; the token stops working (401)

Subscriptions behind the app's back  (subscription JSON: the REST webhook object plus "app", "filter" and
        "name", the GraphQL-only attributes; null when never set)
  GET    /_control/shops/{shop}/subscriptions      ?app= (optional) -> 200 {"subscriptions": [...]} (id order)
  POST   /_control/shops/{shop}/subscriptions      body {topic, address, app?="default", format?="json",
                                                      fields?=[], metafield_namespaces?=[], filter?,
                                                      name?, created_at? (ISO-8601)} ; no topic/scope/address
                                                      checks -> 201 {"subscription": ...}
  GET    /_control/shops/{shop}/subscriptions/{id} -> 200 {"subscription": ...}
  PATCH  /_control/shops/{shop}/subscriptions/{id} body {address?, topic?, format?, fields?,
                                                      metafield_namespaces?, filter?, name?} (filter and
                                                      name: null clears) ; updated_at is bumped
                                                   -> 200 {"subscription": ...}
  DELETE /_control/shops/{shop}/subscriptions/{id} -> 200 {}

Request log  (entry: {seq, time (answered), received (arrived), method, path, query, status, app,
              token_id, fault}; never a token value. GraphQL calls add graphql: {operation:
              query|mutation|null, operation_name, root_fields, requested_cost, actual_cost, outcome:
              ok|throttled|max_cost_exceeded|invalid}; never the query text or variables)
  GET    /_control/shops/{shop}/requests           ?since=<seq> (optional)
                                                   -> 200 {"requests": [...]} oldest first
  DELETE /_control/shops/{shop}/requests           -> 200 {}

Webhook deliveries  (shopstream.emulator.deliveries; kept in memory, cleared by /_control/reset)
  delivery JSON: {id, webhook_id, event_id, shop, app, subscription_id, topic, address, api_version,
    triggered_at, status: pending|retrying|succeeded|failed|subscription_removed, settled (no send queued
    or in flight), retries, next_retry_in_seconds, attempts: [{number, kind: delivery|retry|duplicate|
    redeliver, at, offset_seconds, duration_ms, status_code, error, ok}], removal: null | {reason, at,
    subscription_id}, headers (as sent), body (as sent)}. ``wait`` values are seconds, capped at 60.
  POST   /_control/shops/{shop}/events             body {topic, payload: {...}, duplicate?=false, wait?}
                                                   -> 202 {"event": {id, shop, topic, triggered_at},
                                                      "deliveries": [...], "skipped": [{subscription_id,
                                                      app, address, reason}]} ; one delivery per
                                                      subscription of the topic (all apps); duplicate
                                                      sends each twice with the same webhook id
  GET    /_control/shops/{shop}/deliveries         ?status= &topic= &event_id= &subscription_id= &wait=
                                                   -> 200 {"deliveries": [...], "settled": bool} oldest first
  DELETE /_control/shops/{shop}/deliveries         -> 200 {} ; forgets them, drops their queued sends
  GET    /_control/deliveries                      same filters plus ?shop= -> 200 {"deliveries", "settled"}
  GET    /_control/deliveries/{id}                 ?wait= -> 200 {"delivery": ...}
  POST   /_control/deliveries/{id}/redeliver       body {wait?} -> 202 {"delivery": ...} ; one more send,
                                                      same body and webhook id; the status is unchanged
  POST   /_control/deliveries/wait                 body {timeout?=10, shop?} -> 200 {"settled": bool,
                                                      "unsettled": n} once all (of the shop) are settled
                                                      or the timeout passed
  GET    /_control/deliveries/settings             -> 200 {"settings": {retry_schedule: [s, ...],
                                                      time_scale, connect_timeout, timeout,
                                                      remove_failing_subscriptions, allow_remote}}
  PUT    /_control/deliveries/settings             body: any of those keys -> 200 {"settings": ...}
  503 when the delivery worker has been stopped (server shutting down).
  Pub/Sub and EventBridge subscriptions get deliveries too (status succeeded, no network): each is published
  to the sink, a per-shop list of messages {seq, shop, delivery_id, subscription_id, destination: pubsub|
  eventbridge, address, pubsub_project?, pubsub_topic?, arn?, topic, attributes (the X-Shopify-* headers
  without the HMAC, X-Shopify-Name included), body (as JSON text)}. Kept in memory, cleared on reset.
  GET    /_control/shops/{shop}/sink               -> 200 {"messages": [...]} oldest first
  DELETE /_control/shops/{shop}/sink               -> 200 {}
  GET    /_control/sink                            ?shop= -> 200 {"messages": [...]}

GraphQL Admin API (shopstream.emulator.graphql_api), OAuth (shopstream.emulator.oauth: the client credentials
grant and its
token_lifetime setting) and fault injection (shopstream.emulator.faults) document their own control endpoints
there.
"""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from shopstream.emulator import accounts, deliveries, delivery_model, graphql_api, webhook_rest
from shopstream.emulator.context import current
from shopstream.emulator.errors import ControlError
from shopstream.emulator.jsonio import control_body
from shopstream.emulator.state import DEFAULT_APP, App, Shop, Store, Subscription, Token
from shopstream.emulator.timeutil import format_timestamp, parse_timestamp

bp = Blueprint("control", __name__, url_prefix="/_control")


def _cost_limit_json(shop: Shop) -> dict[str, Any]:
    limit = graphql_api.cost_throttle().limit_for(shop)
    return {
        "maximum_available": limit.maximum_available,
        "restore_rate": limit.restore_rate,
        "max_query_cost": limit.max_query_cost,
        "default": shop.cost_limit is None,
    }


def _shop_json(shop: Shop) -> dict[str, Any]:
    limit = current().throttle.limit_for(shop)
    return {
        "name": shop.name,
        "domain": f"{shop.name}.myshopify.com",
        "timezone": shop.timezone,
        "rate_limit": {
            "bucket_size": limit.bucket_size,
            "leak_rate": limit.leak_rate,
            "default": shop.rate_limit is None,
        },
        "cost_limit": _cost_limit_json(shop),
        "refuse_non_expiring_tokens": shop.refuse_non_expiring_tokens,
        "apps": [_app_json(app) for app in shop.apps.values()],
        "admin_base_url": f"{request.host_url}shops/{shop.name}",
    }


def _app_json(app: App, *, with_secret: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": app.name,
        "webhook_api_version": app.webhook_api_version,
        "client_id": app.client_id,
        "scopes": list(app.scopes),
        "public": app.public,
        "installed": app.installed,
    }
    if with_secret:
        data["client_secret"] = app.client_secret
    return data


def _token_json(token: Token, shop: Shop) -> dict[str, Any]:
    return {
        "id": token.id,
        "app": token.app,
        "scopes": list(token.scopes),
        "created_at": format_timestamp(token.created_at, shop.timezone),
        "grant": token.grant,
        "expires_at": (
            format_timestamp(math.ceil(token.expires_at), shop.timezone)
            if token.expires_at is not None
            else None
        ),
    }


def _subscription_json(sub: Subscription, shop: Shop) -> dict[str, Any]:
    return {**webhook_rest.render(sub, shop), "app": sub.app, "filter": sub.filter, "name": sub.name}


def _subscription(shop: Shop, raw_id: str) -> Subscription:
    try:
        sub = shop.subscriptions.get(int(raw_id))
    except ValueError:
        sub = None
    if sub is None:
        raise ControlError(404, f"no subscription {raw_id} on shop {shop.name!r}")
    return sub


def _string_list(body: dict[str, Any], key: str) -> list[str] | None:
    if key not in body:
        return None
    value = body[key]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ControlError(400, f"{key} must be a list of strings")
    return list(value)


def _text(body: dict[str, Any], key: str) -> str | None:
    if key not in body:
        return None
    value = body[key]
    if not isinstance(value, str) or not value:
        raise ControlError(400, f"{key} must be a non-empty string")
    return value


def _optional_text(body: dict[str, Any], key: str) -> str | None:
    """A string attribute that may be null (filter, name); "" is kept (a filter sent empty)."""
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise ControlError(400, f"{key} must be a string or null")
    return value


def _format(value: str | None) -> str | None:
    if value is not None and value not in webhook_rest.FORMATS:
        raise ControlError(400, f"format must be one of {', '.join(webhook_rest.FORMATS)}")
    return value


# --- server ---------------------------------------------------------------------------------------


@bp.get("/health")
def health() -> ResponseReturnValue:
    return {"ok": True}


@bp.post("/reset")
def reset() -> ResponseReturnValue:
    emu = current()
    with emu.store.lock:
        emu.store.reset()
        emu.throttle.forget()
        graphql_api.cost_throttle().forget()
        emu.requests.clear()
        deliveries.current_engine().clear()
    return {}


# --- shops ----------------------------------------------------------------------------------------


@bp.get("/shops")
def list_shops() -> ResponseReturnValue:
    store = current().store
    with store.lock:
        return {"shops": [_shop_json(shop) for shop in store.shops.values()]}


@bp.post("/shops")
def create_shop() -> ResponseReturnValue:
    body = control_body()
    store = current().store
    with store.lock:
        shop, app = accounts.create_shop(
            store,
            body.get("name"),
            timezone=body.get("timezone"),
            app=body.get("app"),
            client_secret=body.get("client_secret"),
            webhook_api_version=body.get("webhook_api_version"),
            client_id=body.get("client_id"),
            redirect_urls=body.get("redirect_urls"),
            scopes=body.get("scopes"),
            public=body.get("public"),
        )
        store.save()
        return {"shop": _shop_json(shop), "app": _app_json(app, with_secret=True)}, 201


@bp.get("/shops/<shop_name>")
def get_shop(shop_name: str) -> ResponseReturnValue:
    store = current().store
    with store.lock:
        return {"shop": _shop_json(accounts.get_shop(store, shop_name))}


@bp.patch("/shops/<shop_name>")
def update_shop(shop_name: str) -> ResponseReturnValue:
    body = control_body()
    store = current().store
    with store.lock:
        shop = accounts.get_shop(store, shop_name)
        timezone = accounts.check_timezone(body["timezone"]) if "timezone" in body else shop.timezone
        refuse = shop.refuse_non_expiring_tokens
        if "refuse_non_expiring_tokens" in body:
            refuse = accounts.check_bool(body["refuse_non_expiring_tokens"], "refuse_non_expiring_tokens")
        shop.timezone, shop.refuse_non_expiring_tokens = timezone, refuse
        store.save()
        return {"shop": _shop_json(shop)}


@bp.delete("/shops/<shop_name>")
def delete_shop(shop_name: str) -> ResponseReturnValue:
    emu = current()
    with emu.store.lock:
        accounts.get_shop(emu.store, shop_name)
        del emu.store.shops[shop_name]
        emu.throttle.forget(shop_name)
        graphql_api.cost_throttle().forget(shop_name)
        emu.requests.clear(shop_name)
        deliveries.current_engine().forget_shop(shop_name)
        emu.store.save()
    return {}


@bp.put("/shops/<shop_name>/rate_limit")
def set_rate_limit(shop_name: str) -> ResponseReturnValue:
    body = control_body()
    emu = current()
    with emu.store.lock:
        shop = accounts.get_shop(emu.store, shop_name)
        shop.rate_limit = accounts.check_rate_limit(body.get("bucket_size"), body.get("leak_rate"))
        emu.throttle.forget(shop_name)
        emu.store.save()
        return {"rate_limit": _shop_json(shop)["rate_limit"]}


@bp.delete("/shops/<shop_name>/rate_limit")
def clear_rate_limit(shop_name: str) -> ResponseReturnValue:
    emu = current()
    with emu.store.lock:
        shop = accounts.get_shop(emu.store, shop_name)
        shop.rate_limit = None
        emu.throttle.forget(shop_name)
        emu.store.save()
        return {"rate_limit": _shop_json(shop)["rate_limit"]}


@bp.get("/shops/<shop_name>/cost_limit")
def get_cost_limit(shop_name: str) -> ResponseReturnValue:
    emu = current()
    app = request.args.get("app", DEFAULT_APP)
    with emu.store.lock:
        shop = accounts.get_shop(emu.store, shop_name)
        status = graphql_api.cost_throttle().bucket(shop, app).status()
        return {"cost_limit": _cost_limit_json(shop), "throttle_status": status.to_json()}


@bp.put("/shops/<shop_name>/cost_limit")
def set_cost_limit(shop_name: str) -> ResponseReturnValue:
    body = control_body()
    emu = current()
    throttle = graphql_api.cost_throttle()
    with emu.store.lock:
        shop = accounts.get_shop(emu.store, shop_name)
        shop.cost_limit = accounts.check_cost_limit(body, throttle.default)
        throttle.forget(shop_name)
        emu.store.save()
        return {"cost_limit": _cost_limit_json(shop)}


@bp.delete("/shops/<shop_name>/cost_limit")
def clear_cost_limit(shop_name: str) -> ResponseReturnValue:
    emu = current()
    with emu.store.lock:
        shop = accounts.get_shop(emu.store, shop_name)
        shop.cost_limit = None
        graphql_api.cost_throttle().forget(shop_name)
        emu.store.save()
        return {"cost_limit": _cost_limit_json(shop)}


# --- apps -----------------------------------------------------------------------------------------


@bp.get("/shops/<shop_name>/apps")
def list_apps(shop_name: str) -> ResponseReturnValue:
    store = current().store
    with store.lock:
        shop = accounts.get_shop(store, shop_name)
        return {"apps": [_app_json(app) for app in shop.apps.values()]}


@bp.post("/shops/<shop_name>/apps")
def create_app(shop_name: str) -> ResponseReturnValue:
    body = control_body()
    store = current().store
    with store.lock:
        shop = accounts.get_shop(store, shop_name)
        app = accounts.create_app(
            store,
            shop,
            body.get("name"),
            client_secret=body.get("client_secret"),
            webhook_api_version=body.get("webhook_api_version"),
            client_id=body.get("client_id"),
            redirect_urls=body.get("redirect_urls"),
            scopes=body.get("scopes"),
            public=body.get("public"),
            installed=body.get("installed"),
        )
        store.save()
        return {"app": _app_json(app, with_secret=True)}, 201


@bp.patch("/shops/<shop_name>/apps/<app_name>")
def update_app(shop_name: str, app_name: str) -> ResponseReturnValue:
    body = control_body()
    store = current().store
    with store.lock:
        app = accounts.get_app(accounts.get_shop(store, shop_name), app_name)
        accounts.update_app(
            app,
            client_secret=body.get("client_secret"),
            webhook_api_version=body.get("webhook_api_version"),
            scopes=body.get("scopes"),
            public=body.get("public"),
            installed=body.get("installed"),
        )
        store.save()
        return {"app": _app_json(app)}


# --- tokens ---------------------------------------------------------------------------------------


@bp.get("/shops/<shop_name>/tokens")
def list_tokens(shop_name: str) -> ResponseReturnValue:
    store = current().store
    with store.lock:
        shop = accounts.get_shop(store, shop_name)
        return {"tokens": [_token_json(token, shop) for token in shop.tokens.values()]}


@bp.post("/shops/<shop_name>/tokens")
def create_token(shop_name: str) -> ResponseReturnValue:
    body = control_body()
    store = current().store
    with store.lock:
        shop = accounts.get_shop(store, shop_name)
        expires_in = body.get("expires_in")
        if expires_in is not None and (
            not isinstance(expires_in, int | float) or isinstance(expires_in, bool) or expires_in <= 0
        ):
            raise ControlError(400, "expires_in must be a positive number of seconds")
        token = accounts.create_token(
            store,
            shop,
            app=body.get("app"),
            scopes=body.get("scopes"),
            value=body.get("token"),
            expires_at=store.clock() + expires_in if expires_in is not None else None,
        )
        store.save()
        return {"token": _token_json(token, shop), "access_token": token.value}, 201


@bp.patch("/shops/<shop_name>/tokens/<token_id>")
def update_token(shop_name: str, token_id: str) -> ResponseReturnValue:
    body = control_body()
    store = current().store
    with store.lock:
        shop = accounts.get_shop(store, shop_name)
        token = accounts.get_token(shop, token_id)
        if "scopes" in body:
            token.scopes = accounts.parse_scopes(body["scopes"])
        store.save()
        return {"token": _token_json(token, shop)}


@bp.delete("/shops/<shop_name>/tokens/<token_id>")
def delete_token(shop_name: str, token_id: str) -> ResponseReturnValue:
    store = current().store
    with store.lock:
        shop = accounts.get_shop(store, shop_name)
        accounts.get_token(shop, token_id)
        del shop.tokens[token_id]
        store.save()
    return {}


# --- subscriptions --------------------------------------------------------------------------------


@bp.get("/shops/<shop_name>/subscriptions")
def list_subscriptions(shop_name: str) -> ResponseReturnValue:
    store = current().store
    app = request.args.get("app")
    with store.lock:
        shop = accounts.get_shop(store, shop_name)
        subs = sorted(shop.subscriptions.values(), key=lambda s: s.id)
        return {"subscriptions": [_subscription_json(s, shop) for s in subs if app is None or s.app == app]}


def _create_subscription(store: Store, shop: Shop, body: dict[str, Any]) -> Subscription:
    topic, address = _text(body, "topic"), _text(body, "address")
    if topic is None or address is None:
        raise ControlError(400, "topic and address are required")
    app_name = accounts.check_app_name(body.get("app", DEFAULT_APP))
    fmt = _format(_text(body, "format")) or "json"
    fields = _string_list(body, "fields") or []
    namespaces = _string_list(body, "metafield_namespaces") or []
    created_at = store.now()
    if "created_at" in body:
        try:
            created_at = parse_timestamp(str(body["created_at"]), shop.timezone)
        except ValueError:
            raise ControlError(400, "created_at must be an ISO-8601 timestamp") from None
    filter_text, name = _optional_text(body, "filter"), _optional_text(body, "name")
    if app_name not in shop.apps:
        accounts.create_app(store, shop, app_name)
    return Subscription(
        id=store.allocate_subscription_id(),
        app=app_name,
        address=address,
        topic=topic,
        format=fmt,
        fields=fields,
        metafield_namespaces=namespaces,
        created_at=created_at,
        updated_at=created_at,
        filter=filter_text,
        name=name,
    )


@bp.post("/shops/<shop_name>/subscriptions")
def create_subscription(shop_name: str) -> ResponseReturnValue:
    body = control_body()
    store = current().store
    with store.lock:
        shop = accounts.get_shop(store, shop_name)
        sub = _create_subscription(store, shop, body)
        shop.subscriptions[sub.id] = sub
        store.save()
        return {"subscription": _subscription_json(sub, shop)}, 201


@bp.get("/shops/<shop_name>/subscriptions/<sub_id>")
def get_subscription(shop_name: str, sub_id: str) -> ResponseReturnValue:
    store = current().store
    with store.lock:
        shop = accounts.get_shop(store, shop_name)
        return {"subscription": _subscription_json(_subscription(shop, sub_id), shop)}


@bp.patch("/shops/<shop_name>/subscriptions/<sub_id>")
def change_subscription(shop_name: str, sub_id: str) -> ResponseReturnValue:
    body = control_body()
    store = current().store
    with store.lock:
        shop = accounts.get_shop(store, shop_name)
        sub = _subscription(shop, sub_id)
        # Validate everything before touching the subscription.
        address, topic = _text(body, "address"), _text(body, "topic")
        fmt = _format(_text(body, "format"))
        fields, namespaces = _string_list(body, "fields"), _string_list(body, "metafield_namespaces")
        filter_text, name = _optional_text(body, "filter"), _optional_text(body, "name")
        if "filter" in body:
            sub.filter = filter_text
        if "name" in body:
            sub.name = name
        sub.address = address if address is not None else sub.address
        sub.topic = topic if topic is not None else sub.topic
        sub.format = fmt if fmt is not None else sub.format
        sub.fields = fields if fields is not None else sub.fields
        sub.metafield_namespaces = namespaces if namespaces is not None else sub.metafield_namespaces
        # Always bump, so the change is visible even to a client that only compares updated_at. At least
        # one second later: timestamps have second precision.
        sub.updated_at = max(store.now(), sub.updated_at + 1)
        store.save()
        return {"subscription": _subscription_json(sub, shop)}


@bp.delete("/shops/<shop_name>/subscriptions/<sub_id>")
def delete_subscription(shop_name: str, sub_id: str) -> ResponseReturnValue:
    store = current().store
    with store.lock:
        shop = accounts.get_shop(store, shop_name)
        sub = _subscription(shop, sub_id)
        del shop.subscriptions[sub.id]
        store.save()
    return {}


# --- request log ----------------------------------------------------------------------------------


@bp.get("/shops/<shop_name>/requests")
def list_requests(shop_name: str) -> ResponseReturnValue:
    emu = current()
    try:
        since = int(request.args.get("since", "0"))
    except ValueError:
        raise ControlError(400, "since must be an integer") from None
    with emu.store.lock:
        accounts.get_shop(emu.store, shop_name)
        return {"requests": emu.requests.entries(shop_name, since)}


@bp.delete("/shops/<shop_name>/requests")
def clear_requests(shop_name: str) -> ResponseReturnValue:
    emu = current()
    with emu.store.lock:
        accounts.get_shop(emu.store, shop_name)
        emu.requests.clear(shop_name)
    return {}


# === webhook deliveries (emulator.deliveries) =====================================================

DEFAULT_WAIT_SECONDS = 10.0


def _wait_seconds(value: Any, default: float | None = None) -> float | None:
    """A ``wait``/``timeout`` value in seconds (query string or JSON), capped; None when absent."""
    if value is None:
        return default
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if isinstance(value, bool) or not 0 <= seconds < float("inf"):
        raise ControlError(400, "wait/timeout must be a number of seconds >= 0")
    return min(seconds, deliveries.MAX_WAIT_SECONDS)


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ControlError(400, f"{name} must be an integer") from None


def _delivery_filters() -> dict[str, Any]:
    status = request.args.get("status")
    if status is not None and status not in delivery_model.STATUSES:
        raise ControlError(400, f"status must be one of {', '.join(delivery_model.STATUSES)}")
    return {
        "status": status,
        "topic": request.args.get("topic"),
        "event_id": request.args.get("event_id"),
        "subscription_id": _int_arg("subscription_id"),
    }


def _engine() -> deliveries.DeliveryEngine:
    return deliveries.current_engine()


def _list_deliveries(shop: str | None) -> ResponseReturnValue:
    filters = _delivery_filters()
    wait = _wait_seconds(request.args.get("wait"))
    engine = _engine()
    settled = engine.wait_settled(wait, shop=shop) if wait is not None else engine.unsettled(shop=shop) == 0
    return {"deliveries": engine.render_many(shop=shop, **filters), "settled": settled}


@bp.post("/shops/<shop_name>/events")
def trigger_event(shop_name: str) -> ResponseReturnValue:
    body = control_body()
    topic = _text(body, "topic")
    if topic is None:
        raise ControlError(400, "topic is required")
    payload = body.get("payload")
    if not isinstance(payload, dict):
        raise ControlError(400, "payload must be a JSON object (the webhook body)")
    duplicate = body.get("duplicate", False)
    if not isinstance(duplicate, bool):
        raise ControlError(400, "duplicate must be true or false")
    wait = _wait_seconds(body.get("wait"))
    store, engine = current().store, _engine()
    with store.lock:
        shop = accounts.get_shop(store, shop_name)
        try:
            event = engine.trigger(shop, topic, payload, duplicate=duplicate)
        except deliveries.EngineStopped as exc:
            raise ControlError(503, str(exc)) from None
    if wait is not None:  # outside the store lock: a delivery may call this very server
        engine.wait_settled(wait, ids=event.delivery_ids)
    return {
        "event": {
            "id": event.id,
            "shop": event.shop,
            "topic": event.topic,
            "triggered_at": event.triggered_at,
        },
        "deliveries": engine.render_many(ids=event.delivery_ids),
        "skipped": [item.to_json() for item in event.skipped],
    }, 202


@bp.get("/shops/<shop_name>/deliveries")
def list_shop_deliveries(shop_name: str) -> ResponseReturnValue:
    store = current().store
    with store.lock:
        accounts.get_shop(store, shop_name)
    return _list_deliveries(shop_name)


@bp.delete("/shops/<shop_name>/deliveries")
def clear_shop_deliveries(shop_name: str) -> ResponseReturnValue:
    store = current().store
    with store.lock:
        accounts.get_shop(store, shop_name)
    _engine().forget_shop(shop_name)
    return {}


@bp.get("/deliveries")
def list_all_deliveries() -> ResponseReturnValue:
    return _list_deliveries(request.args.get("shop"))


def _delivery_or_404(delivery_id: int) -> dict[str, Any]:
    rendered = _engine().render(delivery_id)
    if rendered is None:
        raise ControlError(404, f"no delivery {delivery_id}")
    return rendered


@bp.get("/deliveries/<int:delivery_id>")
def get_delivery(delivery_id: int) -> ResponseReturnValue:
    wait = _wait_seconds(request.args.get("wait"))
    _delivery_or_404(delivery_id)
    if wait is not None:
        _engine().wait_settled(wait, ids=[delivery_id])
    return {"delivery": _delivery_or_404(delivery_id)}


@bp.post("/deliveries/<int:delivery_id>/redeliver")
def redeliver(delivery_id: int) -> ResponseReturnValue:
    wait = _wait_seconds(control_body().get("wait"))
    engine = _engine()
    try:
        found = engine.redeliver(delivery_id)
    except deliveries.EngineStopped as exc:
        raise ControlError(503, str(exc)) from None
    if not found:
        raise ControlError(404, f"no delivery {delivery_id}")
    if wait is not None:
        engine.wait_settled(wait, ids=[delivery_id])
    return {"delivery": _delivery_or_404(delivery_id)}, 202


@bp.post("/deliveries/wait")
def wait_for_deliveries() -> ResponseReturnValue:
    body = control_body()
    timeout = _wait_seconds(body.get("timeout"), DEFAULT_WAIT_SECONDS)
    shop = body.get("shop")
    if shop is not None and not isinstance(shop, str):
        raise ControlError(400, "shop must be a shop name")
    engine = _engine()
    settled = engine.wait_settled(timeout or 0.0, shop=shop)
    return {"settled": settled, "unsettled": engine.unsettled(shop=shop)}


@bp.get("/deliveries/settings")
def get_delivery_settings() -> ResponseReturnValue:
    return {"settings": _engine().settings.to_json()}


@bp.put("/deliveries/settings")
def update_delivery_settings() -> ResponseReturnValue:
    body = control_body()
    try:
        settings = _engine().update_settings(body)
    except delivery_model.SettingsError as exc:
        raise ControlError(400, str(exc)) from None
    return {"settings": settings.to_json()}


# --- the Pub/Sub and EventBridge sink (emulator.deliveries) ------------------------------------------------


@bp.get("/shops/<shop_name>/sink")
def list_shop_sink(shop_name: str) -> ResponseReturnValue:
    store = current().store
    with store.lock:
        accounts.get_shop(store, shop_name)
    return {"messages": _engine().sink_messages(shop=shop_name)}


@bp.delete("/shops/<shop_name>/sink")
def clear_shop_sink(shop_name: str) -> ResponseReturnValue:
    store = current().store
    with store.lock:
        accounts.get_shop(store, shop_name)
    _engine().clear_sink(shop=shop_name)
    return {}


@bp.get("/sink")
def list_sink() -> ResponseReturnValue:
    return {"messages": _engine().sink_messages(shop=request.args.get("shop"))}
