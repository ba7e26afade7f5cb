"""A small, blocking Shopify Admin REST client for webhook subscriptions (requests).

One `requests.Session` per process, created lazily and shared by the provider's worker threads
(the Pulumi dynamic-provider process serves 4 gRPC threads); clients themselves are cheap, made per
call, hold the token only in memory and refuse to be pickled.  Nothing here logs or echoes the token.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, NoReturn
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter

from providers.shopify.retry import Failure, RetryPolicy, retry_delay
from shopify_api import errors, pagination, ratelimit
from shopify_api.errors import ErrorContext

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 30.0
PAGE_LIMIT = 250  # Shopify's maximum page size
MAX_PAGES = 10_000  # a runaway-pagination guard (2.5 M subscriptions), not a real limit
USER_AGENT = "shopstream-pulumi/0.1"
API_VERSION_HEADER = "X-Shopify-API-Version"
CALL_LIMIT_HEADER = "X-Shopify-Shop-Api-Call-Limit"

_session: requests.Session | None = None
_session_pid: int | None = None
_session_lock = threading.Lock()


def _new_session() -> requests.Session:
    session = requests.Session()
    # Retries are decided by our own loop (retry.py); urllib3 must not retry behind its back.
    adapter = HTTPAdapter(pool_connections=8, pool_maxsize=8, max_retries=urllib3.Retry(0, read=False))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    # The session is shared by threads and shops: never keep cookies (no cross-shop state, no jar races).
    session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    session.trust_env = True  # honour HTTPS_PROXY / REQUESTS_CA_BUNDLE like other tools
    return session


def shared_session() -> requests.Session:
    """The process-wide session; recreated after a fork so children never share sockets."""
    global _session, _session_pid
    pid = os.getpid()
    session = _session
    if session is not None and _session_pid == pid:
        return session
    with _session_lock:
        if _session is None or _session_pid != pid:
            _session = _new_session()
            _session_pid = pid
        return _session


def classify_exception(exc: BaseException) -> Failure | None:
    """Whether a requests exception happened before the request was sent, after, or is not retryable."""
    if isinstance(exc, requests.exceptions.SSLError):
        return None  # certificate/TLS problems do not fix themselves
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return Failure.BEFORE_SEND
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return Failure.AFTER_SEND
    if isinstance(exc, requests.exceptions.ConnectionError):
        if _caused_by(exc, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError)):
            return Failure.BEFORE_SEND  # NameResolutionError is a NewConnectionError too
        return Failure.AFTER_SEND  # e.g. RemoteDisconnected: the server may have processed it
    return None


def describe_exception(exc: BaseException) -> str:
    """A short, token-free reason for a failed request (requests' own text is long and noisy)."""
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS/certificate error"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"no connection within {CONNECT_TIMEOUT:g} s"
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return f"no answer within {READ_TIMEOUT:g} s"
    if isinstance(exc, requests.exceptions.ConnectionError):
        if _caused_by(exc, (urllib3.exceptions.NameResolutionError,)):
            return "the host name does not resolve"
        if _caused_by(exc, (urllib3.exceptions.NewConnectionError,)):
            return "connection refused" if "refused" in str(exc).lower() else "could not connect"
        return "the connection was dropped"
    return type(exc).__name__


def _caused_by(exc: BaseException, kinds: tuple[type[BaseException], ...]) -> bool:
    """True if `exc` wraps one of `kinds` (requests nests urllib3's MaxRetryError.reason in args)."""
    seen: set[int] = set()
    stack: list[object] = [exc]
    while stack:
        item = stack.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, kinds):
            return True
        stack.extend(item.args)
        stack.append(getattr(item, "reason", None))
        stack.extend([item.__cause__, item.__context__])
    return False


def _same_origin(a: str, b: str) -> bool:
    sa, sb = urlsplit(a), urlsplit(b)
    return (sa.scheme, sa.netloc.lower()) == (sb.scheme, sb.netloc.lower())


