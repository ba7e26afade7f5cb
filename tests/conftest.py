"""Shared fixtures.

Emulator fixtures (Shopify Admin API emulator served over real HTTP on 127.0.0.1, ephemeral port):

* ``emulator`` -> ``emulator.RunningEmulator`` with default settings (bucket 40, leak 2/s, no state file),
  fresh for each test and stopped afterwards. Useful members:
    - ``.base_url``                 ``http://127.0.0.1:PORT``
    - ``.shop_url(shop)``           ``http://127.0.0.1:PORT/shops/{shop}`` (the Admin API base of a shop)
    - ``.control``                  ``shopstream.emulator.control_client.ControlClient``:
        ``.create_shop(name, timezone=, app=, client_secret=, webhook_api_version=)``,
        ``.create_token(shop, scopes, app=None, token=None) -> "shpat_..."``,
        ``.set_rate_limit(shop, bucket_size, leak_rate)``, ``.subscriptions(shop, app=None)``,
        ``.create_subscription(shop, **fields)``, ``.change_subscription(shop, id, **changes)``,
        ``.delete_subscription(shop, id)``, ``.requests(shop)``, ``.reset()``, ``.call(method, path, body)``;
        for GraphQL and 2026 credentials: ``.set_cost_limit(shop, maximum_available=, restore_rate=,
        max_query_cost=)``, ``.cost_status(shop, app)``, ``.graphql_calls(shop)``, ``.update_app(shop, app,
        scopes=, public=, installed=)``, ``.update_shop(shop, refuse_non_expiring_tokens=)``,
        ``.set_token_lifetime(seconds)``, ``.grant_client_credentials(shop, client_id, client_secret)``,
        ``.create_expiring_token(shop, expires_in, scopes)``, ``.tokens(shop)``, ``.sink(shop)``
        (all listed in ``shopstream.emulator.control_client``)
    - ``.stop()``
* ``emulator_factory(**options) -> RunningEmulator`` for other settings; options are those of
  ``shopstream.emulator.start_in_thread``: ``state_file``, ``bucket_size``, ``leak_rate``, ``seed``, ``clock``
  (a callable returning Unix seconds, to drive timestamps, buckets and token expiry by hand),
  ``graphql_bucket_size``, ``graphql_restore_rate``, ``graphql_max_query_cost``, ``token_lifetime``.
  All started emulators are stopped at teardown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from shopstream.emulator import RunningEmulator, start_in_thread

# The end-to-end worlds (emulator + throwaway Pulumi project): `world` and `pipeline_world`.
pytest_plugins = ("tests.e2e.worlds",)


@pytest.fixture
def emulator_factory() -> Iterator[Callable[..., RunningEmulator]]:
    """``start(**start_in_thread_options) -> RunningEmulator``; everything started is stopped afterwards."""
    started: list[RunningEmulator] = []

    def start(**options: Any) -> RunningEmulator:
        running = start_in_thread(**options)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def emulator(emulator_factory: Callable[..., RunningEmulator]) -> RunningEmulator:
    """A fresh emulator with default settings (see the module docstring for its helpers)."""
    return emulator_factory()
