"""Fixtures of the AEP emulator tests (the emulator itself comes from tests/conftest.py: ``emulator``,
``emulator_factory``; its control client has ``.aep`` for the AEP control surface).

* ``tenant`` -> ``support.Tenant``: an org with sandbox ``prod``, an OAuth client and a token, with a
  Platform API caller (``.get/.post/.patch/.delete``, ``.headers()``) and object builders.
"""

from __future__ import annotations

import pytest

from shopstream.emulator import RunningEmulator
from tests.emulator_aep.support import Tenant, make_tenant


@pytest.fixture
def tenant(emulator: RunningEmulator) -> Tenant:
    return make_tenant(emulator)
