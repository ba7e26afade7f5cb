"""Fixtures: one real PostgreSQL server for the session (Debian's binaries, loopback only), a fresh
state database per test, and the end-to-end world with its Pulumi project on the `postgres://` backend."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from shopstream.emulator import RunningEmulator
from tests.backend_postgres import server as pg
from tests.backend_postgres.state_db import StateDatabase
from tests.backend_postgres.support import on_backend
from tests.e2e.pulumi_project import PulumiProject
from tests.e2e.worlds import ShopifyWorld


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[pg.PostgresServer]:
    try:
        server = pg.start()
    except pg.PostgresMissing as error:  # a failure, never a skip: the bootstrap installs the package
        pytest.fail(str(error), pytrace=False)
    yield server
    pg.stop(server)


@pytest.fixture
def state_db(postgres_server: pg.PostgresServer) -> StateDatabase:
    return StateDatabase.create(postgres_server)


@pytest.fixture
def pg_world(
    tmp_path: Path, emulator_factory: Callable[..., RunningEmulator], state_db: StateDatabase
) -> ShopifyWorld:
    """ShopifyWorld (two shops on the emulator) whose project keeps its state in `state_db`."""
    project = PulumiProject(tmp_path / "a", stack="e2e")
    on_backend(project, state_db.url(application_name="checkout-a"))
    return ShopifyWorld(emulator_factory(), project)
