"""shopstream.providers.retry: pure retry decisions."""

import pytest

from shopstream.providers.retry import Failure, RetryPolicy, retry_delay

POLICY = RetryPolicy(max_attempts=4, backoff_base=0.5, backoff_max=3.0, max_total_wait=10.0)


def test_backoff_doubles_and_caps() -> None:
    assert [POLICY.backoff(n) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "POST", "post"])
def test_429_is_retried_for_every_method_after_retry_after_seconds(method: str) -> None:
    assert retry_delay(method, 1, 0.0, status=429, retry_after=2.0, policy=POLICY) == 2.0


def test_429_without_retry_after_waits_one_second() -> None:
    assert retry_delay("POST", 1, 0.0, status=429, policy=POLICY) == 1.0


@pytest.mark.parametrize("status", [500, 502, 503, 504])
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_5xx_retried_for_idempotent_methods(method: str, status: int) -> None:
    assert retry_delay(method, 2, 0.0, status=status, policy=POLICY) == 1.0


@pytest.mark.parametrize("status", [500, 503])
def test_5xx_never_retried_for_post(status: int) -> None:
    assert retry_delay("POST", 1, 0.0, status=status, policy=POLICY) is None


def test_503_honours_a_longer_retry_after() -> None:
    assert retry_delay("GET", 1, 0.0, status=503, retry_after=2.5, policy=POLICY) == 2.5


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422, 501])
def test_client_errors_are_not_retried(status: int) -> None:
    assert retry_delay("GET", 1, 0.0, status=status, policy=POLICY) is None


def test_connect_failures_retried_for_post_but_read_failures_not() -> None:
    assert retry_delay("POST", 1, 0.0, failure=Failure.BEFORE_SEND, policy=POLICY) == 0.5
    assert retry_delay("POST", 1, 0.0, failure=Failure.AFTER_SEND, policy=POLICY) is None
    assert retry_delay("GET", 1, 0.0, failure=Failure.AFTER_SEND, policy=POLICY) == 0.5


def test_attempts_are_bounded() -> None:
    assert retry_delay("GET", 3, 0.0, status=503, policy=POLICY) == 2.0
    assert retry_delay("GET", 4, 0.0, status=503, policy=POLICY) is None
    # Throttling is not failure: a 429 after the last attempt is still waited out.
    assert retry_delay("POST", 4, 0.0, status=429, retry_after=0.1, policy=POLICY) == 0.1


def test_total_wait_is_capped() -> None:
    assert retry_delay("GET", 1, 9.0, status=503, policy=POLICY) == 0.5
    assert retry_delay("GET", 1, 9.8, status=503, policy=POLICY) is None


def test_throttle_wait_has_its_own_generous_cap() -> None:
    policy = RetryPolicy(max_throttle_wait=120.0)
    assert retry_delay("GET", 1, 0.0, status=429, retry_after=2.0, policy=policy, throttled=118.0) == 2.0
    assert retry_delay("GET", 1, 0.0, status=429, retry_after=2.0, policy=policy, throttled=118.5) is None
    # A huge Retry-After gives up at once instead of blocking `pulumi up`.
    assert retry_delay("GET", 1, 0.0, status=429, retry_after=3600.0, policy=POLICY) is None
    assert RetryPolicy().max_throttle_wait >= 300  # minutes, not seconds


def test_no_status_no_failure_is_not_retried() -> None:
    assert retry_delay("GET", 1, 0.0, policy=POLICY) is None
