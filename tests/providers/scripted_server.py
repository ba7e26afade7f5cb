"""A tiny local HTTP server for client tests: answers from a script, records what it received.

Used where the emulator cannot misbehave on purpose (5xx, slow answers, redirects, foreign links).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (read-timeout tests)


@dataclass
class Received:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


class ScriptedServer:
    def __init__(self) -> None:
        self.script: list[Reply | Callable[[Request], Reply]] = []
        self.received: list[Received] = []
        self.default = Reply(404, {"errors": "Not Found"})
        self.base_url = ""

    def __call__(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        self.received.append(
            Received(
                request.method,
                request.path,
                request.query_string.decode(),
                dict(request.headers),
                request.get_data(),
            )
        )
        step = self.script.pop(0) if self.script else self.default
        reply = step(request) if callable(step) else step
        if reply.delay:
            time.sleep(reply.delay)
        body = (
            reply.body
            if isinstance(reply.body, str)
            else json.dumps(reply.body if reply.body is not None else {})
        )
        response = Response(body, status=reply.status, headers=reply.headers, content_type="application/json")
        return response(environ, start_response)


@contextmanager
def scripted_server() -> Iterator[ScriptedServer]:
    app = ScriptedServer()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.base_url = f"http://127.0.0.1:{server.server_port}/shops/acme-eu"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app
    finally:
        server.shutdown()
        thread.join(timeout=5)
