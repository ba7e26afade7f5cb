"""`shopstream preview`, `up` and `drift` with the state in PostgreSQL (PULUMI_BACKEND_URL=postgres://…),
against the emulator over HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.backend_postgres.state_db import TABLE, StateDatabase
from tests.backend_postgres.support import emulator_ids, shopstream, state_ids
from tests.e2e.worlds import ShopifyWorld

EXIT_DRIFT = 2


def test_preview_up_and_drift_keep_their_state_in_postgres(
    pg_world: ShopifyWorld, state_db: StateDatabase, tmp_path: Path
) -> None:
    world, project = pg_world, pg_world.project
    project.init(world.tokens)
    topics: dict[str, list[Any]] = {"acme-eu": ["orders/create", "orders/paid"], "acme-us": ["orders/create"]}
    project.write_stack_file(world.stack_file(topics))
    # `pulumi stack init` created the table named in the URL (not Pulumi's default) and the stack in it.
    assert state_db.tables() == {TABLE}
    checkpoint = f"{state_db.name}/.pulumi/stacks/shopstream/e2e.json"
    assert checkpoint in state_db.rows()
    outputs: list[str] = []

    before = state_db.rows()
    preview_json = tmp_path / "preview.json"
    preview = shopstream(project, "preview", "--stack", "e2e", "--json", str(preview_json))
    outputs += [preview.stdout, preview.stderr]
    assert preview.returncode == 0, preview.stdout + preview.stderr
    [planned] = json.loads(preview_json.read_text())["stacks"]
    assert planned["summary"]["create"] == 3
    assert state_db.rows() == before  # a preview writes nothing and takes no lock
    assert world.subscriptions("acme-eu") == []

    up = shopstream(project, "up", "--stack", "e2e", "--yes")
    outputs += [up.stdout, up.stderr]
    assert up.returncode == 0, up.stdout + up.stderr
    assert sorted(world.by_topic("acme-eu")) == ["orders/create", "orders/paid"]
    assert sorted(world.by_topic("acme-us")) == ["orders/create"]
    assert state_db.rows()[checkpoint] != before[checkpoint]
    assert state_db.lock_keys() == []  # the update's lock is gone with it
    assert state_ids(project) == emulator_ids(world)

    drift_json = tmp_path / "drift.json"
    after_up = state_db.rows()
    clean = shopstream(project, "drift", "--all", "--json", str(drift_json))
    outputs += [clean.stdout, clean.stderr]
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert json.loads(drift_json.read_text())["drift"] is False
    assert state_db.rows() == after_up  # drift reads only: no lock, no write

    world.emulator.control.delete_subscription("acme-eu", world.by_topic("acme-eu")["orders/paid"]["id"])
    drifted = shopstream(project, "drift", "--all", "--json", str(drift_json))
    outputs += [drifted.stdout, drifted.stderr]
    assert drifted.returncode == EXIT_DRIFT, drifted.stdout + drifted.stderr
    report = json.loads(drift_json.read_text())
    assert [(r["stack"], r["name"], r["status"]) for r in report["resources"]] == [
        ("e2e", "acme-eu/orders/paid", "missing")
    ]
    assert state_db.lock_keys() == []

    repaired = shopstream(project, "up", "--stack", "e2e", "--yes")  # refreshes first: drift is in the plan
    outputs += [repaired.stdout, repaired.stderr]
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert sorted(world.by_topic("acme-eu")) == ["orders/create", "orders/paid"]
    assert state_ids(project) == emulator_ids(world)

    # The database password is in PULUMI_BACKEND_URL only: no command prints it.
    assert not [text for text in outputs if state_db.server.password in text]
