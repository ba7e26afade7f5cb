"""Local emulator of the Shopify Admin API (webhook subscriptions), for demos and tests.

Start it with ``python -m emulator serve --port 8787`` or, in-process, ``start_in_thread()``.
"""

from emulator.server import RunningEmulator, start_in_thread

__all__ = ["RunningEmulator", "start_in_thread"]
