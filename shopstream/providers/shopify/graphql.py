"""A small, blocking GraphQL Admin API client for webhook subscriptions: the `Transport` of
shopstream.providers.shopify.subscriptions over `POST {endpoint}/admin/api/{version}/graphql.json`.

Requests go through shopstream.providers.http.send (one session per process, timeouts, the retry
rules) by way of shopstream.providers.shopify.admin_client: queries and the update/delete mutations are
retried like REST GETs/PUTs/DELETEs (sending them again leaves the same result); a create is retried
only where it cannot have been applied (a connection that was never made), so a lost answer reaches
shopstream.providers.shopify.subscriptions as an ambiguous error, which resolves it with a fresh list.

Cost-based throttling (reference §3.2): with the shop's pacer every request first reserves the points
it is expected to cost (the last requestedQueryCost of that document in this process, else the
documents' estimate), and every answer's `extensions.cost.throttleStatus` updates the pacer.  THROTTLED
comes back as HTTP 200 with `errors[].extensions.code`; it is waited out (the bucket refills at its
restoreRate) and sent again, within RetryPolicy.max_throttle_wait, never failed early.

Tokens come from a shopstream.providers.shopify.tokens source, asked before every try; a 401 makes the
source fetch a new one once (client credentials).  Nothing here logs or echoes a token.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial
from typing import Any, TypeVar

import requests

from shopstream.providers.http import json_or_text
from shopstream.providers.shopify import graphql_documents as documents
from shopstream.providers.shopify.admin_client import AdminApiClient
from shopstream.providers.shopify.graphql_documents import Document, ShapeError
from shopstream.providers.shopify.session import ShopPacer
from shopstream.providers.shopify.subscriptions import Desired
from shopstream.shopify_api import errors, graphql_errors, pacing, topics
from shopstream.shopify_api.errors import ErrorContext

T = TypeVar("T")
MAX_PAGES = 10_000  # a runaway-pagination guard (2.5 M subscriptions), not a real limit
MAX_THROTTLED_TRIES = 1_000  # bounded loop; the real bound is the policy's max_throttle_wait


class _LearnedCosts:
    """The requestedQueryCost Shopify last charged for each document, shared by the process's clients."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._costs: dict[str, float] = {}

    def expected(self, document: Document) -> float:
        with self._lock:
            return self._costs.get(document.name, document.cost)

    def learn(self, document: Document, requested: float | None) -> None:
        if requested is not None and requested > 0:
            with self._lock:
                self._costs[document.name] = requested


_costs = _LearnedCosts()


class _Costed:
    """The shop's pacer as shopstream.providers.http.Pacer for one request of a known cost."""

    def __init__(self, pacer: ShopPacer, cost: float) -> None:
        self._pacer = pacer
        self._cost = cost

    def acquire(self) -> None:
        self._pacer.acquire(self._cost)

    def release(self) -> None:
        self._pacer.release(self._cost)

    def throttled(self, retry_after: float | None) -> None:
        self._pacer.throttled(retry_after, self._cost)


