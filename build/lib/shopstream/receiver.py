"""A webhook receiver helper for users who relay Shopify events themselves (reference §8).

``verify_and_dedupe`` checks ``X-Shopify-Hmac-Sha256`` over the RAW body (before any JSON parsing) and
drops a delivery whose ``X-Shopify-Webhook-Id`` was already seen within a time window; Shopify delivers
at least once and retries with the same webhook id. ``receiver_app`` wraps it in a tiny WSGI app:
401 on a bad HMAC (as App Store review expects), 200 for a duplicate without calling the handler again,
200 after the handler ran, 500 (and the id forgotten, so Shopify's retry is handled) when it raised.

Usage::

    seen = WebhookIdWindow()
    app = receiver_app(os.environ["SHOPIFY_CLIENT_SECRET"], handle, seen=seen)  # any WSGI server
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from shopstream.shopify_api.webhook_signature import HMAC_HEADER, verify

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

WEBHOOK_ID_HEADER = "X-Shopify-Webhook-Id"
# Shopify retries a failed delivery 8 times over 4 hours (§8), each time with the same webhook id, so the
# window outlasts that; the entry cap bounds memory whatever the traffic.
DEFAULT_WINDOW_SECONDS = 6 * 3600.0
DEFAULT_MAX_ENTRIES = 100_000
MAX_BODY_BYTES = 10 * 1024 * 1024

_log = logging.getLogger(__name__)

Handler = Callable[[bytes, Mapping[str, str]], None]


class WebhookIdWindow:
    """Webhook ids seen in the last ``window`` seconds (at most ``max_entries``, oldest dropped first).

    Thread-safe. ``clock`` returns seconds and must not go backwards (default ``time.monotonic``)."""

    def __init__(
        self,
        window: float = DEFAULT_WINDOW_SECONDS,
        *,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if window <= 0 or max_entries < 1:
            raise ValueError("window must be > 0 seconds and max_entries >= 1")
        self.window = window
        self.max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, float] = OrderedDict()  # id -> first seen; oldest first

    def check_and_add(self, webhook_id: str) -> bool:
        """True if ``webhook_id`` was seen within the window (a duplicate); otherwise remember it."""
        with self._lock:
            now = self._clock()
            self._expire(now)
            if webhook_id in self._seen:
                return True
            self._seen[webhook_id] = now
            while len(self._seen) > self.max_entries:
                self._seen.popitem(last=False)
            return False

    def forget(self, webhook_id: str) -> None:
        """Drop ``webhook_id`` (its handling failed: the retry must be handled)."""
        with self._lock:
            self._seen.pop(webhook_id, None)

    def __len__(self) -> int:
        with self._lock:
            self._expire(self._clock())
            return len(self._seen)

    def _expire(self, now: float) -> None:
        while self._seen:
            oldest, seen_at = next(iter(self._seen.items()))
            if now - seen_at < self.window:
                return
            del self._seen[oldest]


class Outcome(Enum):
    ACCEPTED = "accepted"  # authentic and new: handle it
    DUPLICATE = "duplicate"  # authentic, already seen within the window: acknowledge, don't handle
    REJECTED = "rejected"  # the HMAC does not verify: answer 401


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    webhook_id: str | None
    reason: str

    @property
    def should_handle(self) -> bool:
        return self.outcome is Outcome.ACCEPTED


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def verify_and_dedupe(
    raw_body: bytes, headers: Mapping[str, str], secret: str, seen: WebhookIdWindow
) -> Verdict:
    """The verdict on one delivery. Only an authentic delivery is recorded as seen, so a forged request
    can never make a genuine one look like a duplicate. Without a webhook id there is nothing to
    de-duplicate on: an authentic delivery is accepted."""
    if not verify(raw_body, secret, _header(headers, HMAC_HEADER)):
        return Verdict(Outcome.REJECTED, None, f"{HMAC_HEADER} does not match the body")
    webhook_id = (_header(headers, WEBHOOK_ID_HEADER) or "").strip() or None
    if webhook_id is None:
        return Verdict(Outcome.ACCEPTED, None, f"authentic; no {WEBHOOK_ID_HEADER} to de-duplicate on")
    if seen.check_and_add(webhook_id):
        return Verdict(Outcome.DUPLICATE, webhook_id, "already received within the window")
    return Verdict(Outcome.ACCEPTED, webhook_id, "authentic and new")


# --- WSGI -------------------------------------------------------------------------------------------------


def _headers_from_environ(environ: WSGIEnvironment) -> dict[str, str]:
    headers = {
        key[5:].replace("_", "-").title(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = str(environ["CONTENT_TYPE"])
    return headers


def _read_body(environ: WSGIEnvironment) -> bytes | None:
    """The raw body, or None when it is larger than MAX_BODY_BYTES."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        return None
    body: bytes = environ["wsgi.input"].read(length) if length > 0 else b""
    return body


def receiver_app(
    secret: str, handler: Handler, *, seen: WebhookIdWindow | None = None
) -> Callable[[WSGIEnvironment, StartResponse], Iterable[bytes]]:
    """A WSGI app for POSTed webhooks: verify, de-duplicate, then ``handler(raw_body, headers)``."""
    window = seen if seen is not None else WebhookIdWindow()

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        def answer(status: str, text: str) -> Iterable[bytes]:
            body = (text + "\n").encode()
            start_response(
                status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
            )
            return [body]

        if environ.get("REQUEST_METHOD") != "POST":
            return answer("405 Method Not Allowed", "webhooks are POSTed")
        raw_body = _read_body(environ)
        if raw_body is None:
            return answer("413 Payload Too Large", "body too large")
        headers = _headers_from_environ(environ)
        verdict = verify_and_dedupe(raw_body, headers, secret, window)
        if verdict.outcome is Outcome.REJECTED:
            return answer("401 Unauthorized", "invalid HMAC")
        if verdict.outcome is Outcome.DUPLICATE:
            return answer("200 OK", "duplicate")
        try:
            handler(raw_body, headers)
        except Exception:
            _log.exception("webhook handler failed (webhook id %s)", verdict.webhook_id)
            # Not acknowledged: Shopify retries with the same id, which must then be handled.
            if verdict.webhook_id is not None:
                window.forget(verdict.webhook_id)
            return answer("500 Internal Server Error", "handler failed")
        return answer("200 OK", "ok")

    return app
