"""`shopstream shop connect`: authorize the app on a shop (OAuth authorization code grant, reference §7.1)
and store the offline access token as the stack secret ``shopifyTokens.<shop>``.

The flow: the authorize URL (client id, the scopes the stack's topics need, redirect URI, a random
``state``) -> the merchant approves -> Shopify redirects to the redirect URI, caught by a one-shot
listener on 127.0.0.1 or pasted by the user -> the callback is verified (HMAC, state, timestamp, shop)
-> the code is exchanged for a token -> the granted scopes are checked against the stack's topics -> the
token is stored. Any refusal stops the flow before anything is stored. The token, the code and the client
secret are never printed.

`--client-credentials` (`connect_client_credentials`) is the mode for a Dev Dashboard app of the shop's own
organisation: the client credentials grant proves the app is installed on the shop, its granted scopes are
checked against the stack's topics, and the client secret (from the prompt, stdin or
$SHOPIFY_CLIENT_SECRET, never a flag) is stored as ``shopifyClientSecrets.<shop>`` (or
``shopifyClientSecret`` for every shop); the providers fetch their 24-hour tokens with it at run time.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time
import webbrowser
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from pulumi import automation as auto

from shopstream.automation import StackError, command_error_message, open_stack
from shopstream.program.build import APP_SECRET_KEY
from shopstream.providers.shopify.graphql import ShopifyGraphqlClient
from shopstream.shopify_api.auth_errors import grant_refused
from shopstream.shopify_api.errors import TOKENS_CONFIG_KEY, ShopifyError
from shopstream.shopify_api.oauth import (
    ACCESS_TOKEN_PATH,
    DEFAULT_MAX_SKEW_SECONDS,
    AccessToken,
    authorize_url,
    check_scopes_cover,
    missing_scopes,
    parse_access_token_response,
    parse_query,
    required_scopes,
    split_scopes,
    verify_callback,
)
from shopstream.shopify_api.topics import UnknownTopicError
from shopstream.stackfile.load import load_stack_file, stack_file_path
from shopstream.stackfile.model import ShopSpec, StackSpec

CLIENT_SECRET_ENV = "SHOPIFY_CLIENT_SECRET"
CLIENT_ID_CONFIG_KEY = "shopifyClientId"
# The app's client secret is one stack secret: the program gives it to the AEP pipeline's HMAC check.
CLIENT_SECRET_CONFIG_KEY = APP_SECRET_KEY
DEFAULT_REDIRECT_URI = "http://127.0.0.1:8788/shopify/callback"
DEFAULT_TIMEOUT_SECONDS = 300.0
EXCHANGE_TIMEOUT_SECONDS = 30.0
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost")

Say = Callable[[str], None]


class ConnectError(Exception):
    """A refused or failed step of `shop connect`; ``str()`` is one sentence for the user."""


@dataclass(frozen=True)
class ConnectOptions:
    project_dir: Path
    stack: str
    shop: str
    scopes: tuple[str, ...] | None = None  # None: what the stack's topics for the shop need
    client_id: str | None = None  # None: stack config shopifyClientId
    redirect_uri: str = DEFAULT_REDIRECT_URI
    paste: bool = False
    open_browser: bool = False
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    max_skew: float = DEFAULT_MAX_SKEW_SECONDS


@dataclass(frozen=True)
class Connected:
    shop: str
    scopes: tuple[str, ...]
    config_key: str


# --- the stack: its file, its config ----------------------------------------------------------------------


def _shop_spec(spec: StackSpec, shop: str, stack: str) -> ShopSpec:
    for candidate in spec.shops:
        if candidate.name == shop:
            return candidate
    known = ", ".join(s.name for s in spec.shops) or "none"
    raise ConnectError(f"Shop {shop!r} is not in the stack file of stack {stack} (its shops: {known}).")


class _StackConfig:
    """The stack's config, read once and only if needed (`pulumi config` decrypts every secret)."""

    def __init__(self, stack: auto.Stack) -> None:
        self._stack = stack
        self._values: Mapping[str, auto.ConfigValue] | None = None

    def get(self, key: str) -> auto.ConfigValue | None:
        if self._values is None:
            try:
                project = self._stack.workspace.project_settings().name
                values = self._stack.get_all_config()
            except auto.CommandError as error:
                raise StackError(command_error_message(error)) from None
            self._values = {
                name.removeprefix(f"{project}:"): value
                for name, value in values.items()
                if name.startswith(f"{project}:")
            }
        return self._values.get(key)


def _client_id(flag: str | None, config: _StackConfig, stack: str) -> str:
    if flag:
        return flag
    value = config.get(CLIENT_ID_CONFIG_KEY)
    if value is None or not value.value:
        raise ConnectError(
            f"No client id: pass --client-id, or store the app's client id with "
            f"`pulumi config set {CLIENT_ID_CONFIG_KEY} <client id> --stack {stack}`."
        )
    return value.value


