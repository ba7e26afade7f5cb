"""The blocking HTTP transport shared by the Shopify, AEP and IMS clients (requests).

* One `requests.Session` per process, created lazily and shared by the provider's worker threads
  (the Pulumi dynamic-provider process serves 4 gRPC threads): no cookies, no hidden urllib3
  retries, recreated after a fork.
* `send` makes one call: a timeout on every try, redirects never followed (they would carry the
  credential to wherever Location points), retries decided by the pure rules of
  shopstream.providers.retry.  The caller's hooks supply the headers and turn failures into its own
  errors; nothing here logs or keeps a secret.
* An optional `Pacer` (the Shopify clients' per-shop bucket, shopstream.providers.shopify.session) is asked
  before every try and told about every throttled answer, so requests wait for room in the bucket
  instead of being refused.
* The read timeout is `SHOPSTREAM_HTTP_READ_TIMEOUT` seconds (default 30).
* No request starts once the Pulumi engine is gone (shopstream.providers.engine_watch): a killed
  `pulumi` must not leave writes behind that no state records.
"""

from __future__ import annotations

import http.cookiejar
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

import requests
import urllib3
from requests.adapters import HTTPAdapter

from shopstream.providers.engine_watch import EngineGone, engine_alive
from shopstream.providers.retry import Failure, RetryPolicy, retry_delay
from shopstream.shopify_api.ratelimit import retry_after_seconds

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT_ENV = "SHOPSTREAM_HTTP_READ_TIMEOUT"
DEFAULT_READ_TIMEOUT = 30.0
USER_AGENT = "shopstream-pulumi/0.1"

_session: requests.Session | None = None
_session_pid: int | None = None
_session_lock = threading.Lock()


class Pacer(Protocol):
    """Room in a rate-limit bucket: `acquire` blocks until one try may be sent, `release` follows it."""

    def acquire(self) -> None: ...

    def release(self) -> None: ...

    def throttled(self, retry_after: float | None) -> None: ...


def read_timeout() -> float:
    """Seconds to wait for an answer; tests and fault benchmarks shorten it through the environment."""
    try:
        value = float(os.environ.get(READ_TIMEOUT_ENV, ""))
    except ValueError:
        return DEFAULT_READ_TIMEOUT
    return value if 0 < value < 3600 else DEFAULT_READ_TIMEOUT


def _new_session() -> requests.Session:
    session = requests.Session()
    # Retries are decided by our own loop (retry.py); urllib3 must not retry behind its back.
    adapter = HTTPAdapter(pool_connections=8, pool_maxsize=8, max_retries=urllib3.Retry(0, read=False))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    # The session is shared by threads and shops: never keep cookies (no cross-shop state, no jar races).
    session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    session.trust_env = True  # honour HTTPS_PROXY / REQUESTS_CA_BUNDLE like other tools
    return session


def shared_session() -> requests.Session:
    """The process-wide session; recreated after a fork so children never share sockets."""
    global _session, _session_pid
    pid = os.getpid()
    session = _session
    if session is not None and _session_pid == pid:
        return session
    with _session_lock:
        if _session is None or _session_pid != pid:
            _session = _new_session()
            _session_pid = pid
        return _session


