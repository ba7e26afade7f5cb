"""Running the emulator: a werkzeug threaded HTTP server, in the foreground (CLI) or in a thread (tests)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from emulator import deliveries
from emulator.app import create_app
from emulator.control_client import ControlClient
from emulator.delivery_model import DeliverySettings
from emulator.seed import apply_seed
from emulator.state import RateLimit, Store
from shopify_api.ratelimit import DEFAULT_BUCKET_SIZE, DEFAULT_LEAK_RATE

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787


class _QuietHandler(WSGIRequestHandler):
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
) -> Flask:
    """The Flask app over a store loaded from ``state_file`` (if it exists) and then ``seed``.
    Raises StateFileError / SeedError for unusable files."""
    store = Store(state_file, clock)
    if seed is not None:
        apply_seed(store, seed)
    return create_app(
        store, RateLimit(bucket_size=bucket_size, leak_rate=float(leak_rate)), delivery_settings
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
            request_handler=_QuietHandler if quiet else None,
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
) -> RunningEmulator:
    """Start an emulator on ``host:port`` (0 = a free port) in a daemon thread; ready when this returns.

    ``clock`` (Unix seconds) drives timestamps and the leaky buckets, so tests can move time by hand.
    ``delivery_settings``: webhook delivery retry schedule and timeouts (also settable at runtime).
    """
    app = build_app(
        state_file=state_file,
        bucket_size=bucket_size,
        leak_rate=leak_rate,
        seed=seed,
        clock=clock,
        delivery_settings=delivery_settings,
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
