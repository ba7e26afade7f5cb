"""A small, blocking Shopify Admin REST client for webhook subscriptions (requests).

Requests go through shopstream.providers.http (one session per process, timeouts, the retry loop) by
way of shopstream.providers.shopify.admin_client (the token, its renewal, no pickling).  With a `pacer`
(the shop's session, shopstream.providers.shopify.session) every request waits for room in the shop's
bucket, and every `X-Shopify-Shop-Api-Call-Limit` header updates it.  The `list_all`, `create`,
`update`, `delete` and `scopes` methods are the `Transport` of shopstream.providers.shopify.subscriptions.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from shopstream.providers.http import (
    classify_exception as classify_exception,
)  # re-exported for older imports
from shopstream.providers.http import json_or_text
from shopstream.providers.http import shared_session as shared_session  # re-exported for older imports
from shopstream.providers.retry import RetryPolicy as RetryPolicy  # re-exported for older imports
from shopstream.providers.shopify.admin_client import API_VERSION_HEADER as API_VERSION_HEADER
from shopstream.providers.shopify.admin_client import AdminApiClient
from shopstream.providers.shopify.subscriptions import Desired
from shopstream.shopify_api import auth_errors, errors, pacing, pagination, ratelimit
from shopstream.shopify_api.errors import ErrorContext

PAGE_LIMIT = 250  # Shopify's maximum page size
MAX_PAGES = 10_000  # a runaway-pagination guard (2.5 M subscriptions), not a real limit
CALL_LIMIT_HEADER = "X-Shopify-Shop-Api-Call-Limit"


def _same_origin(a: str, b: str) -> bool:
    sa, sb = urlsplit(a), urlsplit(b)
    return (sa.scheme, sa.netloc.lower()) == (sb.scheme, sb.netloc.lower())


class ShopifyAdminClient(AdminApiClient):
    """Webhook-subscription calls against `{base_url}/admin/api/{api_version}/…`.

    `base_url` is the resolved shop endpoint, e.g. https://acme-eu.myshopify.com or
    http://127.0.0.1:8787/shops/acme-eu (the emulator).  Webhook ids are ints.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.call_limit: tuple[int, int] | None = None  # X-Shopify-Shop-Api-Call-Limit of the last answer

    # ---- the Transport of providers.shopify.subscriptions ----------------------------------------

    def list_all(self) -> list[dict[str, Any]]:
        return self.list_webhooks()

    def create(self, desired: Desired) -> dict[str, Any]:
        return self.create_webhook(
            desired.topic,
            desired.address,
            desired.format,
            list(desired.fields),
            list(desired.metafield_namespaces),
        )

    def update(self, webhook_id: int, desired: Desired) -> dict[str, Any]:
        return self.update_webhook(
            webhook_id,
            address=desired.address,
            fields=list(desired.fields),
            metafield_namespaces=list(desired.metafield_namespaces),
            topic=desired.topic,
        )

    def delete(self, webhook_id: int, topic: str | None) -> bool:
        return self.delete_webhook(webhook_id, topic=topic)

    def scopes(self) -> frozenset[str]:
        return self.access_scopes()

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
        return self._send(method, url, ctx, params=params, json_body=json_body)

    def _refused(self, response: requests.Response, ctx: ErrorContext) -> errors.ShopifyError:
        body = json_or_text(response)
        if response.status_code == 401 and (
            self._source.kind == auth_errors.CLIENT_CREDENTIALS
            or auth_errors.is_non_expiring_refusal(" ".join(errors.error_messages(body)))
        ):
            return self._rejected_token(ctx, body)
        return errors.error_from_response(
            response.status_code, body, ctx, headers=response.headers, secrets=self._source.secrets()
        )

    def _remember(self, response: requests.Response) -> None:
        super()._remember(response)
        limit = response.headers.get(CALL_LIMIT_HEADER)
        if limit:
            with contextlib.suppress(ValueError):
                self.call_limit = ratelimit.parse_call_limit(limit)
                if self._pacer is not None:
                    used, size = self.call_limit
                    self._pacer.observe(pacing.rest_view(used, size, self._pacer.now()))

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
        body = json_or_text(response)
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
