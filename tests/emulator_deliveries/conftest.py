"""Fixtures for the webhook delivery tests: a receiver, and a shop whose subscriptions point at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shopstream.emulator import RunningEmulator
from tests.emulator.support import Admin, make_shop
from tests.emulator_deliveries.receiver import Receiver

SECRET = "hush-0123456789abcdef"
# Fast settings used by most tests: short retries, short timeouts.
FAST = {"retry_schedule": [0.05, 0.05, 0.05], "timeout": 2.0, "connect_timeout": 1.0}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture
def acme(emulator: RunningEmulator) -> Admin:
    """Shop ``acme`` (app ``default`` with client secret SECRET, webhook version 2026-07) and an Admin
    API caller; the emulator runs with the FAST delivery settings."""
    emulator.control.create_shop("acme", client_secret=SECRET, webhook_api_version="2026-07")
    emulator.control.set_delivery_settings(**FAST)
    return make_shop(emulator, "acme")