def _client_secret(environ: Mapping[str, str], config: _StackConfig, stack: str, say: Say) -> str:
    if environ.get(CLIENT_SECRET_ENV):
        return environ[CLIENT_SECRET_ENV]
    value = config.get(CLIENT_SECRET_CONFIG_KEY)
    if value is not None and value.value:
        if not value.secret:
            say(
                f"warning: {CLIENT_SECRET_CONFIG_KEY} is stored in plain text; set it again with "
                "`pulumi config set --secret`."
            )
        return value.value
    raise ConnectError(
        f"No client secret: export {CLIENT_SECRET_ENV}, or store it with "
        f"`pulumi config set --secret {CLIENT_SECRET_CONFIG_KEY} --stack {stack}` (it is never a flag)."
    )


def store_secret(stack: auto.Stack, key: str, value: str) -> None:
    """``pulumi config set --secret --path <key>`` for ``stack``, the value on stdin.

    Not ``Stack.set_config``: the Automation API puts the value on the pulumi command line, where any
    local user can read it in the process list while it runs."""
    workspace = stack.workspace
    if not isinstance(workspace, auto.LocalWorkspace) or workspace.work_dir is None:
        raise StackError("storing a secret needs a local workspace")
    command = [workspace.pulumi_command.command, "config", "set", "--secret", "--path", key]
    command += ["--stack", stack.name, "--non-interactive"]
    env = {**os.environ, **workspace.env_vars}
    if workspace.pulumi_home:
        env["PULUMI_HOME"] = workspace.pulumi_home
    result = subprocess.run(
        command, input=value, cwd=workspace.work_dir, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        errors = [line.strip() for line in result.stderr.splitlines() if line.strip().startswith("error:")]
        raise StackError(" ".join(errors) or f"pulumi config set {key} failed ({result.returncode})")


# --- the callback: a one-shot listener, or a pasted URL ----------------------------------------------------

_RECEIVED_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>shopstream</title></head><body>"
    b"<p>shopstream received Shopify's answer. You can close this tab and return to the terminal.</p>"
    b"</body></html>\n"
)


class _CallbackServer(HTTPServer):
    def __init__(self, address: tuple[str, int], path: str) -> None:
        super().__init__(address, _CallbackHandler)
        self.callback_path = path
        self.query: str | None = None


class _CallbackHandler(BaseHTTPRequestHandler):
    timeout = 10  # a client that connects and sends nothing cannot hold the listener
    server: _CallbackServer

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != self.server.callback_path:
            self.send_error(404)  # e.g. /favicon.ico: not the callback, keep waiting
            return
        self.server.query = parts.query
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(_RECEIVED_PAGE)))
        self.end_headers()
        self.wfile.write(_RECEIVED_PAGE)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request line holds the authorization code: never logged


def open_listener(redirect_uri: str) -> _CallbackServer:
    """A listener on 127.0.0.1 at the redirect URI's port, bound before the user is sent to Shopify."""
    parts = urlsplit(redirect_uri)
    if parts.scheme != "http" or parts.hostname not in _LOOPBACK_HOSTS:
        raise ConnectError(
            f"The callback listener runs on http://127.0.0.1 only, not at {redirect_uri}: "
            "use --paste, or a --redirect-uri such as http://127.0.0.1:8788/shopify/callback."
        )
    port = parts.port or 80
    try:
        return _CallbackServer(("127.0.0.1", port), parts.path or "/")
    except OSError as error:
        raise ConnectError(
            f"Cannot listen on 127.0.0.1:{port} for the callback ({error.strerror or error}): "
            "free the port, pick another --redirect-uri port, or use --paste."
        ) from None


def wait_for_callback(server: _CallbackServer, redirect_uri: str, timeout: float) -> str:
    """The query of the first request to the callback path; stops listening either way."""
    deadline = time.monotonic() + timeout
    try:
        while server.query is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ConnectError(
                    f"No redirect reached {redirect_uri} within {timeout:g} seconds, so nothing was stored: "
                    "run the command again (or use --paste)."
                )
            server.timeout = remaining
            server.handle_request()
        return server.query
    finally:
        server.server_close()


def read_pasted_callback(read_line: Callable[[], str]) -> str:
    line = read_line().strip()
    if not line:
        raise ConnectError("No callback URL was pasted, so nothing was stored.")
    return line


# --- the code exchange -------------------------------------------------------------------------------------


