"""Two operators run `shopstream up` on one stack at the same time, each from their own checkout, with
the state in PostgreSQL: the second gets Pulumi's lock error and changes nothing, the first completes,
and nothing is lost or duplicated.

No timing: once the first update holds its stack lock, the test parks its writes on a table lock in the
state database (state_db.py), so the update stays in flight, lock held, while the second one runs.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

from tests.backend_postgres.state_db import StateDatabase
from tests.backend_postgres.support import (
    emulator_ids,
    finish,
    second_checkout,
    shopstream,
    spawn_shopstream,
    state_ids,
    wait_until,
)
from tests.e2e.worlds import ShopifyWorld

TOPICS: dict[str, list[Any]] = {
    "acme-eu": ["orders/create", "orders/paid", "products/update"],
    "acme-us": ["orders/create", "customers/create"],
}


def test_a_concurrent_up_of_the_same_stack_gets_the_lock_error_and_loses_nothing(
    pg_world: ShopifyWorld, state_db: StateDatabase, tmp_path: Path
) -> None:
    world, alice = pg_world, pg_world.project
    alice.init(world.tokens)
    alice.write_stack_file(world.stack_file(TOPICS))
    # Bob keeps the password out of the URL: libpq takes it from PGPASSWORD.
    bob_url = state_db.url(with_password=False, application_name="checkout-b")
    bob = second_checkout(alice, tmp_path / "b", bob_url)
    bob.env["PGPASSWORD"] = state_db.server.password

    first = spawn_shopstream(alice, "up", "--stack", "e2e", "--yes")
    try:
        [lock] = wait_until(state_db.lock_keys, "the first up to take the stack lock", running=first)
        holder = state_db.lock_holder(lock)
        with state_db.writes_held():
            assert state_db.lock_keys() == [lock], "the first up ended before its writes could be held"
            second = shopstream(bob, "up", "--stack", "e2e", "--yes")
            assert first.poll() is None  # still in flight, lock held, while the second one ran
        done = finish(first)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)

    refused = second.stdout + second.stderr
    assert second.returncode != 0, refused
    # Pulumi's lock error as shopstream words it: who holds the lock, and that the holder still runs.
    assert f"@{holder['hostname']} (pid {holder['pid']})" in refused, refused
    assert "still running" in refused, refused
    assert "Traceback" not in refused
    assert state_db.server.password not in refused  # Pulumi masks the URL's credentials (3.233+)
    assert done.returncode == 0, done.stdout + done.stderr

    # Nothing lost, nothing twice: exactly the declared subscriptions, and the state has each of them.
    for shop, topics in TOPICS.items():
        assert sorted(s["topic"] for s in world.subscriptions(shop)) == sorted(topics)
    assert state_ids(bob) == emulator_ids(world)
    assert state_db.lock_keys() == []
    # The other checkout now sees an up-to-date stack: nothing to do.
    bob.run("preview", "--expect-no-changes").check()
