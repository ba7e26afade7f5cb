"""Fault injection: a seeded WSGI middleware in front of the whole emulator, off by default.

It sees every request except the control surface (``/_control/...``, which stays reliable so tests can
check what really happened): the Shopify REST and GraphQL paths (``/shops/{shop}/admin/...`` or
``Host: {shop}.myshopify.com``), OAuth, and the AEP paths. Rules, kinds and the seeded schedule are
described in ``shopstream.emulator.fault_model``. What each kind does to a matching request:

* ``error``        answers 500/502/503/504 with a Shopify-shaped body; the app never sees the request.
* ``throttle``     answers 429 + ``Retry-After`` to this and the next ``burst - 1`` matching requests.
* ``latency``      sleeps ``seconds`` before the app handles the request (phase "before") or after it
                   did, before the answer goes out (phase "after"); combines with any other kind.
* ``reset_before`` drops the connection (TCP reset, no answer) before the app sees the request.
* ``reset_after``  lets the app handle it (the write is applied), then drops the connection.
* ``ambiguous``    lets the app handle it (the write is applied), then answers 5xx instead.

Bodies (UNCONFIRMED shapes: Shopify's 5xx bodies are not documented): ``{"errors": "<reason phrase>"}``
on Shopify paths, the AEP problem shape on AEP paths; 429 uses the Admin API's throttle body.

Every injected fault is counted and kept in a bounded log; faults on shop paths are also written to the
shop's request log (``GET /_control/shops/{shop}/requests``): its entries have ``fault`` set (e.g.
``"ambiguous_503"``, ``"latency+reset_after"``), and requests the app never saw appear with the injected
status (0 for a dropped connection).

Control surface (JSON; errors ``{"error": message}`` with 400):
  GET    /_control/faults            -> 200 {"faults": {seed, rules: [rule, ...]}, "counters": counters}
  PUT    /_control/faults            body {seed?=0, rules: [rule, ...]} -> 200 {"faults": ..., "counters"}
                                        replaces the configuration; the schedule, counters and log restart
  DELETE /_control/faults            -> 200 {"faults": {seed, rules: []}, "counters"} ; faults off, the
                                        counters and the log stay readable
  POST   /_control/faults/rules      body rule -> 201 {"index": i, "rule": rule} ; appended (matched last)
  GET    /_control/faults/counters   -> 200 {"counters": {"matched": n, "injected": n,
                                        "by_kind": {kind: n}, "by_shop": {shop|"*": {kind: n}},
                                        "by_rule": [{kind: n}, ...]}}
  GET    /_control/faults/log        ?since=<seq> &shop= -> 200 {"faults": [{seq, time, shop, method,
                                        path, rule, kind, status, latency, applied}, ...]} oldest first
``POST /_control/reset`` puts back the configuration the server started with (``--faults FILE``, or
``start_in_thread(faults=...)``; none by default) and zeroes the counters and the log.

A dropped connection needs the emulator's own request handler (``shopstream.emulator.server``): the middleware
raises DropConnection, and the handler closes the socket with SO_LINGER 0, which sends a TCP reset.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from flask import Blueprint, Flask, current_app, request
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from shopstream.emulator import fault_model
from shopstream.emulator.admin_api import throttled_body
from shopstream.emulator.context import Emulator
from shopstream.emulator.errors import ControlError
from shopstream.emulator.fault_model import (
    FAULT_ENVIRON_KEY,
    Decision,
    FaultConfig,
    FaultConfigError,
    StreamState,
)
from shopstream.emulator.jsonio import control_body
from shopstream.shopify_api.ratelimit import RETRY_AFTER_HEADER, format_retry_after

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

EXTENSION_KEY = "shopstream_faults"
MAX_LOG_ENTRIES = 10_000
CONTROL_PREFIX = "/_control"
AEP_PREFIXES = ("/ims/", "/data/foundation/", "/collection/")

# The same two ways of addressing a shop as emulator.routing (which runs later, inside).
_SHOP_PREFIX = re.compile(r"^/shops/([^/]+)(/.*)?$")
_SHOP_HOST = re.compile(r"^([a-z0-9][a-z0-9-]*)\.myshopify\.com(?::\d+)?$", re.IGNORECASE)

# (shop, method, path, query, status, label): writes one entry in the shop's request log.
Recorder = Callable[[str, str, str, str, int, str], None]


class DropConnection(ConnectionResetError):
    """Raised by the middleware to end the connection without an answer (see shopstream.emulator.server)."""


def load_config_file(path: Path) -> FaultConfig:
    """A fault configuration from a JSON file; FaultConfigError with the file name if unusable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FaultConfigError(f"cannot read the fault file {path}: {error}") from None
    try:
        return fault_model.parse_config(data)
    except FaultConfigError as error:
        raise FaultConfigError(f"fault file {path}: {error}") from None


