"""The `shopstream` operator CLI end to end (issue 4): PR previews, drift across stacks, guardrails.

Each test drives the CLI as a subprocess, which runs the real `pulumi` CLI through the Automation API
against the emulator over HTTP.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from shopstream.toolchain import VENV_BIN
from tests.e2e.pulumi_project import PulumiProject
from tests.e2e.worlds import APP_SECRET, PipelineWorld, ShopifyWorld

EXIT_DRIFT = 2
EXIT_GUARDRAIL = 3


def shopstream(project: PulumiProject, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "shopstream"), "--project-dir", str(project.root), *args],
        env=project.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_preview_renders_markdown_and_json_with_rows_flags_and_no_secrets(
    pipeline_world: PipelineWorld, tmp_path: Path
) -> None:
    world = pipeline_world
    world.init()
    before: dict[str, list[Any]] = {"acme-eu": ["orders/create", "orders/paid"], "acme-us": ["orders/create"]}
    world.project.write_stack_file(world.stack_file(before))
    world.project.up().check()
    after: dict[str, list[Any]] = {
        "acme-eu": [
            "orders/create",
            {"topic": "orders/updated", "fields": ["id"]},
        ],  # add, remove orders/paid
        "acme-us": [{"topic": "orders/create", "fields": ["id", "email"]}, "customers/create"],  # update, add
    }
    desired = world.stack_file(after, flow_name="shopstream-renamed")
    desired["production"] = True
    world.project.write_stack_file(desired)

    md_file, json_file = tmp_path / "p.md", tmp_path / "p.json"
    result = shopstream(
        world.project, "preview", "--stack", "e2e", "--markdown", str(md_file), "--json", str(json_file)
    )
    # A production stack delivering to the emulator's loopback inlet breaks the policy pack: the preview
    # still renders the whole plan, with the violations first, and exits 1.
    assert result.returncode == 1, result.stderr
    md = md_file.read_text()
    data = json.loads(json_file.read_text())
    assert md.index("Policy violations") < md.index("> [!WARNING]") < md.index("### e2e")
    assert (
        "> - e2e: `production-webhook-address`: acme-us/orders/create: a production stack must not deliver "
        "to the loopback address http://127.0.0.1:"
    ) in md
    assert [v["policy"] for v in data["stacks"][0]["violations"]] == ["production-webhook-address"] * 4

    # Connection names derive from the flow name, so a rename patches all four Flow Service objects.
    assert "**e2e** (production): 2 to create, 5 to update, 1 to delete" in md
    assert "| `orders/updated` | create | `address`: http://127.0.0.1:" in md
    assert '<br>`format`: json<br>`fields`: ["id"] |' in md
    assert "| `orders/paid` | delete | `address`: http://127.0.0.1:" in md
    assert '| `orders/create` | update | `fields`: [] → ["email", "id"] |' in md
    assert "| Dataflow | `pipeline-dataflow` | update | `name`: shopstream-e2e → shopstream-renamed |" in md
    assert md.index("> [!WARNING]") < md.index("### e2e")  # flags come first
    assert "deletes 1 subscription(s): acme-eu orders/paid" in md
    assert "```mermaid\nflowchart LR" in md and '-.->|"- orders/paid"|' in md

    [stack] = data["stacks"]
    assert stack["summary"] == {"create": 2, "update": 5, "replace": 0, "delete": 1}
    rows = {(s["shop"], s["topic"]): s for s in stack["subscriptions"]}
    assert rows["acme-us", "orders/create"]["changes"] == [
        {"field": "fields", "old": [], "new": ["email", "id"]}
    ]
    assert rows["acme-eu", "orders/paid"]["action"] == "delete"
    assert sorted((p["kind"], p["action"], p["changes"][0]["field"]) for p in stack["pipeline"]) == [
        ("BaseConnection", "update", "name"),
        ("Dataflow", "update", "name"),
        ("SourceConnection", "update", "name"),
        ("TargetConnection", "update", "name"),
    ]
    assert data["flags"] == stack["flags"] and len(data["flags"]) == 1

    text = md + json.dumps(data) + result.stdout + result.stderr
    for secret in (world.client_secret, APP_SECRET, *world.tokens.values()):
        assert secret not in text


def test_preview_flags_a_dataflow_replacement(pipeline_world: PipelineWorld) -> None:
    world = pipeline_world
    world.init()
    topics: dict[str, list[Any]] = {"acme-eu": ["orders/create"]}
    world.project.write_stack_file(world.stack_file(topics))
    world.project.up().check()
    other = world.emulator.control.aep.create_dataset(world.org_id, "prod", "orders-v2", world.schema_id)
    world.project.write_stack_file(world.stack_file(topics, dataset_id=other))

    result = shopstream(world.project, "preview", "--stack", "e2e")
    assert result.returncode == 0, result.stderr
    assert "> - e2e: replaces the dataflow pipeline-dataflow: ingestion stops and the inlet URL changes" in (
        result.stdout
    )
    assert "| Dataflow | `pipeline-dataflow` | replace |" in result.stdout


def drift(project: PulumiProject, tmp_path: Path) -> tuple[int, dict[str, Any], str]:
    out = tmp_path / "drift.json"
    result = shopstream(project, "drift", "--all", "--json", str(out))
    return result.returncode, json.loads(out.read_text()), result.stdout + result.stderr


def test_drift_all_over_two_stacks(world: ShopifyWorld, tmp_path: Path) -> None:
    eu = world.project
    us = PulumiProject(eu.root, stack="e2e-us")
    eu.init({"acme-eu": world.tokens["acme-eu"]})
    us.init({"acme-us": world.tokens["acme-us"]})
    eu.write_stack_file(world.stack_file({"acme-eu": ["orders/create", "orders/paid"]}))
    us.write_stack_file(world.stack_file({"acme-us": ["orders/create"]}))
    eu.up().check()
    us.up().check()

    code, report, _ = drift(eu, tmp_path)
    assert (code, report["drift"], report["resources"], report["unmanaged"]) == (0, False, [], [])

    control = world.emulator.control
    control.delete_subscription("acme-eu", world.by_topic("acme-eu")["orders/paid"]["id"])
    code, report, output = drift(eu, tmp_path)
    assert code == EXIT_DRIFT
    assert report["resources"] == [
        {
            "stack": "e2e",
            "name": "acme-eu/orders/paid",
            "kind": "WebhookSubscription",
            "status": "missing",
            "changes": [],
        }
    ]
    assert "repair: shopstream up --stack e2e" in output

    control.change_subscription("acme-us", world.by_topic("acme-us")["orders/create"]["id"], fields=["id"])
    code, report, _ = drift(eu, tmp_path)
    assert code == EXIT_DRIFT
    changed = [r for r in report["resources"] if r["status"] == "changed"]
    assert changed == [
        {
            "stack": "e2e-us",
            "name": "acme-us/orders/create",
            "kind": "WebhookSubscription",
            "status": "changed",
            "changes": [{"field": "fields", "state": [], "actual": ["id"]}],
        }
    ]

    duplicate = control.create_subscription(
        "acme-eu", topic="orders/create", address="https://copy.example.com/x"
    )
    foreign = control.create_subscription(
        "acme-us", topic="products/create", address="https://other.example.com/p"
    )
    code, report, _ = drift(eu, tmp_path)
    assert code == EXIT_DRIFT
    assert sorted((u["shop"], u["id"], u["category"], u["stack"]) for u in report["unmanaged"]) == [
        ("acme-eu", duplicate["id"], "duplicate", "e2e"),
        ("acme-us", foreign["id"], "foreign", "e2e-us"),
    ]

    managed_id = world.by_topic("acme-us")["orders/create"]["id"]
    refused = shopstream(eu, "drift", "--all", "--delete-unmanaged", str(managed_id))
    assert refused.returncode == 1 and f"refusing to delete {managed_id}" in refused.stderr
    assert world.by_topic("acme-us")["orders/create"]["id"] == managed_id

    for project in (eu, us):
        project.up("--refresh").check()
    deleted = shopstream(eu, "drift", "--all", "--delete-unmanaged", str(duplicate["id"]))
    assert f"deleted unmanaged subscription {duplicate['id']}" in deleted.stdout, deleted.stderr
    assert [s["id"] for s in world.subscriptions("acme-eu") if s["topic"] == "orders/create"] != [
        duplicate["id"]
    ]
    code, report, _ = drift(eu, tmp_path)
    # Only the foreign subscription is left: reported, but not drift.
    assert (code, report["drift"], [u["category"] for u in report["unmanaged"]]) == (0, False, ["foreign"])


def test_drift_reports_an_authentication_failure_as_an_error(world: ShopifyWorld, tmp_path: Path) -> None:
    world.project.init(world.tokens)
    world.project.write_stack_file(world.stack_file({"acme-eu": ["orders/create"]}))
    world.project.up().check()
    world.project.set_token("acme-eu", "shpat_" + "0" * 32)

    code, report, output = drift(world.project, tmp_path)
    assert code == 1 and report["errors"], output
    assert "Traceback" not in output
    assert "shpat_" + "0" * 32 not in output


def test_guardrails_stop_a_mass_delete_on_production_and_the_flag_lets_it_through(
    world: ShopifyWorld,
) -> None:
    world.project.init(world.tokens)
    four: dict[str, list[Any]] = {
        "acme-eu": ["orders/create", "orders/paid"],
        "acme-us": ["orders/create", "orders/paid"],
    }
    desired = world.stack_file(four)
    desired["production"] = True
    world.project.write_stack_file(desired)
    world.project.up().check()

    desired["shops"] = {"acme-eu": {"topics": ["orders/create"]}, "acme-us": {"topics": ["orders/create"]}}
    world.project.write_stack_file(desired)
    stopped = shopstream(world.project, "up", "--stack", "e2e", "--yes")
    assert stopped.returncode == EXIT_GUARDRAIL, stopped.stdout + stopped.stderr
    assert "[mass-destructive-change]" in stopped.stderr and "2 of the stack's 4" in stopped.stderr
    assert "--allow-destructive" in stopped.stderr
    assert sorted(world.by_topic("acme-eu")) == ["orders/create", "orders/paid"]

    allowed = shopstream(world.project, "up", "--stack", "e2e", "--yes", "--allow-destructive")
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert sorted(world.by_topic("acme-eu")) == ["orders/create"]
    assert sorted(world.by_topic("acme-us")) == ["orders/create"]


def test_up_runs_the_policy_pack_and_a_production_stack_may_not_deliver_to_loopback(
    world: ShopifyWorld,
) -> None:
    world.project.init(world.tokens)
    desired = world.stack_file({"acme-eu": ["orders/create"]}, address="http://127.0.0.1:9/hook")
    desired["production"] = True
    world.project.write_stack_file(desired)

    refused = shopstream(world.project, "up", "--stack", "e2e", "--yes")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "production-webhook-address" in refused.stdout + refused.stderr
    assert world.subscriptions("acme-eu") == []

    desired["production"] = False
    world.project.write_stack_file(desired)
    allowed = shopstream(world.project, "up", "--stack", "e2e", "--yes")
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert [s["address"] for s in world.subscriptions("acme-eu")] == ["http://127.0.0.1:9/hook"]
