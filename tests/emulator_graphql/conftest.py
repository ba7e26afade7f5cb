"""Fixtures: the webhook receiver of the delivery tests (a recording HTTP server on 127.0.0.1)."""

from tests.emulator_deliveries.conftest import receiver  # noqa: F401 - re-exported as a fixture
