"""The emulator's per-app objects, reachable from request handlers through ``current()``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from flask import current_app

from shopstream.emulator.request_log import RequestLog
from shopstream.emulator.state import Store
from shopstream.emulator.throttle import Throttle

EXTENSION_KEY = "shopstream_emulator"


@dataclass
class Emulator:
    store: Store
    throttle: Throttle
    requests: RequestLog


def current() -> Emulator:
    return cast(Emulator, current_app.extensions[EXTENSION_KEY])
