"""The demo refuses to run when its port is taken (it would deploy into whatever listens there)."""

from __future__ import annotations

import socket

import pytest

from shopstream.demo import require_free_port


def test_a_taken_port_is_one_clear_sentence() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as info:
            require_free_port(port)
    message = str(info.value)
    assert f"port {port} on 127.0.0.1 is already in use" in message and "stacks/local.yaml" in message
    require_free_port(port)  # released: free again
