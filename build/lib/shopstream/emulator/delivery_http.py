"""One HTTP POST of a webhook delivery, with Shopify's success rule and timeouts (reference §8).

Only a 2xx answer is a success. 3xx is a failure, so redirects are not followed; a timeout or a connection
error is a failure without a status code. The request goes to the subscription address and nowhere else:
proxy environment variables are ignored and no connection is reused across sends (Shopify uses
keep-alive; a fresh connection per send avoids stale pooled connections to receivers that restarted).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import requests


@dataclass(frozen=True)
class SendResult:
    status_code: int | None
    error: str | None
    duration: float  # seconds
    published: bool = False  # handed to the Pub/Sub / EventBridge sink (no HTTP, always accepted)

    @property
    def ok(self) -> bool:
        if self.published:
            return True
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300


def post(
    address: str, body: bytes, headers: dict[str, str], *, connect_timeout: float, timeout: float
) -> SendResult:
    """POST ``body`` to ``address``; never raises for network trouble.

    ``timeout`` is the total budget. requests only bounds each socket read, so a receiver that answers
    after the budget is still counted as a timeout; the response body is not read (it does not matter
    to Shopify), which keeps slow-dripping bodies from holding a worker.
    """
    start = time.monotonic()
    status: int | None = None
    error: str | None = None
    try:
        with requests.Session() as session:
            session.trust_env = False  # no proxies, no .netrc: straight to the address
            response = session.post(
                address,
                data=body,
                headers=headers,
                timeout=(connect_timeout, timeout),
                allow_redirects=False,
                stream=True,
            )
            status = response.status_code
            response.close()
    except requests.Timeout:
        error = "timeout"
    except requests.ConnectionError as exc:
        error = f"connection error: {_reason(exc)}"
    except requests.RequestException as exc:
        error = f"request error: {_reason(exc)}"
    duration = time.monotonic() - start
    if error is None and duration > timeout:
        status, error = None, "timeout"
    elif error is None and status is not None and not 200 <= status < 300:
        error = f"HTTP {status}"
    return SendResult(status_code=status, error=error, duration=duration)


def _reason(exc: BaseException) -> str:
    """A short cause for the record (the innermost exception's class: ConnectionRefusedError, ...)."""
    cause: BaseException = exc
    seen = 0
    while seen < 10:  # bounded walk down the chain
        inner = cause.__cause__ or cause.__context__
        if inner is None:
            break
        cause, seen = inner, seen + 1
    reason = getattr(cause, "reason", None)
    if isinstance(reason, BaseException):
        cause = reason
    return type(cause).__name__
