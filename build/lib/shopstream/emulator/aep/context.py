"""Per-app and per-request objects of the AEP emulator, reachable from handlers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from flask import current_app, g

from shopstream.emulator.aep.state import AepState, Org, Sandbox

EXTENSION_KEY = "shopstream_aep"


@dataclass(frozen=True)
class Caller:
    """Who a Platform API request is from (set by the gateway checks)."""

    client_id: str
    org: Org
    sandbox: Sandbox

    @property
    def user(self) -> str:
        # Technical accounts show up as "<id>@techacct.adobe.com"; the client id stands in here.
        return f"{self.client_id}@techacct.adobe.com"


def current() -> AepState:
    return cast(AepState, current_app.extensions[EXTENSION_KEY])


def caller() -> Caller:
    return cast(Caller, g.aep_caller)