class ShopifyAdminClient:
    """Webhook-subscription calls against `{base_url}/admin/api/{api_version}/…`.

    `base_url` is the resolved shop endpoint, e.g. https://acme-eu.myshopify.com or
    http://127.0.0.1:8787/shops/acme-eu (the emulator).  Webhook ids are ints.
    """

    def __init__(
        self,
        base_url: str,
        api_version: str,
        token: str,
        shop: str,
        *,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version
        self.shop = shop
        self._token = token
        self._policy = policy or RetryPolicy()
        self._sleep = sleep
        self._session = session
        self.served_api_version: str | None = None  # X-Shopify-API-Version of the last answer
        self.call_limit: tuple[int, int] | None = None  # X-Shopify-Shop-Api-Call-Limit of the last answer

    def __repr__(self) -> str:  # no token
        return (
            f"ShopifyAdminClient(shop={self.shop!r}, base_url={self.base_url!r}, "
            f"api_version={self.api_version!r})"
        )

    def __reduce__(self) -> NoReturn:
        raise TypeError("ShopifyAdminClient holds a token and a session; it must not be pickled")

    # ---- public API -------------------------------------------------------------------------------

    def list_webhooks(self, topic: str | None = None, address: str | None = None) -> list[dict[str, Any]]:
        """All subscriptions (following Link rel="next"), optionally filtered by topic and address."""
        ctx = ErrorContext(self.shop, "list", topic=topic, address=address, api_version=self.api_version)
        first: dict[str, str] = {"limit": str(PAGE_LIMIT)}
        first.update({k: v for k, v in (("topic", topic), ("address", address)) if v})
        params: dict[str, str] | None = first
        url = self._url("webhooks.json")
        found: list[dict[str, Any]] = []
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            response = self._request("GET", url, ctx, params=params)
            found.extend(self._webhooks(response, ctx))
            next_url = self._next_page(response, ctx)
            if next_url is None or next_url in seen:
                return found
            seen.add(next_url)
            # page_info carries the filters; only limit (already in the link) may accompany it.
            url, params = next_url, None
        return found

    def count_webhooks(self, topic: str | None = None, address: str | None = None) -> int:
        ctx = ErrorContext(self.shop, "count", topic=topic, address=address, api_version=self.api_version)
        params = {k: v for k, v in (("topic", topic), ("address", address)) if v}
        body = self._object(self._request("GET", self._url("webhooks/count.json"), ctx, params=params), ctx)
        count = body.get("count")
        if not isinstance(count, int):
            raise errors.unexpected_body(ctx, 200, "no integer 'count'")
        return count

    def access_scopes(self) -> frozenset[str]:
        """Scopes granted to the token (GET /admin/oauth/access_scopes.json, not versioned)."""
        ctx = ErrorContext(self.shop, "scopes", api_version=self.api_version)
        body = self._object(self._request("GET", f"{self.base_url}/admin/oauth/access_scopes.json", ctx), ctx)
        items = body.get("access_scopes")
        if not isinstance(items, list):
            raise errors.unexpected_body(ctx, 200, "no 'access_scopes' list")
        return frozenset(str(i["handle"]) for i in items if isinstance(i, dict) and "handle" in i)

    def get_webhook(self, webhook_id: int) -> dict[str, Any] | None:
        """The subscription, or None when Shopify answers 404 for it (and the shop itself exists)."""
        ctx = ErrorContext(self.shop, "get", webhook_id=webhook_id, api_version=self.api_version)
        try:
            response = self._request("GET", self._url(f"webhooks/{int(webhook_id)}.json"), ctx)
        except errors.NotFound:
            self._ensure_shop_answers()
            return None
        return self._webhook(response, ctx)

    def create_webhook(
        self,
        topic: str,
        address: str,
        format: str = "json",  # Shopify's field name
        fields: list[str] | None = None,
        metafield_namespaces: list[str] | None = None,
    ) -> dict[str, Any]:
        ctx = ErrorContext(self.shop, "create", topic=topic, address=address, api_version=self.api_version)
        payload: dict[str, Any] = {"topic": topic, "address": address, "format": format}
        if fields is not None:
            payload["fields"] = list(fields)
        if metafield_namespaces is not None:
            payload["metafield_namespaces"] = list(metafield_namespaces)
        response = self._request("POST", self._url("webhooks.json"), ctx, json_body={"webhook": payload})
        return self._webhook(response, ctx)

    def update_webhook(
        self,
        webhook_id: int,
        address: str | None = None,
        fields: list[str] | None = None,
        metafield_namespaces: list[str] | None = None,
        *,
        topic: str | None = None,
    ) -> dict[str, Any]:
        """PUT the documented updatable fields (§1.3); None leaves a field unchanged.

        `topic` is only used to word error messages (REST PUT does not change topics).
        """
        ctx = ErrorContext(
            self.shop,
            "update",
            topic=topic,
            address=address,
            webhook_id=webhook_id,
            api_version=self.api_version,
        )
        payload: dict[str, Any] = {"id": int(webhook_id)}
        if address is not None:
            payload["address"] = address
        if fields is not None:
            payload["fields"] = list(fields)
        if metafield_namespaces is not None:
            payload["metafield_namespaces"] = list(metafield_namespaces)
        url = self._url(f"webhooks/{int(webhook_id)}.json")
        return self._webhook(self._request("PUT", url, ctx, json_body={"webhook": payload}), ctx)

    def delete_webhook(self, webhook_id: int, *, topic: str | None = None) -> bool:
        """True when deleted, False when Shopify already had no such subscription (404)."""
        ctx = ErrorContext(
            self.shop, "delete", topic=topic, webhook_id=webhook_id, api_version=self.api_version
        )
        try:
            self._request("DELETE", self._url(f"webhooks/{int(webhook_id)}.json"), ctx)
        except errors.NotFound:
            self._ensure_shop_answers()
            return False
        return True

    # ---- internals --------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self.base_url}/admin/api/{self.api_version}/{path}"

    def _ensure_shop_answers(self) -> None:
        """Tell 'this subscription is gone' from 'this shop/endpoint is wrong' before trusting a 404.

        Both come back as 404; treating a wrong endpoint as 'gone' would make `pulumi refresh` drop
        every subscription from the state.  The count call raises NotFound itself if the shop is missing.
        """
        self.count_webhooks()

    def _request(
        self,
        method: str,
        url: str,
        ctx: ErrorContext,
        *,
        params: Mapping[str, str] | None = None,
        json_body: object = None,
    ) -> requests.Response:
        session = self._session or shared_session()
        headers = {
            "X-Shopify-Access-Token": self._token,
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        attempt = 0
        waited = 0.0
        while True:
            attempt += 1
            try:
                response = session.request(
                    method,
                    url,
                    params=params,
                    json=json_body,
                    headers=headers,
                    timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
                    # A redirect would carry the token header to wherever Location points.
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                failure = classify_exception(exc)
                delay = (
                    None
                    if failure is None
                    else retry_delay(method, attempt, waited, failure=failure, policy=self._policy)
                )
                if delay is None:
                    raise errors.connection_failed(ctx, self.base_url, describe_exception(exc)) from None
                self._sleep(delay)
                waited += delay
                continue
            self._remember(response)
            status = response.status_code
            if 200 <= status < 300:
                return response
            delay = retry_delay(
                method,
                attempt,
                waited,
                status=status,
                retry_after=_retry_after(response),
                policy=self._policy,
            )
            if delay is None:
                raise errors.error_from_response(
                    status, _body(response), ctx, headers=response.headers, secrets=(self._token,)
                ) from None
            response.close()
            self._sleep(delay)
            waited += delay

    def _remember(self, response: requests.Response) -> None:
        version = response.headers.get(API_VERSION_HEADER)
        if version:
            self.served_api_version = version
        limit = response.headers.get(CALL_LIMIT_HEADER)
        if limit:
            with contextlib.suppress(ValueError):
                self.call_limit = ratelimit.parse_call_limit(limit)

    def _next_page(self, response: requests.Response, ctx: ErrorContext) -> str | None:
        header = response.headers.get("Link")
        if not header:
            return None
        target = pagination.parse_link_header(header).get("next")
        if not target:
            return None
        target = urljoin(response.url or self.base_url, target)
        if not _same_origin(target, self.base_url):
            # Following it would send the token to another host.
            what = f"a next-page link to another host ({target})"
            raise errors.unexpected_body(ctx, response.status_code, what)
        return target

    def _object(self, response: requests.Response, ctx: ErrorContext) -> dict[str, Any]:
        body = _body(response)
        if not isinstance(body, dict):
            raise errors.unexpected_body(ctx, response.status_code, "a body that is not a JSON object")
        return body

    def _webhook(self, response: requests.Response, ctx: ErrorContext) -> dict[str, Any]:
        webhook = self._object(response, ctx).get("webhook")
        if not isinstance(webhook, dict) or "id" not in webhook:
            raise errors.unexpected_body(ctx, response.status_code, "no 'webhook' object")
        return _with_int_id(webhook)

    def _webhooks(self, response: requests.Response, ctx: ErrorContext) -> list[dict[str, Any]]:
        items = self._object(response, ctx).get("webhooks")
        if not isinstance(items, list) or not all(isinstance(i, dict) and "id" in i for i in items):
            raise errors.unexpected_body(ctx, response.status_code, "no 'webhooks' list")
        return [_with_int_id(i) for i in items]


def _with_int_id(webhook: dict[str, Any]) -> dict[str, Any]:
    # Some clients/emulators send large ids as strings (JS precision); normalise to int.
    return {**webhook, "id": int(webhook["id"])}


def _body(response: requests.Response) -> object:
    """Parsed JSON, or the text when the body is not JSON (proxies, HTML error pages)."""
    try:
        return response.json()
    except ValueError:
        return response.text


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return ratelimit.retry_after_seconds(value)
    except ValueError:
        return None
