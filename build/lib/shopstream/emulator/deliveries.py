"""Webhook delivery simulator (reference §8, §10 item 6): an event triggered in a shop is POSTed to every
subscription of its topic in that shop (all apps), retried on a schedule, and after the final failed retry
the subscription is deleted, as Shopify does for subscriptions created through the Admin API.

Threads: a small fixed pool of workers (``DEFAULT_WORKERS``) takes due sends from one time-ordered queue;
they start with the first event and stop on :meth:`DeliveryEngine.stop` (the server calls it when it
stops). Scheduling uses the monotonic clock (real time, scaled by the settings); the timestamps shown
(``triggered_at``, attempt ``at``) use the store's clock, like every other emulator timestamp.

Pub/Sub and EventBridge subscriptions are delivered without network: the message (the payload and, as
attributes, the ``X-Shopify-*`` headers without the HMAC, which Shopify signs only for HTTPS) is appended to
the *sink*, an in-memory list per shop that the control surface reads. Such a send always succeeds.

Records live in memory only (bounded to ``MAX_RECORDS``; the oldest settled ones are dropped first) and do
not survive a restart; ``/_control/reset`` clears them and drops queued sends.

Locks: the store lock is taken before the engine lock, never the other way round; sends and waits hold
neither, so a delivery may target this very server (the AEP inlet emulator) without deadlock.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlsplit

from flask import Flask, current_app

from shopstream.emulator import addresses
from shopstream.emulator.delivery_http import SendResult, post
from shopstream.emulator.delivery_model import (
    CYCLE_KINDS,
    DELIVERY,
    DUPLICATE,
    FAILED,
    REDELIVER,
    RETRY,
    RETRYING,
    SUBSCRIPTION_REMOVED,
    SUCCEEDED,
    Attempt,
    Delivery,
    DeliverySettings,
    Removal,
    delivery_headers,
    encode_body,
    epoch_nanos,
    filter_payload,
    rfc3339_millis,
    rfc3339_nanos,
)
from shopstream.emulator.state import Shop, Store, Subscription

ENGINE_KEY = "shopstream_deliveries"
DEFAULT_WORKERS = 4
MAX_RECORDS = 10_000
MAX_SINK_MESSAGES = 10_000
MAX_WAIT_SECONDS = 60.0
STOP_JOIN_SECONDS = 2.0  # an in-flight send is not interrupted; its daemon thread ends on its own

Sender = Callable[..., SendResult]

_log = logging.getLogger(__name__)


@dataclass(order=True)
class _Job:
    due: float  # monotonic seconds
    seq: int  # FIFO among equal due times (a duplicate goes after its delivery)
    delivery_id: int = field(compare=False)
    kind: str = field(compare=False)


@dataclass(frozen=True)
class Skipped:
    """A subscription of the topic that gets no delivery, and why."""

    subscription_id: int
    app: str
    address: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class TriggeredEvent:
    id: str
    shop: str
    topic: str
    triggered_at: str
    delivery_ids: list[int]
    skipped: list[Skipped]


class EngineStopped(RuntimeError):
    """The engine was stopped (the server is shutting down); no new sends are accepted."""


def skip_reason(sub: Subscription, shop: Shop, settings: DeliverySettings) -> str | None:
    """Why ``sub`` cannot get a delivery from the emulator, or None."""
    if sub.app not in shop.apps:
        return f"the subscription's app {sub.app!r} does not exist"
    if sub.format != "json":
        return f"format {sub.format!r} is not emulated (JSON deliveries only)"
    if addresses.is_cloud_address(sub.address):
        return None  # published to the sink, no network
    try:
        parts = urlsplit(sub.address)
        scheme, host = parts.scheme.lower(), parts.hostname
    except ValueError:
        scheme, host = "", None
    if scheme not in ("http", "https") or not host:
        return "not an http(s) address"
    if not settings.allow_remote and not addresses.is_loopback_host(host):
        return "remote address not contacted: the delivery setting allow_remote is off"
    return None


class DeliveryEngine:
    def __init__(
        self,
        store: Store,
        settings: DeliverySettings | None = None,
        *,
        workers: int = DEFAULT_WORKERS,
        sender: Sender = post,
    ) -> None:
        self._store = store
        self._settings = settings or DeliverySettings()
        self._worker_count = max(1, workers)
        self._send = sender
        self._cond = threading.Condition(threading.Lock())
        self._records: dict[int, Delivery] = {}  # insertion (= id) order
        self._queue: list[_Job] = []
        self._next_id = 1
        self._seq = 0
        self._threads: list[threading.Thread] = []
        self._stopped = False
        self._sink: deque[dict[str, Any]] = deque(maxlen=MAX_SINK_MESSAGES)
        self._sink_seq = 0

    # --- settings ---------------------------------------------------------------------------------

    @property
    def settings(self) -> DeliverySettings:
        with self._cond:
            return self._settings

    def update_settings(self, changes: dict[str, Any]) -> DeliverySettings:
        """Apply ``changes`` (raises SettingsError). Retries already queued keep their due time."""
        with self._cond:
            self._settings = self._settings.updated(changes)
            return self._settings

    # --- triggering -------------------------------------------------------------------------------

    def trigger(
        self, shop: Shop, topic: str, payload: dict[str, Any], *, duplicate: bool = False
    ) -> TriggeredEvent:
        """Schedule deliveries of one event to every subscription of ``topic`` in ``shop``.

        The caller holds the store lock (the subscriptions, app secrets and versions are read now)."""
        settings = self.settings
        event_id = str(uuid.uuid4())
        triggered_at = rfc3339_nanos(epoch_nanos(self._store.clock))
        started = time.monotonic()
        records: list[Delivery] = []
        skipped: list[Skipped] = []
        for sub in sorted(shop.subscriptions.values(), key=lambda s: s.id):
            if sub.topic != topic:
                continue
            reason = skip_reason(sub, shop, settings)
            if reason is not None:
                skipped.append(Skipped(sub.id, sub.app, sub.address, reason))
                continue
            app = shop.apps[sub.app]
            body = encode_body(filter_payload(payload, sub.fields, sub.metafield_namespaces))
            webhook_id = str(uuid.uuid4())
            headers = delivery_headers(
                topic=topic,
                body=body,
                client_secret=app.client_secret,
                shop_domain=f"{shop.name}.myshopify.com",
                api_version=app.webhook_api_version,
                webhook_id=webhook_id,
                event_id=event_id,
                triggered_at=triggered_at,
                name=sub.name,
            )
            records.append(
                Delivery(
                    id=0,  # assigned below, under the engine lock
                    webhook_id=webhook_id,
                    event_id=event_id,
                    shop=shop.name,
                    app=sub.app,
                    subscription_id=sub.id,
                    topic=topic,
                    address=sub.address,
                    api_version=app.webhook_api_version,
                    triggered_at=triggered_at,
                    triggered_monotonic=started,
                    headers=headers,
                    body=body,
                )
            )
        with self._cond:
            self._ensure_started()
            for record in records:
                record.id = self._next_id
                self._next_id += 1
                self._records[record.id] = record
                self._push(record, DELIVERY, started)
                if duplicate:
                    self._push(record, DUPLICATE, started)
            self._evict()
            self._cond.notify_all()
        return TriggeredEvent(event_id, shop.name, topic, triggered_at, [r.id for r in records], skipped)

    def redeliver(self, delivery_id: int) -> bool:
        """Send the delivery once more, same bytes and webhook id (an at-least-once duplicate). False when
        there is no such delivery. Does not change its status."""
        with self._cond:
            record = self._records.get(delivery_id)
            if record is None:
                return False
            self._ensure_started()
            self._push(record, REDELIVER, time.monotonic())
            self._cond.notify_all()
            return True

    # --- reading and waiting ----------------------------------------------------------------------

    def render(self, delivery_id: int) -> dict[str, Any] | None:
        with self._cond:
            record = self._records.get(delivery_id)
            return record.to_json(time.monotonic()) if record else None

    def render_many(
        self,
        *,
        shop: str | None = None,
        ids: list[int] | None = None,
        status: str | None = None,
        topic: str | None = None,
        event_id: str | None = None,
        subscription_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """Deliveries matching every given filter, oldest first."""
        now = time.monotonic()
        with self._cond:
            chosen = self._select(shop, ids)
            return [
                record.to_json(now)
                for record in chosen
                if (status is None or record.status == status)
                and (topic is None or record.topic == topic)
                and (event_id is None or record.event_id == event_id)
                and (subscription_id is None or record.subscription_id == subscription_id)
            ]

    def unsettled(self, *, shop: str | None = None, ids: list[int] | None = None) -> int:
        with self._cond:
            return sum(1 for record in self._select(shop, ids) if not record.settled)

    def wait_settled(self, timeout: float, *, shop: str | None = None, ids: list[int] | None = None) -> bool:
        """Block (at most ``timeout``, capped at MAX_WAIT_SECONDS) until the chosen deliveries have no
        queued or in-flight send. True when settled. Do not hold the store lock while waiting."""
        deadline = time.monotonic() + max(0.0, min(timeout, MAX_WAIT_SECONDS))
        with self._cond:
            while any(not record.settled for record in self._select(shop, ids)):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._stopped:
                    return False
                self._cond.wait(remaining)
            return True

    def _select(self, shop: str | None, ids: list[int] | None) -> list[Delivery]:
        if ids is not None:
            found = (self._records.get(i) for i in ids)
            return [r for r in found if r is not None and (shop is None or r.shop == shop)]
        return [r for r in self._records.values() if shop is None or r.shop == shop]

    # --- forgetting -------------------------------------------------------------------------------

    def clear(self) -> None:
        """Forget every delivery and sink message; drop queued sends (in-flight sends finish unrecorded)."""
        with self._cond:
            self._records.clear()
            self._queue.clear()
            self._sink.clear()
            self._cond.notify_all()

    def forget_shop(self, shop: str) -> None:
        """Forget the deliveries of a deleted shop and drop their queued sends."""
        with self._cond:
            self._records = {i: r for i, r in self._records.items() if r.shop != shop}
            self._queue = [job for job in self._queue if job.delivery_id in self._records]
            heapq.heapify(self._queue)
            self._drop_sink(shop)
            self._cond.notify_all()

    # --- the Pub/Sub and EventBridge sink ---------------------------------------------------------

    def sink_messages(self, *, shop: str | None = None) -> list[dict[str, Any]]:
        """Messages published to cloud destinations (of ``shop``, or all), oldest first."""
        with self._cond:
            return [dict(m) for m in self._sink if shop is None or m["shop"] == shop]

    def clear_sink(self, *, shop: str | None = None) -> None:
        with self._cond:
            self._drop_sink(shop)

    def _drop_sink(self, shop: str | None) -> None:
        kept = [m for m in self._sink if shop is not None and m["shop"] != shop]
        self._sink.clear()
        self._sink.extend(kept)

    def _publish(self, record: Delivery) -> SendResult:
        """Append the delivery to the sink as the cloud destination would receive it."""
        address = record.address
        destination: dict[str, Any]
        if address.startswith("pubsub://"):
            project, _, topic = address.removeprefix("pubsub://").partition(":")
            destination = {"destination": "pubsub", "pubsub_project": project, "pubsub_topic": topic}
        else:
            destination = {"destination": "eventbridge", "arn": address}
        attributes = {
            key: value
            for key, value in record.headers.items()
            if key.startswith("X-Shopify-") and key != "X-Shopify-Hmac-Sha256"
        }
        with self._cond:
            self._sink_seq += 1
            self._sink.append(
                {
                    "seq": self._sink_seq,
                    "shop": record.shop,
                    "delivery_id": record.id,
                    "subscription_id": record.subscription_id,
                    "address": address,
                    **destination,
                    "topic": record.topic,
                    "attributes": attributes,
                    "body": record.body.decode("utf-8"),
                }
            )
        return SendResult(status_code=None, error=None, duration=0.0, published=True)

    def _evict(self) -> None:
        """Keep at most MAX_RECORDS, dropping the oldest settled deliveries (caller holds the lock)."""
        excess = len(self._records) - MAX_RECORDS
        if excess <= 0:
            return
        victims = [i for i, r in self._records.items() if r.settled][:excess]
        for delivery_id in victims:
            del self._records[delivery_id]

    # --- worker pool ------------------------------------------------------------------------------

    def _push(self, record: Delivery, kind: str, due: float) -> None:
        """Queue a send (caller holds the lock and notifies)."""
        if self._stopped:
            raise EngineStopped("the delivery worker is stopped")
        self._seq += 1
        heapq.heappush(self._queue, _Job(due, self._seq, record.id, kind))
        record.active_sends += 1

    def _ensure_started(self) -> None:
        if self._stopped:
            raise EngineStopped("the delivery worker is stopped")
        if self._threads:
            return
        for number in range(self._worker_count):
            thread = threading.Thread(target=self._run, name=f"emulator-deliveries-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def alive_workers(self) -> int:
        """Worker threads still running (0 before the first event and after ``stop``)."""
        with self._cond:
            return sum(1 for thread in self._threads if thread.is_alive())

    def stop(self) -> None:
        """Stop the workers: queued sends are dropped, an in-flight send is waited for only briefly."""
        with self._cond:
            self._stopped = True
            self._queue.clear()
            self._cond.notify_all()
            threads = list(self._threads)
        deadline = time.monotonic() + STOP_JOIN_SECONDS
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _next_job(self) -> _Job | None:
        """The next due job, waiting for it; None once stopped."""
        with self._cond:
            while not self._stopped:
                if self._queue:
                    wait = self._queue[0].due - time.monotonic()
                    if wait <= 0:
                        return heapq.heappop(self._queue)
                    self._cond.wait(wait)
                else:
                    self._cond.wait()
            return None

    def _run(self) -> None:
        while (job := self._next_job()) is not None:
            try:
                self._execute(job)
            except Exception:  # keep the worker alive; the record shows what was recorded so far
                _log.exception("webhook delivery %s: unexpected error", job.delivery_id)

    def _execute(self, job: _Job) -> None:
        with self._cond:
            record = self._records.get(job.delivery_id)
            settings = self._settings
        if record is None:  # forgotten (reset, shop deleted) after it was queued
            return
        at = rfc3339_millis(self._store.clock())
        offset = time.monotonic() - record.triggered_monotonic
        try:
            if addresses.is_cloud_address(record.address):
                result = self._publish(record)
            else:
                result = self._send(
                    record.address,
                    record.body,
                    record.headers,
                    connect_timeout=settings.connect_timeout,
                    timeout=settings.timeout,
                )
        except Exception as exc:  # a sender bug must not leave the delivery unsettled forever
            result = SendResult(None, f"internal error: {type(exc).__name__}", 0.0)
        final_failure = False
        with self._cond:
            if self._records.get(record.id) is not record:
                return
            record.attempts.append(
                Attempt(
                    number=len(record.attempts) + 1,
                    kind=job.kind,
                    at=at,
                    offset_seconds=round(offset, 3),
                    duration_ms=round(result.duration * 1000, 1),
                    status_code=result.status_code,
                    error=result.error,
                    ok=result.ok,
                )
            )
            if job.kind in CYCLE_KINDS:
                final_failure = self._after_cycle_attempt(record, job.kind, result.ok)
            if not final_failure:
                self._finish_send(record)
        if final_failure:
            removal: Removal | None = None
            try:
                removal = self._remove_subscription(record, settings)
            finally:  # settle the delivery whatever happened
                with self._cond:
                    if self._records.get(record.id) is record:
                        record.status = SUBSCRIPTION_REMOVED if removal else FAILED
                        record.removal = removal
                        self._finish_send(record)

    def _after_cycle_attempt(self, record: Delivery, kind: str, ok: bool) -> bool:
        """Status bookkeeping after the first attempt or a retry; True on the final failure (caller holds
        the lock). The number of retries comes from the settings at the time of each failure."""
        if kind == RETRY:
            record.retries += 1
        record.next_retry_monotonic = None
        if ok:
            record.status = SUCCEEDED
            return False
        settings = self._settings
        if record.retries < len(settings.retry_schedule):
            due = time.monotonic() + settings.delay_before_retry(record.retries)
            record.status = RETRYING
            record.next_retry_monotonic = due
            if not self._stopped:
                self._push(record, RETRY, due)
                self._cond.notify_all()
            return False
        return True

    def _finish_send(self, record: Delivery) -> None:
        record.active_sends = max(0, record.active_sends - 1)
        self._cond.notify_all()

    def _remove_subscription(self, record: Delivery, settings: DeliverySettings) -> Removal | None:
        """Delete the subscription after the final failed retry (Shopify: "After 8 consecutive failures,
        the subscription is automatically deleted if it was configured using the Admin API").

        UNCONFIRMED details, our choices: the subscription is deleted even if its address changed while
        retries ran (Shopify counts failures per subscription); a subscription already deleted stays
        deleted and the delivery is just ``failed``; a success of another delivery in between does not
        reset anything (each delivery's own cycle decides)."""
        if not settings.remove_failing_subscriptions:
            return None
        attempts = record.retries + 1
        with self._store.lock:
            shop = self._store.shops.get(record.shop)
            if shop is None or record.subscription_id not in shop.subscriptions:
                return None
            del shop.subscriptions[record.subscription_id]
            at = rfc3339_millis(self._store.clock())
            try:
                self._store.save()
            except OSError:
                _log.exception("webhook delivery %s: cannot save the state file", record.id)
        return Removal(
            reason=f"deleted after {attempts} consecutive failed attempts "
            f"(the delivery and {record.retries} retries)",
            at=at,
            subscription_id=record.subscription_id,
        )


# --- wiring into the Flask app --------------------------------------------------------------------


def install(
    app: Flask, store: Store, settings: DeliverySettings | None = None, *, workers: int = DEFAULT_WORKERS
) -> DeliveryEngine:
    engine = DeliveryEngine(store, settings, workers=workers)
    app.extensions[ENGINE_KEY] = engine
    return engine


def engine_of(app: Flask) -> DeliveryEngine:
    return cast(DeliveryEngine, app.extensions[ENGINE_KEY])


def current_engine() -> DeliveryEngine:
    return engine_of(current_app)


def stop(app: Flask) -> None:
    """Stop the app's delivery workers (if it has an engine)."""
    engine = app.extensions.get(ENGINE_KEY)
    if isinstance(engine, DeliveryEngine):
        engine.stop()
