"""Local emulator of the Shopify Admin API (webhook subscriptions), for demos and tests.

Start it with ``python -m shopstream.emulator serve --port 8787`` or, in-process, ``start_in_thread()``;
fault injection
(``shopstream.emulator.faults``) with ``--faults FILE.json`` /
``start_in_thread(faults=parse_fault_config(...))``.
"""

from shopstream.emulator.fault_model import FaultConfig, FaultConfigError
from shopstream.emulator.fault_model import parse_config as parse_fault_config
from shopstream.emulator.server import RunningEmulator, start_in_thread

__all__ = ["FaultConfig", "FaultConfigError", "RunningEmulator", "parse_fault_config", "start_in_thread"]
