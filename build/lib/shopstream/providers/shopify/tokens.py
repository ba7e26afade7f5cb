"""Where a request's Admin API token comes from: a static token, or the client credentials grant.

A Dev Dashboard app of the shop's own organisation gets its tokens from
`POST {endpoint}/admin/oauth/access_token` (form: grant_type=client_credentials, client_id,
client_secret) -> `{access_token, scope, expires_in}` (reference §7.2); they live 24 hours, so a
scheduled drift job cannot keep one in its config.  A `ClientCredentials` source fetches one when
first needed, keeps it in the provider process until shortly before it expires (`refresh_at`), and
fetches again after the shop refused it (a 401; the clients call `refresh` once through
shopstream.providers.http.send's `reauthenticate` hook).  One source per (endpoint, shop, client id, secret)
is
shared by the provider's four threads; fetching holds its lock, so concurrent callers wait for the
one fetch instead of each fetching.

The token and the client secret live only in memory: never logged, never in an error text (every
message is scrubbed of both), and the sources refuse to be pickled.  The secret is read from the stack
config at call time (shopstream.providers.credentials), so rotating it changes no resource input; a new secret
simply makes a new source.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn, Protocol

import requests

from shopstream.providers.http import USER_AGENT, json_or_text, send
from shopstream.providers.retry import RetryPolicy
from shopstream.providers.shopify.session import credential_digest
from shopstream.shopify_api import auth_errors, errors
from shopstream.shopify_api.oauth import ACCESS_TOKEN_PATH

EARLY_FRACTION = 0.1  # refresh when 10% of the lifetime is left ...
EARLY_MAX = 300.0  # ... but never more than 5 minutes before the expiry
GRANT_POLICY = RetryPolicy(max_attempts=4, backoff_base=0.5, max_total_wait=15.0, max_throttle_wait=60.0)

Clock = Callable[[], float]


def refresh_at(fetched_at: float, expires_in: float | None) -> float | None:
    """When a token fetched at `fetched_at` that lives `expires_in` seconds should be fetched again
    (None: it does not expire).  Pure."""
    if expires_in is None:
        return None
    lifetime = max(0.0, float(expires_in))
    return fetched_at + lifetime - min(EARLY_MAX, EARLY_FRACTION * lifetime)


class TokenSource(Protocol):
    """What a client asks before every request (`token`) and after a 401 (`refresh`)."""

    @property
    def kind(self) -> str:
        """shopstream.shopify_api.auth_errors.STATIC or CLIENT_CREDENTIALS."""

    @property
    def identity(self) -> str:
        """A digest naming the app credential (stable across token renewals), never a secret."""

    @property
    def client_id(self) -> str | None: ...

    def token(self) -> str: ...

    def refresh(self, rejected: str) -> None: ...

    def secret_hint(self, shop: str) -> str: ...

    def secrets(self) -> tuple[str, ...]: ...


class StaticToken:
    """A stored `shpat_` token (shopifyTokens.<shop>): nothing to renew."""

    kind = auth_errors.STATIC
    client_id: str | None = None

    def __init__(self, value: str) -> None:
        self._value = value
        self.identity = credential_digest(value)

    def __repr__(self) -> str:
        return "StaticToken([redacted])"

    def __reduce__(self) -> NoReturn:
        raise TypeError("StaticToken holds a token; it must not be pickled")

    def token(self) -> str:
        return self._value

    def refresh(self, rejected: str) -> None:
        """A static token cannot be renewed: the retried request fails the same way, worded by the client."""

    def secret_hint(self, shop: str) -> str:
        return errors.token_config_command(shop)

    def secrets(self) -> tuple[str, ...]:
        return (self._value,)


@dataclass
class _Cached:
    value: str
    refresh_at: float | None
    scopes: tuple[str, ...]


class ClientCredentials:
    """Tokens of app `client_id` on one shop by the client credentials grant (see the module docstring)."""

    kind = auth_errors.CLIENT_CREDENTIALS

    def __init__(
        self,
        endpoint: str,
        shop: str,
        client_id: str,
        client_secret: str,
        *,
        secret_hint: str,
        clock: Clock = time.monotonic,
        policy: RetryPolicy = GRANT_POLICY,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.shop = shop
        self.client_id = client_id
        self.identity = credential_digest(f"client_credentials:{client_id}")
        self._secret = client_secret
        self._hint = secret_hint
        self._clock = clock
        self._policy = policy
        self._sleep = sleep
        self._session = session
        self._lock = threading.Lock()
        self._cached: _Cached | None = None
        self._stale: set[str] = set()  # tokens the shop refused: never handed out again
        self.fetches = 0

    def __repr__(self) -> str:
        return f"ClientCredentials(shop={self.shop!r}, client_id={self.client_id!r})"

    def __reduce__(self) -> NoReturn:
        raise TypeError("ClientCredentials holds a client secret and tokens; it must not be pickled")

    def token(self) -> str:
        """A token that is not about to expire, fetched now if needed (one fetch for all threads)."""
        with self._lock:
            cached = self._cached
            if cached is None or (cached.refresh_at is not None and self._clock() >= cached.refresh_at):
                cached = self._fetch()
                self._cached = cached
            return cached.value

    def scopes(self) -> tuple[str, ...]:
        """The scopes the grant said the current token has (fetching one if needed)."""
        self.token()
        with self._lock:
            return self._cached.scopes if self._cached is not None else ()

    def refresh(self, rejected: str) -> None:
        """The shop refused `rejected`: drop it, unless another thread already replaced it."""
        with self._lock:
            self._stale.add(rejected)
            if self._cached is not None and self._cached.value == rejected:
                self._cached = None

    def secret_hint(self, shop: str) -> str:
        return self._hint

    def secrets(self) -> tuple[str, ...]:
        with self._lock:
            current = (self._cached.value,) if self._cached is not None else ()
        return (self._secret, *current, *self._stale)

    def _fetch(self) -> _Cached:
        url = f"{self.endpoint}{ACCESS_TOKEN_PATH}"
        context = errors.ErrorContext(
            self.shop, f"fetching an access token for app {self.client_id} by client credentials"
        )
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self._secret,
        }
        started = self._clock()
        response = send(
            "POST",
            url,
            session=self._session,
            data=form,
            headers=lambda: {"Accept": "application/json", "User-Agent": USER_AGENT},
            policy=self._policy,
            sleep=self._sleep,
            idempotent=True,  # each grant issues a fresh token; a repeated one costs nothing
            unreachable=lambda reason: errors.connection_failed(context, self.endpoint, reason),
            refused=lambda answer, _: auth_errors.grant_refused(
                self.shop,
                self.client_id,
                answer.status_code,
                json_or_text(answer),
                secret_hint=self._hint,
                secrets=(self._secret,),
            ),
        )
        self.fetches += 1
        return self._parse(json_or_text(response), context, started)

    def _parse(self, body: object, context: errors.ErrorContext, fetched_at: float) -> _Cached:
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise errors.unexpected_body(context, 200, "no access_token")
        value = str(body["access_token"])
        expires_in = body.get("expires_in")
        lifetime = (
            float(expires_in)
            if isinstance(expires_in, int | float) and not isinstance(expires_in, bool)
            else None
        )
        scope = body.get("scope")
        scopes = tuple(s.strip() for s in scope.split(",") if s.strip()) if isinstance(scope, str) else ()
        return _Cached(value, refresh_at(fetched_at, lifetime), scopes)


# ---- one source per app credential per provider process ----------------------------------------------

_lock = threading.Lock()
_sources: dict[tuple[str, str, str, str], ClientCredentials] = {}


def client_credentials(
    endpoint: str, shop: str, client_id: str, client_secret: str, *, secret_hint: str
) -> ClientCredentials:
    """The process's source for this app on this shop; a rotated secret makes a new one."""
    key = (endpoint.rstrip("/"), shop, client_id, credential_digest(client_secret))
    with _lock:
        source = _sources.get(key)
        if source is None:
            source = ClientCredentials(endpoint, shop, client_id, client_secret, secret_hint=secret_hint)
            _sources[key] = source
        return source


def reset() -> None:
    """Forget every cached token (tests acting as a new provider process)."""
    with _lock:
        _sources.clear()
