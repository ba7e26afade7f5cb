"""Retry decisions for the Shopify, AEP and IMS clients, as pure functions (providers/http.py sleeps).

Rules (shopify-admin-api.md §3.1 and the brief):
* 429 is retried for every method, POST included: Shopify throttles before doing anything, so a
  retried POST cannot create a duplicate.  Wait `Retry-After` seconds (Shopify sends seconds, e.g.
  "2.0"; shopify-app-js wrongly treats it as milliseconds), 1 s when the header is missing.
* 5xx (500, 502, 503, 504) and errors after the request may have been sent (read timeout, dropped
  connection) are retried only for idempotent methods (GET, PUT, DELETE): a POST may have created the
  subscription already.
* Errors before anything was sent (connect timeout, connection refused, DNS) are retried for every
  method.
* Attempts are bounded, backoff is exponential and capped, and the total sleep is capped so a
  misbehaving server cannot hold a `pulumi up` for long.
* Throttling is not failure: 429s do not count as attempts, and the time spent waiting them out has
  its own, generous bound (`max_throttle_wait`, minutes), because at a thousand subscriptions a shop's
  bucket is simply busy for a while.  The client paces itself (shopstream.providers.shopify.session) so 429s
  stay
  rare; this bound is for a bucket that something else keeps full.
No jitter: at most 4 provider threads talk to one shop, and determinism keeps the decisions testable.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
DEFAULT_THROTTLE_WAIT = 1.0  # Shopify's recommended backoff when Retry-After is absent


class Failure(enum.Enum):
    """How a request failed when there was no HTTP status to look at."""

    BEFORE_SEND = "before_send"  # connect timeout / refused / DNS: the server never saw the request
    AFTER_SEND = "after_send"  # read timeout / connection dropped: the server may have acted on it


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6  # total tries, the first one included
    backoff_base: float = 0.5  # seconds before the 2nd try; doubles each time
    backoff_max: float = 8.0  # cap for one backoff sleep
    max_total_wait: float = 60.0  # cap for the sleeps after failures (not throttling) of one call
    max_throttle_wait: float = 600.0  # cap for the Retry-After sleeps of one call

    def backoff(self, attempt: int) -> float:
        """Sleep after failed try number `attempt` (1-based): base, 2*base, 4*base … capped."""
        return float(min(self.backoff_max, self.backoff_base * (2 ** max(0, attempt - 1))))


def retry_delay(
    method: str,
    attempt: int,
    waited: float,
    *,
    status: int | None = None,
    failure: Failure | None = None,
    retry_after: float | None = None,
    policy: RetryPolicy = RetryPolicy(),  # frozen, so a shared default is safe
    throttled: float = 0.0,
) -> float | None:
    """Seconds to sleep before trying again, or None to give up.

    `attempt` is the 1-based number of the failed try that just happened (429s not counted), `waited`
    the seconds already slept after failures and `throttled` those slept after 429s, for this call.
    Pass `status` for an HTTP answer, `failure` when there was none.
    """
    if status == 429:
        wait = DEFAULT_THROTTLE_WAIT if retry_after is None else max(0.0, retry_after)
        return None if throttled + wait > policy.max_throttle_wait else wait
    if attempt >= policy.max_attempts:
        return None
    method = method.upper()
    delay: float | None = None
    if status in RETRYABLE_STATUSES:
        if method in IDEMPOTENT_METHODS:
            # A 503 may carry Retry-After too; never retry sooner than asked.
            delay = max(policy.backoff(attempt), retry_after or 0.0)
    elif failure is Failure.BEFORE_SEND or (failure is Failure.AFTER_SEND and method in IDEMPOTENT_METHODS):
        delay = policy.backoff(attempt)
    if delay is None or waited + delay > policy.max_total_wait:
        return None
    return delay