def exchange_code(admin_base_url: str, *, client_id: str, client_secret: str, code: str) -> AccessToken:
    """``POST {shop}/admin/oauth/access_token`` (JSON) -> the parsed token answer."""
    url = admin_base_url.rstrip("/") + ACCESS_TOKEN_PATH
    try:
        response = requests.post(
            url,
            json={"client_id": client_id, "client_secret": client_secret, "code": code},
            headers={"Accept": "application/json"},
            timeout=EXCHANGE_TIMEOUT_SECONDS,
        )
    except requests.RequestException as error:
        raise ConnectError(
            f"Cannot reach {url} to exchange the code ({type(error).__name__}), so nothing was stored."
        ) from None
    try:
        body = response.json()
    except ValueError:
        raise ConnectError(
            f"{url} answered HTTP {response.status_code} without JSON, so nothing was stored."
        ) from None
    return parse_access_token_response(body)


# --- the flow ----------------------------------------------------------------------------------------------


def _requested_scopes(options: ConnectOptions, topics: Sequence[str]) -> tuple[str, ...]:
    try:
        if options.scopes is None:
            return required_scopes(topics)
        uncovered = missing_scopes(options.scopes, topics)
    except UnknownTopicError as error:
        raise ConnectError(f"The stack file names a topic this tool does not know: {error}.") from None
    if uncovered:
        needs = "; ".join(f"{topic} needs {' or '.join(sorted(alts))}" for topic, alts in uncovered.items())
        raise ConnectError(
            f"--scopes does not cover the stack's topics for shop {options.shop} ({needs}): add the "
            "missing scopes, or leave --scopes out to request what the topics need."
        )
    return options.scopes


def connect(
    options: ConnectOptions,
    *,
    say: Say,
    warn: Say,
    read_line: Callable[[], str],
    environ: Mapping[str, str],
) -> Connected:
    """Run the whole flow; raises ConnectError / OAuthError / StackError / StackFileError on refusal."""
    spec = load_stack_file(stack_file_path(options.project_dir, options.stack))
    shop_spec = _shop_spec(spec, options.shop, options.stack)
    topics = [topic.topic for topic in shop_spec.topics]
    scopes = _requested_scopes(options, topics)
    stack = open_stack(options.project_dir, options.stack)
    config = _StackConfig(stack)
    client_id = _client_id(options.client_id, config, options.stack)
    client_secret = _client_secret(environ, config, options.stack, warn)

    base_url = spec.shop_base_url(shop_spec.name)
    state = secrets.token_urlsafe(24)
    url = authorize_url(
        base_url, client_id=client_id, scopes=scopes, redirect_uri=options.redirect_uri, state=state
    )
    listener = None if options.paste else open_listener(options.redirect_uri)
    say(f"Authorize the app on {shop_spec.domain} (scopes: {', '.join(scopes) or 'none'}) at:")
    say(url)
    if options.open_browser:
        webbrowser.open(url)
    if listener is None:
        say("Then paste the whole URL your browser was sent back to, and press Enter:")
        query = read_pasted_callback(read_line)
    else:
        say(f"Waiting up to {options.timeout:g} seconds for the redirect to {options.redirect_uri} ...")
        query = wait_for_callback(listener, options.redirect_uri, options.timeout)

    callback = verify_callback(
        parse_query(query),
        secret=client_secret,
        expected_state=state,
        now=time.time(),
        max_skew=options.max_skew,
        expected_shop=shop_spec.domain,
    )
    token = exchange_code(base_url, client_id=client_id, client_secret=client_secret, code=callback.code)
    check_scopes_cover(token.scopes, topics, shop=shop_spec.name)
    key = f"{TOKENS_CONFIG_KEY}.{shop_spec.name}"
    store_secret(stack, key, token.value)
    return Connected(shop=shop_spec.name, scopes=token.scopes, config_key=key)


def parse_scopes_option(value: str | None) -> tuple[str, ...] | None:
    """``--scopes "read_orders, read_products"`` -> ("read_orders", "read_products"); None when absent."""
    if value is None:
        return None
    scopes = split_scopes(value)
    bad = [scope for scope in scopes if not scope.replace("_", "").isalpha() or not scope.islower()]
    if bad or not scopes:
        raise ConnectError(
            f"--scopes takes comma-separated scope handles such as read_orders,read_products, not {value!r}."
        )
    return scopes


# --- the client credentials mode (Dev Dashboard apps of the shop's own organisation, reference §7.2) -------

CLIENT_SECRETS_CONFIG_KEY = "shopifyClientSecrets"  # per shop, read by providers.credentials
APP_CLIENT_SECRET_CONFIG_KEY = "shopifyClientSecret"  # every shop of the stack's app


@dataclass(frozen=True)
class ClientCredentialsOptions:
    project_dir: Path
    stack: str
    shop: str
    client_id: str | None = None  # None: the stack file's client_id for the shop, else shopifyClientId
    app_wide: bool = False  # store as shopifyClientSecret (every shop) instead of shopifyClientSecrets.<shop>