@dataclass(frozen=True)
class Target:
    """Where a request goes: its shop (None if not addressed to one) and the path rules match on."""

    shop: str | None
    path: str


def target_of(environ: WSGIEnvironment) -> Target:
    path = environ.get("PATH_INFO", "") or "/"
    match = _SHOP_PREFIX.match(path)
    if match:
        return Target(match.group(1), match.group(2) or "/")
    if not path.startswith(AEP_PREFIXES):
        host = _SHOP_HOST.match(environ.get("HTTP_HOST", ""))
        if host:
            return Target(host.group(1).lower(), path)
    return Target(None, path)


class FaultInjector:
    """The configuration, the per-stream schedule state, counters and log, behind one lock."""

    def __init__(self, initial: FaultConfig | None = None, clock: Callable[[], float] = time.time) -> None:
        self._lock = threading.Lock()
        self._initial = initial or FaultConfig()
        self._clock = clock
        self._configure(self._initial)

    def _configure(self, config: FaultConfig) -> None:
        self.config = config
        self._streams: dict[tuple[int, str | None], StreamState] = {}
        self._injected: list[dict[str, int]] = [{} for _ in config.rules]
        self._matched = 0
        self._by_shop: dict[str, dict[str, int]] = {}
        self._log: deque[dict[str, Any]] = deque(maxlen=MAX_LOG_ENTRIES)
        self._seq = 0

    def replace(self, config: FaultConfig) -> None:
        with self._lock:
            self._configure(config)

    def disable(self) -> None:
        """No rules any more; the counters and the log are kept."""
        with self._lock:
            self.config = FaultConfig(seed=self.config.seed)
            self._streams.clear()
            self._injected = []

    def add_rule(self, rule: fault_model.FaultRule) -> int:
        with self._lock:
            self.config = FaultConfig(seed=self.config.seed, rules=(*self.config.rules, rule))
            self._injected.append({})
            return len(self.config.rules) - 1

    def reset(self) -> None:
        self.replace(self._initial)

    def decide(self, target: Target, method: str) -> Decision | None:
        """The decision for one request (None: no rule matches, or the rule injects nothing this time)."""
        with self._lock:
            index = fault_model.first_match(self.config, target.shop, target.path, method)
            if index is None:
                return None
            self._matched += 1
            stream = self._streams.setdefault((index, target.shop), StreamState())
            decision = fault_model.decide(self.config, index, target.shop, stream, self._injected[index])
            if not decision.kinds:
                return None
            counts = self._by_shop.setdefault(target.shop or "*", {})
            for kind in decision.kinds:
                counts[kind] = counts.get(kind, 0) + 1
            self._seq += 1
            moment = datetime.fromtimestamp(self._clock(), UTC).isoformat(timespec="milliseconds")
            self._log.append(
                {
                    "seq": self._seq,
                    "time": moment.replace("+00:00", "Z"),
                    "shop": target.shop,
                    "method": method,
                    "path": target.path,
                    "rule": index,
                    "kind": decision.kind,
                    "status": decision.status,
                    "latency": decision.latency or None,
                    "applied": decision.applied,
                }
            )
            return decision

    def counters(self) -> dict[str, Any]:
        with self._lock:
            by_kind: dict[str, int] = {kind: 0 for kind in fault_model.KINDS}
            for counts in self._by_shop.values():
                for kind, n in counts.items():
                    by_kind[kind] += n
            return {
                "matched": self._matched,
                "injected": self._seq,
                "by_kind": by_kind,
                "by_shop": {shop: dict(counts) for shop, counts in sorted(self._by_shop.items())},
                "by_rule": [dict(counts) for counts in self._injected],
            }

    def log(self, since: int = 0, shop: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self._log if e["seq"] > since and (shop is None or e["shop"] == shop)]


class FaultMiddleware:
    """WSGI middleware that applies the injector's decisions (outermost, so it sees every path)."""

    def __init__(self, app: WSGIApplication, injector: FaultInjector, record: Recorder | None = None) -> None:
        self.app = app
        self.injector = injector
        self.record = record

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            return self.app(environ, start_response)
        method = environ.get("REQUEST_METHOD", "GET")
        target = target_of(environ)
        decision = self.injector.decide(target, method)
        if decision is None:
            return self.app(environ, start_response)
        label = decision.label or ""
        environ[FAULT_ENVIRON_KEY] = label
        if decision.latency and decision.latency_phase == "before":
            time.sleep(decision.latency)
        if not decision.applied:
            status = 0 if decision.kind == "reset_before" else int(decision.status or 0)
            self._record(target, environ, status, label)
            if decision.kind == "reset_before":
                raise DropConnection("fault injection: reset before the request was handled")
            return _fault_response(decision, target)(environ, start_response)
        if decision.kind is None and decision.latency_phase == "before":
            return self.app(environ, start_response)
        status_line, headers, body = _run_buffered(self.app, environ)
        if decision.latency and decision.latency_phase == "after":
            time.sleep(decision.latency)
        if decision.kind == "reset_after":
            raise DropConnection("fault injection: reset after the request was handled")
        if decision.kind == "ambiguous":
            return _fault_response(decision, target)(environ, start_response)
        start_response(status_line, headers)
        return [body]

    def _record(self, target: Target, environ: WSGIEnvironment, status: int, label: str) -> None:
        if self.record is not None and target.shop is not None:
            self.record(
                target.shop,
                environ.get("REQUEST_METHOD", "GET"),
                target.path,
                environ.get("QUERY_STRING", ""),
                status,
                label,
            )