def send(
    method: str,
    url: str,
    *,
    headers: Callable[[], Mapping[str, str]],
    unreachable: Callable[[str], Exception],
    refused: Callable[[requests.Response, float | None], Exception],
    policy: RetryPolicy,
    sleep: Callable[[float], None],
    session: requests.Session | None = None,
    params: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
    json_body: object = None,
    data: Mapping[str, str] | None = None,
    idempotent: bool | None = None,
    seen: Callable[[requests.Response], None] | None = None,
    reauthenticate: Callable[[], None] | None = None,
    backoff_without_retry_after: bool = False,
    pacer: Pacer | None = None,
) -> requests.Response:
    """The 2xx response to one call, trying again while the retry rules allow.

    Hooks: `headers()` before every try (a token may have been renewed); `seen(response)` for every
    HTTP answer; `unreachable(reason)` / `refused(response, retry_after)` build the exception raised
    when giving up without / with an answer; `reauthenticate()` once on the first 401, which is then
    tried again without counting as an attempt.  `idempotent` overrides the verdict retry.py takes
    from `method`.  With `backoff_without_retry_after` a 429 without Retry-After waits the
    exponential backoff instead of Shopify's fixed second.  429s are not attempts: they are waited
    out within the policy's throttle bound.
    """
    session = session or shared_session()
    retry_method = method if idempotent is None else ("GET" if idempotent else "POST")
    attempt, waited, throttled = 0, 0.0, 0.0
    reauthenticated = False
    timeout = (CONNECT_TIMEOUT, read_timeout())
    while True:
        attempt += 1
        if pacer is not None:
            pacer.acquire()
        if not engine_alive():
            if pacer is not None:
                pacer.release()
            raise EngineGone(f"the Pulumi engine is gone; not sending {method} {url}")
        try:
            response = session.request(
                method,
                url,
                params=params,
                data=data,
                json=json_body,
                headers=headers(),
                timeout=timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            if pacer is not None:
                pacer.release()
            failure = classify_exception(exc)
            delay = (
                None
                if failure is None
                else retry_delay(retry_method, attempt, waited, failure=failure, policy=policy)
            )
            if delay is None:
                raise unreachable(describe_exception(exc)) from None
            sleep(delay)
            waited += delay
            continue
        if seen is not None:
            seen(response)
        if pacer is not None:
            pacer.release()
        status = response.status_code
        if 200 <= status < 300:
            return response
        if status == 401 and reauthenticate is not None and not reauthenticated:
            reauthenticated = True
            attempt -= 1
            response.close()
            reauthenticate()
            continue
        wait = retry_after(response)
        if status == 429 and wait is None and backoff_without_retry_after:
            wait = policy.backoff(attempt)
        delay = retry_delay(
            retry_method, attempt, waited, status=status, retry_after=wait, policy=policy, throttled=throttled
        )
        if delay is None:
            raise refused(response, wait) from None
        response.close()
        if status == 429:
            attempt -= 1
            throttled += delay
            if pacer is not None:
                pacer.throttled(delay)  # the bucket is full for every thread of this shop
        else:
            waited += delay
        sleep(delay)


def classify_exception(exc: BaseException) -> Failure | None:
    """Whether a requests exception happened before the request was sent, after, or is not retryable."""
    if isinstance(exc, requests.exceptions.SSLError):
        return None  # certificate/TLS problems do not fix themselves
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return Failure.BEFORE_SEND
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return Failure.AFTER_SEND
    if isinstance(exc, requests.exceptions.ConnectionError):
        if _caused_by(exc, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError)):
            return Failure.BEFORE_SEND  # NameResolutionError is a NewConnectionError too
        return Failure.AFTER_SEND  # e.g. RemoteDisconnected: the server may have processed it
    return None


def describe_exception(exc: BaseException) -> str:
    """A short, token-free reason for a failed request (requests' own text is long and noisy)."""
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS/certificate error"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"no connection within {CONNECT_TIMEOUT:g} s"
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return f"no answer within {read_timeout():g} s"
    if isinstance(exc, requests.exceptions.ConnectionError):
        if _caused_by(exc, (urllib3.exceptions.NameResolutionError,)):
            return "the host name does not resolve"
        if _caused_by(exc, (urllib3.exceptions.NewConnectionError,)):
            return "connection refused" if "refused" in str(exc).lower() else "could not connect"
        return "the connection was dropped"
    return type(exc).__name__


def _caused_by(exc: BaseException, kinds: tuple[type[BaseException], ...]) -> bool:
    """True if `exc` wraps one of `kinds` (requests nests urllib3's MaxRetryError.reason in args)."""
    seen: set[int] = set()
    stack: list[object] = [exc]
    while stack:
        item = stack.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, kinds):
            return True
        stack.extend(item.args)
        stack.append(getattr(item, "reason", None))
        stack.extend([item.__cause__, item.__context__])
    return False


def json_or_text(response: requests.Response) -> object:
    """Parsed JSON, or the text when the body is not JSON (proxies, HTML error pages)."""
    try:
        return response.json()
    except ValueError:
        return response.text


def retry_after(response: requests.Response) -> float | None:
    """Retry-After in seconds, or None when absent or unreadable."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return retry_after_seconds(value)
    except ValueError:
        return None
