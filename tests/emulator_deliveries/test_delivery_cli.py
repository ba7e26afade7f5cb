"""Delivery options of ``python -m shopstream.emulator serve``."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from shopstream.emulator.control_client import ControlClient


def _serve(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "shopstream.emulator", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_cli_delivery_options_and_clean_shutdown(receiver):
    process = _serve(
        "--delivery-retry-schedule",
        "30,60",
        "--delivery-time-scale",
        "0.5",
        "--delivery-timeout",
        "2.5",
        "--delivery-connect-timeout",
        "0.5",
    )
    try:
        assert process.stderr is not None
        base_url = process.stderr.readline().split()[5]
        control = ControlClient(base_url)
        assert control.delivery_settings() == {
            "retry_schedule": [30.0, 60.0],
            "time_scale": 0.5,
            "connect_timeout": 0.5,
            "timeout": 2.5,
            "remove_failing_subscriptions": True,
            "allow_remote": False,
        }
        control.create_shop("acme")
        control.create_subscription("acme", topic="orders/create", address=receiver.url("/down"))
        receiver.script("/down", 500)
        [delivery] = control.trigger_event("acme", "orders/create", {"id": 1}, wait=0.5)["deliveries"]
        assert delivery["status"] == "retrying"  # the next try is 15 s away: shut down meanwhile
    finally:
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert time.monotonic() - started < 5  # workers do not hold the process
    assert "Traceback" not in stderr
    assert len(receiver.received) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--delivery-retry-schedule", "soon"], "use comma-separated seconds"),
        (["--delivery-retry-schedule", "1,-2"], "retry delays must be between 0"),
        (["--delivery-time-scale", "0"], "Invalid value for '--delivery-time-scale'"),
    ],
)
def test_cli_bad_delivery_options(args, message):
    process = _serve(*args)
    _, stderr = process.communicate(timeout=20)
    assert process.returncode != 0
    assert message in stderr
    assert "Traceback" not in stderr