def _client_credentials_id(
    options: ClientCredentialsOptions, shop_spec: ShopSpec, config: _StackConfig, warn: Say
) -> str:
    declared = getattr(shop_spec, "client_id", None)
    if options.client_id and declared and options.client_id != declared:
        raise ConnectError(
            f"--client-id {options.client_id} is not the client_id {declared} that the stack file gives "
            f"shop {shop_spec.name}: the providers would fetch tokens for {declared}; fix one of the two."
        )
    client_id = options.client_id or declared
    if not client_id:
        client_id = _client_id(None, config, options.stack)
    if not declared:
        warn(
            f"warning: the stack file gives shop {shop_spec.name} no client_id, so its subscriptions still "
            f"use shopifyTokens.{shop_spec.name}; add `client_id: {client_id}` to the shop (or to the "
            "shopify section) to use client credentials."
        )
    return client_id


def client_secret_from_input(environ: Mapping[str, str], read_secret: Callable[[], str]) -> str:
    """$SHOPIFY_CLIENT_SECRET, else one line from the prompt or stdin (never a flag)."""
    secret = environ.get(CLIENT_SECRET_ENV) or read_secret().strip()
    if not secret:
        raise ConnectError(
            f"No client secret was given, so nothing was stored: type it at the prompt, pipe it on stdin, or "
            f"export {CLIENT_SECRET_ENV}."
        )
    return secret


def grant_client_credentials(base_url: str, shop: str, client_id: str, client_secret: str) -> AccessToken:
    """The client credentials grant on the shop's token endpoint; a refusal is one sentence, no secret."""
    url = base_url.rstrip("/") + ACCESS_TOKEN_PATH
    hint = "shopstream shop connect --client-credentials"
    try:
        response = requests.post(
            url,
            data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret},
            headers={"Accept": "application/json"},
            timeout=EXCHANGE_TIMEOUT_SECONDS,
        )
    except requests.RequestException as error:
        raise ConnectError(
            f"Cannot reach {url} for the client credentials grant ({type(error).__name__}), so nothing was "
            "stored."
        ) from None
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200 or not isinstance(body, dict):
        refused = grant_refused(
            shop, client_id, response.status_code, body, secret_hint=hint, secrets=(client_secret,)
        )
        raise ConnectError(f"{refused} Nothing was stored.") from None
    return parse_access_token_response(body)


def installation_scopes(base_url: str, api_version: str, shop: str, token: str) -> tuple[str, ...]:
    """The app's scopes from `currentAppInstallation` (when the grant's answer named none)."""
    try:
        return tuple(sorted(ShopifyGraphqlClient(base_url, api_version, token, shop).scopes()))
    except ShopifyError as error:
        raise ConnectError(f"{error} Nothing was stored.") from None


def connect_client_credentials(
    options: ClientCredentialsOptions,
    *,
    warn: Say,
    read_secret: Callable[[], str],
    environ: Mapping[str, str],
) -> Connected:
    """Check that the app is installed on the shop (the grant succeeds) and that its scopes cover the
    stack's topics for the shop, then store the client secret (never the short-lived token)."""
    spec = load_stack_file(stack_file_path(options.project_dir, options.stack))
    shop_spec = _shop_spec(spec, options.shop, options.stack)
    topics = [topic.topic for topic in shop_spec.topics]
    stack = open_stack(options.project_dir, options.stack)
    config = _StackConfig(stack)
    client_id = _client_credentials_id(options, shop_spec, config, warn)
    client_secret = client_secret_from_input(environ, read_secret)

    base_url = spec.shop_base_url(shop_spec.name)
    token = grant_client_credentials(base_url, shop_spec.name, client_id, client_secret)
    scopes = token.scopes or installation_scopes(base_url, spec.api_version, shop_spec.name, token.value)
    try:
        uncovered = missing_scopes(scopes, topics)
    except UnknownTopicError as error:
        raise ConnectError(f"The stack file names a topic this tool does not know: {error}.") from None
    if uncovered:
        needs = "; ".join(f"{topic} needs {' or '.join(sorted(alts))}" for topic, alts in uncovered.items())
        raise ConnectError(
            f"App {client_id} has only the scopes {', '.join(scopes) or 'none'} on shop {shop_spec.name}, "
            f"which do not cover the stack's topics ({needs}): add them to the app's configuration in the "
            "Dev Dashboard, release it, approve it on the shop and run this again; nothing was stored."
        )
    key = (
        APP_CLIENT_SECRET_CONFIG_KEY if options.app_wide else f"{CLIENT_SECRETS_CONFIG_KEY}.{shop_spec.name}"
    )
    store_secret(stack, key, client_secret)
    return Connected(shop=shop_spec.name, scopes=tuple(scopes), config_key=key)