def _run_buffered(app: WSGIApplication, environ: WSGIEnvironment) -> tuple[str, list[tuple[str, str]], bytes]:
    """Run the app to completion and keep its answer (so it can be delayed, replaced or dropped)."""
    captured: dict[str, Any] = {}

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], Any]:
        captured["status"], captured["headers"] = status, headers
        return lambda data: captured.setdefault("written", []).append(data)

    iterable = app(environ, start_response)
    try:
        chunks = [*captured.get("written", []), *iterable]
    finally:
        close = getattr(iterable, "close", None)
        if close is not None:
            close()
    return (
        str(captured.get("status", "500 INTERNAL SERVER ERROR")),
        list(captured.get("headers", [])),
        b"".join(chunks),
    )


def _fault_response(decision: Decision, target: Target) -> Response:
    status = int(decision.status or 500)
    headers: dict[str, str] = {}
    if decision.kind == "throttle":
        body: dict[str, Any] = throttled_body(2)
        headers[RETRY_AFTER_HEADER] = format_retry_after(decision.retry_after or 0.0)
    elif target.shop is None and target.path.startswith(AEP_PREFIXES):
        phrase = HTTPStatus(status).phrase
        body = {"type": "/placeholder/type/uri", "status": status, "title": phrase, "detail": phrase}
    else:
        body = {"errors": HTTPStatus(status).phrase}
    return Response(json.dumps(body), status=status, headers=headers, mimetype="application/json")


# --- wiring and control surface ------------------------------------------------------------------------

bp = Blueprint("faults", __name__, url_prefix="/_control/faults")


def install(app: Flask, emulator: Emulator, initial: FaultConfig | None) -> None:
    """Wrap ``app.wsgi_app`` (call last, so the middleware is outermost) and register the control routes.
    ``initial`` is the configuration at start, which ``/_control/reset`` puts back."""
    injector = FaultInjector(initial, emulator.store.clock)
    app.extensions[EXTENSION_KEY] = injector
    emulator.store.reset_hooks.append(injector.reset)
    app.register_blueprint(bp)
    app.wsgi_app = FaultMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, injector, shop_log_recorder(emulator)
    )


def shop_log_recorder(emulator: Emulator) -> Recorder:
    """Writes requests that the app never saw into the shop's request log, marked with their fault."""

    def record(shop: str, method: str, path: str, query: str, status: int, label: str) -> None:
        with emulator.store.lock:
            emulator.requests.record(
                shop,
                epoch=emulator.store.clock(),
                method=method,
                path=path,
                query=query,
                status=status,
                app=None,
                token_id=None,
                fault=label,
            )

    return record


def _injector() -> FaultInjector:
    return cast(FaultInjector, current_app.extensions[EXTENSION_KEY])


def _state(injector: FaultInjector) -> dict[str, Any]:
    return {"faults": fault_model.config_json(injector.config), "counters": injector.counters()}


@bp.get("")
def get_faults() -> ResponseReturnValue:
    return _state(_injector())


@bp.put("")
def put_faults() -> ResponseReturnValue:
    try:
        config = fault_model.parse_config(control_body())
    except FaultConfigError as error:
        raise ControlError(400, str(error)) from None
    injector = _injector()
    injector.replace(config)
    return _state(injector)


@bp.delete("")
def delete_faults() -> ResponseReturnValue:
    injector = _injector()
    injector.disable()
    return _state(injector)


@bp.post("/rules")
def add_rule() -> ResponseReturnValue:
    try:
        rule = fault_model.parse_rule(control_body())
    except FaultConfigError as error:
        raise ControlError(400, str(error)) from None
    index = _injector().add_rule(rule)
    return {"index": index, "rule": fault_model.rule_json(rule)}, 201


@bp.get("/counters")
def get_counters() -> ResponseReturnValue:
    return {"counters": _injector().counters()}


@bp.get("/log")
def get_log() -> ResponseReturnValue:
    since = request.args.get("since", "0")
    if not since.isdigit():
        raise ControlError(400, "since must be a non-negative integer")
    return {"faults": _injector().log(int(since), request.args.get("shop"))}
