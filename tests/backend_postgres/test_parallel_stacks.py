"""`shopstream up --all --parallel 2` updates two stacks at once on the PostgreSQL backend.

"At once" without timing: the test holds the state table's writes (state_db.py) before the command
starts; an update that starts parks at its first write. Two `pulumi` processes, one per stack, parked
together is only possible when the updates run in parallel: one after the other, the second would not
start while the first waits.
"""

from __future__ import annotations

import os
import signal
from typing import Any

from tests.backend_postgres.state_db import StateDatabase, Writer
from tests.backend_postgres.support import finish, spawn_shopstream, wait_until
from tests.e2e.pulumi_project import PulumiProject
from tests.e2e.worlds import ShopifyWorld

STACKS: dict[str, dict[str, list[Any]]] = {
    "e2e": {"acme-eu": ["orders/create", "orders/paid"]},
    "e2e-us": {"acme-us": ["orders/create", "customers/create"]},
}


def test_up_all_parallel_runs_two_stacks_at_once(pg_world: ShopifyWorld, state_db: StateDatabase) -> None:
    world, eu = pg_world, pg_world.project
    us = PulumiProject(eu.root, stack="e2e-us")
    us.env = eu.env
    for project in (eu, us):
        shops = STACKS[project.stack]
        project.init({shop: world.tokens[shop] for shop in shops})
        project.write_stack_file(world.stack_file(shops))

    def two_stacks_parked() -> list[Writer] | None:
        writers = [w for w in state_db.parked_writers() if w.stack is not None]
        return writers if {w.stack for w in writers} == set(STACKS) else None

    with state_db.writes_held():
        running = spawn_shopstream(eu, "up", "--all", "--parallel", "2", "--yes")
        try:
            parked = wait_until(two_stacks_parked, "both stacks' updates to be in flight", running=running)
        except BaseException:
            os.killpg(running.pid, signal.SIGKILL)
            raise
    done = finish(running)

    assert all(os.path.basename(w.cmdline[0]) == "pulumi" for w in parked), parked
    assert done.returncode == 0, done.stdout + done.stderr
    for shops in STACKS.values():
        for shop, topics in shops.items():
            assert sorted(s["topic"] for s in world.subscriptions(shop)) == sorted(topics)
    assert state_db.lock_keys() == []
