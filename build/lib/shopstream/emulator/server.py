"""Running the emulator: a werkzeug threaded HTTP server, in the foreground (CLI) or in a thread (tests).

The request handler turns ``shopstream.emulator.faults.DropConnection`` into a TCP reset. In the foreground
the server
stops on SIGINT and SIGTERM through handlers of its own, installed even when the process inherited SIGINT
ignored (a background job of a non-interactive shell), so it never depends on ``KeyboardInterrupt``.
"""

from __future__ import annotations

import os
import signal
import socket
import struct
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from shopstream.emulator import deliveries
from shopstream.emulator.app import create_app
from shopstream.emulator.context import EXTENSION_KEY, Emulator
from shopstream.emulator.control_client import ControlClient
from shopstream.emulator.delivery_model import DeliverySettings
from shopstream.emulator.fault_model import FaultConfig, parse_config
from shopstream.emulator.faults import DropConnection
from shopstream.emulator.graphql_cost import (
    DEFAULT_MAX_QUERY_COST,
    DEFAULT_MAXIMUM_AVAILABLE,
    DEFAULT_RESTORE_RATE,
)
from shopstream.emulator.oauth import DEFAULT_TOKEN_LIFETIME
from shopstream.emulator.seed import apply_seed
from shopstream.emulator.state import CostLimit, RateLimit, Store
from shopstream.shopify_api.ratelimit import DEFAULT_BUCKET_SIZE, DEFAULT_LEAK_RATE

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787


class _Handler(WSGIRequestHandler):
    """werkzeug's handler, plus the abrupt close that fault injection asks for."""

    def connection_dropped(self, error: BaseException, environ: object = None) -> None:
        if isinstance(error, DropConnection):
            # SO_LINGER 0: closing sends RST instead of FIN, so the client sees "connection reset".
            # The descriptor closes once werkzeug's reader and writer are closed, right after this.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()


class _QuietHandler(_Handler):
    """No per-request access log lines (tests read the control request log instead)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def build_app(
    *,
    state_file: Path | None = None,
    bucket_size: int = DEFAULT_BUCKET_SIZE,
    leak_rate: float = DEFAULT_LEAK_RATE,
    seed: Path | None = None,
    clock: Callable[[], float] | None = None,
    delivery_settings: DeliverySettings | None = None,
    faults: FaultConfig | None = None,
    cost_limit: CostLimit | None = None,
    token_lifetime: float | None = None,
) -> Flask:
    """The Flask app over a store loaded from ``state_file`` (if it exists) and then ``seed``.
    Raises StateFileError / SeedError for unusable files."""
    store = Store(state_file, clock)
    if seed is not None:
        apply_seed(store, seed)
    return create_app(
        store,
        RateLimit(bucket_size=bucket_size, leak_rate=float(leak_rate)),
        delivery_settings,
        faults,
        cost_limit=cost_limit,
        token_lifetime=token_lifetime,
    )


def make_emulator_server(app: Flask, host: str, port: int, *, quiet: bool = False) -> BaseWSGIServer:
    """Bind (port 0 picks a free one); raises OSError when the address is taken.

    The socket is bound here rather than by werkzeug, which would print and ``sys.exit(1)`` instead."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(128)
        # werkzeug duplicates the descriptor; ours is closed below either way.
        return make_server(
            host,
            port,
            app,
            threaded=True,
            request_handler=_QuietHandler if quiet else _Handler,
            fd=listener.fileno(),
        )
    finally:
        listener.close()


@dataclass
class RunningEmulator:
    """An emulator serving in a background thread. ``base_url`` is ``http://127.0.0.1:PORT``."""

    base_url: str
    port: int
    app: Flask
    _server: BaseWSGIServer
    _thread: threading.Thread
    control: ControlClient = field(init=False)

    def __post_init__(self) -> None:
        self.control = ControlClient(self.base_url)

    def shop_url(self, shop: str) -> str:
        """Admin API base URL of ``shop``: ``http://127.0.0.1:PORT/shops/{shop}``."""
        return f"{self.base_url}/shops/{shop}"

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()
        deliveries.stop(self.app)  # after the server: no request can queue a send any more

    def __enter__(self) -> RunningEmulator:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_in_thread(
    *,
    host: str = DEFAULT_HOST,
    port: int = 0,
    state_file: Path | None = None,
    bucket_size: int = DEFAULT_BUCKET_SIZE,
    leak_rate: float = DEFAULT_LEAK_RATE,
    seed: Path | None = None,
    clock: Callable[[], float] | None = None,
    quiet: bool = True,
    delivery_settings: DeliverySettings | None = None,
    faults: FaultConfig | Mapping[str, Any] | None = None,
    graphql_bucket_size: int = DEFAULT_MAXIMUM_AVAILABLE,
    graphql_restore_rate: float = DEFAULT_RESTORE_RATE,
    graphql_max_query_cost: int = DEFAULT_MAX_QUERY_COST,
    token_lifetime: float = DEFAULT_TOKEN_LIFETIME,
) -> RunningEmulator:
    """Start an emulator on ``host:port`` (0 = a free port) in a daemon thread; ready when this returns.

    ``clock`` (Unix seconds) drives timestamps and the leaky buckets, so tests can move time by hand.
    ``delivery_settings``: webhook delivery retry schedule and timeouts (also settable at runtime).
    ``faults``: fault injection from the start, a FaultConfig or its JSON form ``{seed, rules}`` (see
    ``shopstream.emulator.faults``; FaultConfigError if invalid); also settable at runtime through
    ``/_control/faults``.
    ``graphql_bucket_size`` / ``graphql_restore_rate`` / ``graphql_max_query_cost``: the GraphQL points bucket
    per shop and app (2000, 100/s, 1000; per shop through ``/_control/shops/{shop}/cost_limit``).
    ``token_lifetime``: seconds a client-credentials token lives (86399; also ``/_control/oauth/settings``).
    """
    app = build_app(
        state_file=state_file,
        bucket_size=bucket_size,
        leak_rate=leak_rate,
        seed=seed,
        clock=clock,
        delivery_settings=delivery_settings,
        faults=faults if faults is None or isinstance(faults, FaultConfig) else parse_config(faults),
        cost_limit=CostLimit(graphql_bucket_size, float(graphql_restore_rate), graphql_max_query_cost),
        token_lifetime=token_lifetime,
    )
    server = make_emulator_server(app, host, port, quiet=quiet)
    # A short poll interval makes stop() quick (shutdown waits for the serve loop to notice).
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.02},
        name=f"emulator:{server.port}",
        daemon=True,
    )
    thread.start()
    url_host = f"[{host}]" if ":" in host else host
    return RunningEmulator(
        base_url=f"http://{url_host}:{server.port}", port=server.port, app=app, _server=server, _thread=thread
    )


def serve_until_signalled(
    server: BaseWSGIServer, app: Flask, on_ready: Callable[[], None] = lambda: None
) -> None:
    """Serve in the foreground until SIGINT or SIGTERM, then stop the server, stop the delivery worker and
    save the state. A second signal during that ends the process at once. ``on_ready`` runs once the
    signals are handled, just before serving."""
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if stopping.is_set():
            os._exit(128 + signum)
        stopping.set()
        # shutdown() waits for serve_forever() to return, which runs in this (the main) thread.
        threading.Thread(target=server.shutdown, name="emulator-shutdown", daemon=True).start()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        on_ready()
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
        deliveries.stop(app)
        emulator: Emulator = app.extensions[EXTENSION_KEY]
        emulator.store.save()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sys.stderr.flush()
