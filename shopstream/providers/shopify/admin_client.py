"""What the REST and the GraphQL Admin API clients share: a shop, a token source, the pacer, and one
request with the token asked for before every try and renewed once after a 401 (client credentials).

Clients are cheap, made per call, hold the token only in memory and refuse to be pickled; nothing here
logs or echoes a token.  Subclasses word the refusals (`_refused`) and read their own headers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

import requests

from shopstream.providers.http import USER_AGENT, Pacer, send
from shopstream.providers.retry import RetryPolicy
from shopstream.providers.shopify.session import ShopPacer
from shopstream.providers.shopify.tokens import StaticToken, TokenSource
from shopstream.shopify_api import auth_errors, errors
from shopstream.shopify_api.errors import ErrorContext

API_VERSION_HEADER = "X-Shopify-API-Version"


class AdminApiClient:
    """`base_url` is the resolved shop endpoint (https://acme-eu.myshopify.com, or the emulator's
    http://127.0.0.1:8787/shops/acme-eu); `token` a token value or a shopstream.providers.shopify.tokens
    source."""

    def __init__(
        self,
        base_url: str,
        api_version: str,
        token: str | TokenSource,
        shop: str,
        *,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        pacer: ShopPacer | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version
        self.shop = shop
        # A token value, or a source asked before every try (client credentials renew themselves).
        self._source: TokenSource = StaticToken(token) if isinstance(token, str) else token
        self._policy = policy or RetryPolicy()
        self._sleep = sleep
        self._session = session
        self._pacer = pacer
        self.served_api_version: str | None = None  # X-Shopify-API-Version of the last answer

    def __repr__(self) -> str:  # no token
        return (
            f"{type(self).__name__}(shop={self.shop!r}, base_url={self.base_url!r}, "
            f"api_version={self.api_version!r})"
        )

    def __reduce__(self) -> NoReturn:
        raise TypeError(f"{type(self).__name__} holds a token source and a session; it must not be pickled")

    @property
    def _token(self) -> str:  # the token the next request sends (older tests read it)
        return self._source.token()

    def _send(
        self,
        method: str,
        url: str,
        ctx: ErrorContext,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        json_body: object = None,
        idempotent: bool | None = None,
        pacer: Pacer | None = None,
    ) -> requests.Response:
        sent: list[str] = []

        def all_headers() -> dict[str, str]:
            token = self._source.token()
            sent.append(token)
            return {
                "X-Shopify-Access-Token": token,
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
                **(headers or {}),
            }

        def reauthenticate() -> None:
            if sent:
                self._source.refresh(sent[-1])

        return send(
            method,
            url,
            session=self._session,
            params=params,
            json_body=json_body,
            headers=all_headers,
            policy=self._policy,
            sleep=self._sleep,
            idempotent=idempotent,
            seen=self._remember,
            # A static token cannot be renewed: only client-credentials sources get the second try.
            reauthenticate=reauthenticate if self._source.kind == auth_errors.CLIENT_CREDENTIALS else None,
            pacer=pacer if pacer is not None else self._pacer,
            unreachable=lambda reason: errors.connection_failed(ctx, self.base_url, reason),
            refused=lambda response, _: self._refused(response, ctx),
        )

    def _rejected_token(self, ctx: ErrorContext, body: Any) -> errors.ShopifyError:
        return auth_errors.rejected_token(
            ctx,
            body,
            kind=self._source.kind,
            secret_hint=self._source.secret_hint(self.shop),
            client_id=self._source.client_id,
            secrets=self._source.secrets(),
        )

    def _refused(self, response: requests.Response, ctx: ErrorContext) -> errors.ShopifyError:
        raise NotImplementedError

    def _remember(self, response: requests.Response) -> None:
        version = response.headers.get(API_VERSION_HEADER)
        if version:
            self.served_api_version = version
