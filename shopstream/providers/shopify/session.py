"""One Shopify session per shop per provider process: its rate-limit pacing, its list of subscriptions
and its granted scopes, shared by every resource of that shop in one `pulumi` command.

Why: Shopify limits each (shop, app) to a small bucket (40 requests leaking 2/s on REST), so a design
that sends a GET per subscription per refresh, or a list before every create, cannot serve a thousand
subscriptions.  Here, as in shopify-app-js's `webhooks.register()`, a shop's subscriptions are listed
once (Link/cursor paging, 250 a page) and that list answers every `read` and every adoption lookup;
creates, updates and deletes keep it current.  The four provider threads share it under a lock, and
concurrent first users wait for the one fetch instead of each fetching.

A session lives as long as the provider process — one `pulumi` command — and is never pickled into
the state; it holds no token (keys carry a digest of the credential only).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from shopstream.shopify_api.pacing import BucketModel, BucketView

T = TypeVar("T")
Clock = Callable[[], float]
Sleep = Callable[[float], None]


def credential_digest(secret: str) -> str:
    """A short, one-way tag of a token or client id: sessions of different apps never mix."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


class ShopPacer:
    """Thread-safe pacing over one shop's BucketModel (implements shopstream.providers.http.Pacer).

    Waits happen outside the lock, so a thread sleeping for this shop never holds up the others.
    """

    def __init__(
        self, model: BucketModel, *, clock: Clock = time.monotonic, sleep: Sleep = time.sleep
    ) -> None:
        self._model = model
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep
        self.cost = 1.0  # what one try spends (REST: one request)

    def acquire(self, cost: float | None = None) -> None:
        with self._lock:
            wait = self._model.reserve(self.cost if cost is None else cost, self._clock())
        if wait > 0:
            self._sleep(wait)

    def release(self, cost: float | None = None) -> None:
        with self._lock:
            self._model.settle(self.cost if cost is None else cost)

    def observe(self, view: BucketView) -> None:
        with self._lock:
            self._model.observe(view)

    def throttled(self, retry_after: float | None, cost: float | None = None) -> None:
        with self._lock:
            self._model.throttled(self._clock(), retry_after, self.cost if cost is None else cost)

    def now(self) -> float:
        return self._clock()


class SingleFlight(Generic[T]):
    """A value fetched at most once at a time; concurrent callers wait for the one fetch."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: T | None = None

    def get(self, fetch: Callable[[], T]) -> T:
        with self._lock:
            if self._value is None:
                self._value = fetch()
            return self._value

    def peek(self) -> T | None:
        with self._lock:
            return self._value

    def set(self, value: T | None) -> None:
        with self._lock:
            self._value = value


class SubscriptionIndex(Generic[T]):
    """The shop's subscriptions by id, listed once and then kept current by our own writes."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._by_id: dict[int, T] | None = None

    def ensure(self, load: Callable[[], Iterable[tuple[int, T]]]) -> dict[int, T]:
        """The index, listing the shop first if this process has not yet (one list for all threads)."""
        with self._lock:
            if self._by_id is None:
                self._by_id = dict(load())
            return dict(self._by_id)

    def reload(self, load: Callable[[], Iterable[tuple[int, T]]]) -> dict[int, T]:
        """List again: after Shopify said a subscription exists that the index does not have."""
        with self._lock:
            self._by_id = None
            return self.ensure(load)

    def put(self, key: int, value: T) -> None:
        with self._lock:
            if self._by_id is not None:
                self._by_id[key] = value

    def drop(self, key: int) -> None:
        with self._lock:
            if self._by_id is not None:
                self._by_id.pop(key, None)


@dataclass
class ShopSession:
    """Everything one provider process shares about one (endpoint, shop, app credential, API)."""

    pacer: ShopPacer
    index: SubscriptionIndex[object]
    scopes: SingleFlight[frozenset[str]]


_lock = threading.Lock()
_sessions: dict[tuple[str, str, str, str], ShopSession] = {}


def session_for(
    endpoint: str, shop: str, credential: str, api: str, *, model: Callable[[float], BucketModel]
) -> ShopSession:
    """The process's session for this shop and app (`credential` is a digest, never the secret)."""
    key = (endpoint.rstrip("/"), shop, credential, api)
    with _lock:
        session = _sessions.get(key)
        if session is None:
            session = ShopSession(ShopPacer(model(time.monotonic())), SubscriptionIndex(), SingleFlight())
            _sessions[key] = session
        return session


def reset() -> None:
    """Forget every session (tests that act as a new `pulumi` command in the same process)."""
    with _lock:
        _sessions.clear()
