"""Shops, apps, tokens and rate-limit settings: the operations behind the control surface and seed files.

Every function expects the caller to hold ``store.lock`` and to call ``store.save()`` after a mutation.
Invalid input raises :class:`ControlError` with a message meant for a person.
"""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import urlsplit

from shopstream.emulator.errors import ControlError
from shopstream.emulator.state import (
    DEFAULT_APP,
    DEFAULT_WEBHOOK_API_VERSION,
    GRANT_STATIC,
    App,
    CostLimit,
    RateLimit,
    Shop,
    Store,
    Token,
    new_client_secret,
    new_token_value,
)
from shopstream.emulator.timeutil import DEFAULT_TIMEZONE, parse_timezone
from shopstream.shopify_api.topics import SUPPORTED_API_VERSIONS

SHOP_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
APP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
TOKEN_VALUE = re.compile(r"^shpat_[0-9a-f]{32}$")
SCOPE = re.compile(r"^[a-z][a-z_]*$")
CLIENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


# --- input checks ---------------------------------------------------------------------------------


def _string(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ControlError(400, f"{what} must be a non-empty string")
    return value


def check_shop_name(value: Any) -> str:
    name = _string(value, "shop name")
    if not SHOP_NAME.match(name):
        raise ControlError(400, f"invalid shop name {name!r}: use lowercase letters, digits and '-'")
    return name


def check_app_name(value: Any) -> str:
    name = _string(value, "app name")
    if not APP_NAME.match(name):
        raise ControlError(400, f"invalid app name {name!r}")
    return name


def check_api_version(value: Any) -> str:
    version = _string(value, "webhook_api_version")
    if version not in SUPPORTED_API_VERSIONS:
        supported = ", ".join(SUPPORTED_API_VERSIONS)
        raise ControlError(400, f"unsupported webhook_api_version {version!r} (supported: {supported})")
    return version


def check_timezone(value: Any) -> str:
    name = _string(value, "timezone")
    try:
        parse_timezone(name)
    except ValueError as exc:
        raise ControlError(400, str(exc)) from None
    return name


def check_client_id(value: Any) -> str:
    client_id = _string(value, "client_id")
    if not CLIENT_ID.match(client_id):
        raise ControlError(400, f"invalid client_id {client_id!r}: use letters, digits, '_', '.' and '-'")
    return client_id


def check_redirect_urls(value: Any) -> list[str]:
    """The app's allowed OAuth redirect URLs: absolute http(s) URLs, compared exactly
    (shopstream.emulator.oauth)."""
    if not isinstance(value, list):
        raise ControlError(400, "redirect_urls must be a list of URLs")
    urls: list[str] = []
    for item in value:
        url = _string(item, "each redirect URL")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
            raise ControlError(400, f"invalid redirect URL {url!r}: use an absolute http(s) URL")
        if url not in urls:
            urls.append(url)
    return urls


def parse_scopes(value: Any) -> list[str]:
    """A list of scope handles or a comma-separated string -> de-duplicated list (order kept)."""
    if isinstance(value, str):
        items: list[Any] = value.split(",")
    elif isinstance(value, list):
        items = value
    else:
        raise ControlError(400, "scopes must be a list of strings or a comma-separated string")
    scopes: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ControlError(400, "scopes must be strings")
        scope = item.strip()
        if not scope:
            continue
        if not SCOPE.match(scope):
            raise ControlError(400, f"invalid scope {scope!r}")
        if scope not in scopes:
            scopes.append(scope)
    return scopes


def check_bool(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise ControlError(400, f"{what} must be true or false")
    return value


def _positive_int(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ControlError(400, f"{what} must be a positive integer")
    return value


def check_cost_limit(body: dict[str, Any], default: CostLimit) -> CostLimit:
    """A shop's GraphQL points bucket; absent keys take the server default's value."""
    unknown = sorted(set(body) - {"maximum_available", "restore_rate", "max_query_cost"})
    if unknown:
        raise ControlError(400, f"unknown cost limit settings: {', '.join(unknown)}")
    rate = body.get("restore_rate", default.restore_rate)
    if not isinstance(rate, int | float) or isinstance(rate, bool) or not math.isfinite(rate) or rate <= 0:
        raise ControlError(400, "restore_rate must be a positive number (points per second)")
    return CostLimit(
        maximum_available=_positive_int(
            body.get("maximum_available", default.maximum_available), "maximum_available"
        ),
        restore_rate=float(rate),
        max_query_cost=_positive_int(body.get("max_query_cost", default.max_query_cost), "max_query_cost"),
    )


def check_rate_limit(bucket_size: Any, leak_rate: Any) -> RateLimit:
    if not isinstance(bucket_size, int) or isinstance(bucket_size, bool) or bucket_size < 1:
        raise ControlError(400, "bucket_size must be a positive integer")
    if (
        not isinstance(leak_rate, int | float)
        or isinstance(leak_rate, bool)
        or not math.isfinite(leak_rate)
        or leak_rate <= 0
    ):
        raise ControlError(400, "leak_rate must be a positive number (requests per second)")
    return RateLimit(bucket_size=bucket_size, leak_rate=float(leak_rate))


# --- operations -----------------------------------------------------------------------------------


def get_shop(store: Store, name: str) -> Shop:
    shop = store.shops.get(name)
    if shop is None:
        raise ControlError(404, f"no shop named {name!r}")
    return shop


def create_shop(
    store: Store,
    name: Any,
    *,
    timezone: Any = None,
    app: Any = None,
    client_secret: Any = None,
    webhook_api_version: Any = None,
    client_id: Any = None,
    redirect_urls: Any = None,
    scopes: Any = None,
    public: Any = None,
) -> tuple[Shop, App]:
    """A new shop with one app (``default`` unless named)."""
    shop_name = check_shop_name(name)
    if shop_name in store.shops:
        raise ControlError(409, f"shop {shop_name!r} already exists")
    tz = check_timezone(timezone) if timezone is not None else DEFAULT_TIMEZONE
    first_app = build_app(
        app if app is not None else DEFAULT_APP,
        client_secret=client_secret,
        webhook_api_version=webhook_api_version,
        client_id=client_id,
        redirect_urls=redirect_urls,
        scopes=scopes,
        public=public,
    )
    shop = Shop(name=shop_name, timezone=tz, apps={first_app.name: first_app})
    store.shops[shop_name] = shop
    return shop, first_app


def build_app(
    name: Any,
    *,
    client_secret: Any = None,
    webhook_api_version: Any = None,
    client_id: Any = None,
    redirect_urls: Any = None,
    scopes: Any = None,
    public: Any = None,
    installed: Any = None,
) -> App:
    """A validated app, not yet attached to a shop (client_id: random unless given)."""
    app = App(
        name=check_app_name(name),
        client_secret=_string(client_secret, "client_secret")
        if client_secret is not None
        else new_client_secret(),
        webhook_api_version=(
            check_api_version(webhook_api_version)
            if webhook_api_version is not None
            else DEFAULT_WEBHOOK_API_VERSION
        ),
    )
    if client_id is not None:
        app.client_id = check_client_id(client_id)
    if redirect_urls is not None:
        app.redirect_urls = check_redirect_urls(redirect_urls)
    if scopes is not None:
        app.scopes = parse_scopes(scopes)
    if public is not None:
        app.public = check_bool(public, "public")
    if installed is not None:
        app.installed = check_bool(installed, "installed")
    return app


def create_app(
    store: Store,
    shop: Shop,
    name: Any,
    *,
    client_secret: Any = None,
    webhook_api_version: Any = None,
    client_id: Any = None,
    redirect_urls: Any = None,
    scopes: Any = None,
    public: Any = None,
    installed: Any = None,
) -> App:
    app = build_app(
        name,
        client_secret=client_secret,
        webhook_api_version=webhook_api_version,
        client_id=client_id,
        redirect_urls=redirect_urls,
        scopes=scopes,
        public=public,
        installed=installed,
    )
    if app.name in shop.apps:
        raise ControlError(409, f"app {app.name!r} already exists on shop {shop.name!r}")
    check_client_id_free(shop, app.client_id)
    shop.apps[app.name] = app
    return app


def check_client_id_free(shop: Shop, client_id: str, *, besides: App | None = None) -> None:
    """One client_id names one app of a shop (the OAuth endpoints look apps up by it)."""
    if any(app.client_id == client_id and app is not besides for app in shop.apps.values()):
        raise ControlError(
            409, f"client_id {client_id!r} is already used by another app of shop {shop.name!r}"
        )


def get_app(shop: Shop, name: str) -> App:
    app = shop.apps.get(name)
    if app is None:
        raise ControlError(404, f"no app named {name!r} on shop {shop.name!r}")
    return app


def update_app(
    app: App,
    *,
    client_secret: Any = None,
    webhook_api_version: Any = None,
    scopes: Any = None,
    public: Any = None,
    installed: Any = None,
) -> App:
    """Change an app (validated first, so a bad value changes nothing)."""
    secret = _string(client_secret, "client_secret") if client_secret is not None else app.client_secret
    version = check_api_version(webhook_api_version) if webhook_api_version is not None else None
    granted = parse_scopes(scopes) if scopes is not None else app.scopes
    is_public = check_bool(public, "public") if public is not None else app.public
    is_installed = check_bool(installed, "installed") if installed is not None else app.installed
    app.client_secret, app.scopes, app.public, app.installed = secret, granted, is_public, is_installed
    if version is not None:
        app.webhook_api_version = version
    return app


def create_token(
    store: Store,
    shop: Shop,
    *,
    app: Any = None,
    scopes: Any = None,
    value: Any = None,
    grant: str = GRANT_STATIC,
    expires_at: float | None = None,
) -> Token:
    """A token for ``app`` (created on the fly if the shop lacks it). ``value`` pins the token string
    (seed files use that so a demo can reference a known token); it must look like ``shpat_`` + 32 hex."""
    app_name = check_app_name(app) if app is not None else DEFAULT_APP
    granted = parse_scopes(scopes) if scopes is not None else []
    if value is not None:
        token_value = _string(value, "token")
        if not TOKEN_VALUE.match(token_value):
            raise ControlError(400, "token must be 'shpat_' followed by 32 lowercase hex digits")
        if any(t.value == token_value for s in store.shops.values() for t in s.tokens.values()):
            raise ControlError(409, "that token value is already in use")
    else:
        token_value = new_token_value()
    if app_name not in shop.apps:
        create_app(store, shop, app_name)
    token = Token(
        id=store.allocate_token_id(),
        value=token_value,
        app=app_name,
        scopes=granted,
        created_at=store.now(),
        expires_at=expires_at,
        grant=grant,
    )
    shop.tokens[token.id] = token
    return token


def get_token(shop: Shop, token_id: str) -> Token:
    token = shop.tokens.get(token_id)
    if token is None:
        raise ControlError(404, f"no token {token_id!r} on shop {shop.name!r}")
    return token
