"""Adobe IMS access tokens (OAuth Server-to-Server client credentials), cached per process.

POST {ims_url}/ims/token/v3 with a form body (reference §3).  Tokens live only in this module's
memory: never on a provider object (pickled into the state), never in outputs, never in a log or an
error message.  The cache is keyed by (ims_url, client_id, org, scopes) — the org is not sent to IMS
but keeps two stacks with the same credential apart — and a token is reused until shortly before it
expires (shopstream.aep_api.ims.refresh_at); the Platform client calls `invalidate` once on a 401 to force a
new
one.  A per-key lock makes the provider's 4 worker threads share one token request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from shopstream.aep_api import errors, ids
from shopstream.aep_api import ims as ims_math
from shopstream.aep_api.errors import ErrorContext
from shopstream.providers.http import USER_AGENT, json_or_text, retry_after, send
from shopstream.providers.retry import RetryPolicy


@dataclass(frozen=True)
class TokenKey:
    ims_url: str
    client_id: str
    org: str
    scopes: str


@dataclass
class _Cached:
    token: str
    refresh_at: float  # monotonic

    def __repr__(self) -> str:  # never show the token
        return f"_Cached(refresh_at={self.refresh_at:.0f})"


_cache: dict[TokenKey, _Cached] = {}
_locks: dict[TokenKey, threading.Lock] = {}
_locks_guard = threading.Lock()
_stats = {"requests": 0}  # token requests sent by this process (for tests and diagnostics)


def _lock_for(key: TokenKey) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def access_token(
    key: TokenKey,
    client_secret: str,
    *,
    session: requests.Session | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    policy: RetryPolicy | None = None,
) -> str:
    """A valid access token for `key`, from the cache or a new IMS request."""
    cached = _cache.get(key)
    if cached is not None and clock() < cached.refresh_at:
        return cached.token
    with _lock_for(key):
        cached = _cache.get(key)  # another thread may have fetched it while we waited
        if cached is not None and clock() < cached.refresh_at:
            return cached.token
        started = clock()
        grant = _request_token(
            key, client_secret, session=session, sleep=sleep, policy=policy or RetryPolicy()
        )
        _cache[key] = _Cached(grant.access_token, ims_math.refresh_at(started, grant.lifetime))
        return grant.access_token


def invalidate(key: TokenKey, token: str) -> None:
    """Forget `token` (the Platform answered 401 to it); a newer token fetched meanwhile is kept."""
    with _lock_for(key):
        cached = _cache.get(key)
        if cached is not None and cached.token == token:
            del _cache[key]


def clear() -> None:
    """Forget every cached token (tests; a rotated client secret does not need it)."""
    with _locks_guard:
        _cache.clear()


def token_requests() -> int:
    return _stats["requests"]


def _request_token(
    key: TokenKey,
    client_secret: str,
    *,
    session: requests.Session | None,
    sleep: Callable[[float], None],
    policy: RetryPolicy,
) -> ims_math.Grant:
    url = key.ims_url.rstrip("/") + ids.IMS_TOKEN_PATH
    ctx = ErrorContext("access token", "requesting an access token", name=key.client_id, org=key.org)
    form = ims_math.token_request_form(key.client_id, client_secret, key.scopes)

    def headers() -> dict[str, str]:
        with _locks_guard:
            _stats["requests"] += 1
        return {"Accept": "application/json", "User-Agent": USER_AGENT}

    def refused(response: requests.Response, wait: float | None) -> Exception:
        body = json_or_text(response)
        return errors.error_from_response(
            response.status_code, body, ctx, secrets=(client_secret,), retry_after=wait
        )

    response = send(
        "POST",
        url,
        session=session,
        data=form,  # form-encoded body; the secret never goes into the URL
        # Asking for a token twice is harmless, so IMS calls retry like idempotent ones.
        idempotent=True,
        headers=headers,
        policy=policy,
        sleep=sleep,
        backoff_without_retry_after=True,
        unreachable=lambda reason: errors.connection_failed(ctx, key.ims_url, reason),
        refused=refused,
    )
    if response.status_code != 200:  # another success status is no token answer
        raise refused(response, retry_after(response))
    try:
        return ims_math.parse_token_response(json_or_text(response))
    except ValueError as err:
        raise errors.unexpected_body(ctx, 200, f"a token answer with {err}") from None