class ShopifyGraphqlClient(AdminApiClient):
    """Webhook-subscription calls against `{base_url}/admin/api/{api_version}/graphql.json`.

    `base_url` is the resolved shop endpoint (https://acme-eu.myshopify.com, or the emulator's
    http://127.0.0.1:8787/shops/acme-eu).  `token` is a token value or a shopstream.providers.shopify.tokens
    source.  Webhook ids are the REST ids (legacyResourceId).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.throttled_seconds = 0.0  # THROTTLED waits of this client's calls (for tests and logs)

    @property
    def url(self) -> str:
        return f"{self.base_url}/admin/api/{self.api_version}/graphql.json"

    # ---- the Transport of providers.shopify.subscriptions ----------------------------------------

    def list_all(self) -> list[dict[str, Any]]:
        """Every subscription of the app on the shop, 250 a page, following the cursors to the end."""
        ctx = self._context("list")
        document = documents.list_document(self.api_version)
        found: list[dict[str, Any]] = []
        after: str | None = None
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            data = self._execute(document, {"first": documents.PAGE_SIZE, "after": after}, ctx)
            page = self._parsed(ctx, partial(documents.page_of, data, self.api_version))
            found.extend(page.webhooks)
            if page.next_cursor is None:
                return found
            if page.next_cursor in seen:
                raise errors.unexpected_body(ctx, 200, "a page cursor it had already sent (a paging loop)")
            seen.add(page.next_cursor)
            after = page.next_cursor
        raise errors.unexpected_body(ctx, 200, f"more than {MAX_PAGES} pages")

    def create(self, desired: Desired) -> dict[str, Any]:
        ctx = self._context("create", topic=desired.topic, address=desired.address)
        document = documents.create_document(self.api_version)
        variables = {
            "topic": topics.graphql_enum(desired.topic),
            "webhookSubscription": documents.subscription_input(desired, self.api_version, update=False),
        }
        payload = self._mutate(document, variables, ctx, name=desired.name)
        return self._parsed(
            ctx, lambda: documents.webhook_from_node(payload.get("webhookSubscription"), self.api_version)
        )

    def update(self, webhook_id: int, desired: Desired) -> dict[str, Any]:
        ctx = self._context("update", topic=desired.topic, address=desired.address, webhook_id=webhook_id)
        document = documents.update_document(self.api_version)
        variables = {
            "id": documents.gid(webhook_id),
            "webhookSubscription": documents.subscription_input(desired, self.api_version, update=True),
        }
        payload = self._mutate(document, variables, ctx, name=desired.name)
        return self._parsed(
            ctx, lambda: documents.webhook_from_node(payload.get("webhookSubscription"), self.api_version)
        )

    def delete(self, webhook_id: int, topic: str | None) -> bool:
        """True when deleted, False when the shop had no such subscription of this app."""
        ctx = self._context("delete", topic=topic, webhook_id=webhook_id)
        try:
            self._mutate(documents.DELETE, {"id": documents.gid(webhook_id)}, ctx)
        except errors.NotFound as err:
            if err.status is None:  # the userError, not an HTTP 404 for the shop or path
                return False
            raise
        return True

    def scopes(self) -> frozenset[str]:
        """The app's granted scopes on the shop (`currentAppInstallation { accessScopes }`)."""
        ctx = self._context("scopes")
        data = self._execute(documents.SCOPES, {}, ctx)
        return self._parsed(ctx, lambda: documents.scopes_of(data))

    # ---- internals --------------------------------------------------------------------------------

    def _context(
        self,
        operation: str,
        *,
        topic: str | None = None,
        address: str | None = None,
        webhook_id: int | None = None,
    ) -> ErrorContext:
        return ErrorContext(
            self.shop,
            operation,
            topic=topic,
            address=address,
            webhook_id=webhook_id,
            api_version=self.api_version,
        )

    def _parsed(self, ctx: ErrorContext, parse: Callable[[], T]) -> T:
        try:
            return parse()
        except ShapeError as err:
            raise errors.unexpected_body(ctx, 200, str(err)) from None

    def _mutate(
        self, document: Document, variables: Mapping[str, Any], ctx: ErrorContext, *, name: str | None = None
    ) -> Mapping[str, Any]:
        data = self._execute(document, variables, ctx)
        payload = self._parsed(ctx, lambda: documents.payload_of(data, document))
        user_errors = payload.get("userErrors")
        if isinstance(user_errors, list) and user_errors:
            raise graphql_errors.user_error(
                user_errors, ctx, name=name, credential=self._source.kind, secrets=self._source.secrets()
            )
        return payload

    def _execute(
        self, document: Document, variables: Mapping[str, Any], ctx: ErrorContext
    ) -> Mapping[str, Any]:
        """The `data` of one successful operation; THROTTLED is waited out, other errors raised."""
        body_json = {"query": document.text, "variables": dict(variables), "operationName": document.name}
        throttled = 0.0
        server_failures = 0
        for _ in range(MAX_THROTTLED_TRIES):
            cost = _costs.expected(document)
            response = self._post(document, body_json, ctx, cost)
            body = json_or_text(response)
            if not isinstance(body, dict):
                raise errors.unexpected_body(ctx, response.status_code, "a body that is not a JSON object")
            spent = graphql_errors.cost_of(body)
            if spent is not None:
                _costs.learn(document, spent.requested)
                if self._pacer is not None:
                    self._pacer.observe(
                        pacing.graphql_view(
                            spent.maximum, spent.available, spent.restore_rate, self._pacer.now()
                        )
                    )
            if graphql_errors.is_throttled(body):
                wait = graphql_errors.throttle_wait(spent, cost)
                if throttled + wait > self._policy.max_throttle_wait:
                    raise graphql_errors.throttled_too_long(ctx, throttled)
                throttled += wait
                self.throttled_seconds += wait
                self._wait_throttled(wait, cost, spent)
                continue
            codes = graphql_errors.error_codes(body)
            if codes:
                if (
                    codes == [graphql_errors.INTERNAL_SERVER_ERROR]
                    and not document.mutation
                    and server_failures + 1 < self._policy.max_attempts
                ):
                    server_failures += 1  # a query is safe to send again
                    self._sleep(self._policy.backoff(server_failures))
                    continue
                raise graphql_errors.top_level_error(body, ctx, secrets=self._source.secrets())
            data = body.get("data")
            if not isinstance(data, dict):
                raise errors.unexpected_body(ctx, response.status_code, "no 'data' object")
            return data
        raise graphql_errors.throttled_too_long(ctx, throttled)

    def _wait_throttled(self, wait: float, cost: float, spent: graphql_errors.Cost | None) -> None:
        """Make the next try wait `wait` seconds: through the pacer (so every thread of this shop waits
        too), else by sleeping here."""
        if self._pacer is None:
            self._sleep(wait)
            return
        self._pacer.throttled(wait, cost)
        if spent is not None:  # throttled() empties the model; the answer says what is really left
            self._pacer.observe(
                pacing.graphql_view(spent.maximum, spent.available, spent.restore_rate, self._pacer.now())
            )

    def _post(
        self, document: Document, body: Mapping[str, Any], ctx: ErrorContext, cost: float
    ) -> requests.Response:
        return self._send(
            "POST",
            self.url,
            ctx,
            headers={"Content-Type": "application/json"},
            json_body=body,
            # update and delete leave the same result when sent twice; a create may not (module docstring)
            idempotent=document.name != "webhookSubscriptionCreate",
            pacer=_Costed(self._pacer, cost) if self._pacer is not None else None,
        )

    def _refused(self, response: requests.Response, ctx: ErrorContext) -> errors.ShopifyError:
        body = json_or_text(response)
        secrets = self._source.secrets()
        if response.status_code == 401:
            return self._rejected_token(ctx, body)
        # A 404 of the GraphQL endpoint is about the shop or the path, never one subscription.
        where = replace(ctx, webhook_id=None) if response.status_code == 404 else ctx
        return errors.error_from_response(
            response.status_code, body, where, headers=response.headers, secrets=secrets
        )
