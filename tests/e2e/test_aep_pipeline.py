"""End to end through the real `pulumi` CLI: the AEP pipeline, its inlet as the subscriptions' address, and
a Shopify event flowing into the dataset (issue 3)."""

from __future__ import annotations

from typing import Any

from shopstream.emulator.aep.ids import IMS_TOKEN_HEADER
from tests.e2e.worlds import APP_SECRET, PipelineWorld

TOPICS: dict[str, list[Any]] = {"acme-eu": ["orders/create", "orders/paid"], "acme-us": ["orders/create"]}
ORDER = {
    "id": 820982911946154508,
    "email": "jon@example.com",
    "total_price": "199.00",
    "updated_at": "2026-11-28T10:00:00-05:00",
}
DRIFT_EXIT_CODE = 7
FLOW_KINDS = ("connections", "sourceConnections", "targetConnections", "flows")


def deployed(world: PipelineWorld, **platform: Any) -> dict[str, Any]:
    world.init()
    world.project.write_stack_file(world.stack_file(TOPICS, **platform))
    world.project.up().check()
    return world.project.outputs()


def objects(world: PipelineWorld, kind: str) -> list[dict[str, Any]]:
    return [o for o in world.aep_objects() if o["kind"] == kind]


def test_up_creates_the_pipeline_and_points_every_subscription_at_its_inlet(
    pipeline_world: PipelineWorld,
) -> None:
    world = pipeline_world
    world.init()
    world.project.write_stack_file(world.stack_file(TOPICS))
    # A preview of a new stack sees every output as unknown; the providers' checks must accept that.
    preview = world.project.preview().check()
    assert "+ 11 to create" in preview.output  # stack, component, 6 AEP parts, 3 subscriptions
    world.project.up().check()
    outputs = world.project.outputs()

    inlet_url = outputs["pipeline"]["inlet_url"]
    assert inlet_url.startswith(f"{world.emulator.base_url}/collection/")
    assert [f["id"] for f in objects(world, "flows")] == [outputs["pipeline"]["flow_id"]]
    for kind in FLOW_KINDS:
        assert len(objects(world, kind)) == 1, kind
    for shop in world.shops:
        assert {s["address"] for s in world.subscriptions(shop)} == {inlet_url}

    aep_mark = world.aep_last_seq()
    shop_marks = {shop: world.last_request_seq(shop) for shop in world.shops}
    world.project.up("--expect-no-changes").check()
    assert world.aep_writes(since=aep_mark) == [], "a no-op up sent a write to the Flow Service"
    for shop in world.shops:
        assert world.write_requests(shop, since=shop_marks[shop]) == []


def test_renaming_the_flow_patches_it_and_a_new_dataset_replaces_only_what_it_must(
    pipeline_world: PipelineWorld,
) -> None:
    world = pipeline_world
    before = deployed(world)["pipeline"]
    ids_before = {kind: objects(world, kind)[0]["id"] for kind in FLOW_KINDS}

    mark = world.aep_last_seq()
    world.project.write_stack_file(world.stack_file(TOPICS, flow_name="shopstream-renamed"))
    world.project.up().check()
    writes = world.aep_writes(since=mark)
    assert [(w["method"], w["path"].split("/")[-2]) for w in writes if "/flows/" in w["path"]] == [
        ("PATCH", "flows")
    ]
    assert not [w for w in writes if w["method"] in ("POST", "DELETE") and "/flows" in w["path"]]
    assert objects(world, "flows") == [{**objects(world, "flows")[0], "id": before["flow_id"]}]
    assert objects(world, "flows")[0]["name"] == "shopstream-renamed"

    other_dataset = world.emulator.control.aep.create_dataset(
        world.org_id, "prod", "orders-v2", world.schema_id
    )
    mark = world.aep_last_seq()
    world.project.write_stack_file(
        world.stack_file(TOPICS, flow_name="shopstream-renamed", dataset_id=other_dataset)
    )
    world.project.up().check()
    after = world.project.outputs()["pipeline"]
    ids_after = {kind: objects(world, kind)[0]["id"] for kind in FLOW_KINDS}
    # Adobe's guidance: a new target connection needs a new dataflow; the base and source connections stay.
    assert ids_after["connections"] == ids_before["connections"]
    assert ids_after["sourceConnections"] == ids_before["sourceConnections"]
    assert ids_after["targetConnections"] != ids_before["targetConnections"]
    assert ids_after["flows"] != ids_before["flows"] and after["flow_id"] == ids_after["flows"]
    for kind in FLOW_KINDS:
        assert len(objects(world, kind)) == 1, f"{kind} left behind"
    for shop in world.shops:
        assert {s["address"] for s in world.subscriptions(shop)} == {after["inlet_url"]}
    # Valid order: the old flow goes before the old target connection it uses.
    deletes = [w["path"] for w in world.aep_writes(since=mark) if w["method"] == "DELETE"]
    assert [path.split("/")[-2] for path in deletes] == ["flows", "targetConnections"]


def test_an_order_reaches_the_dataset_once_even_when_delivered_twice(pipeline_world: PipelineWorld) -> None:
    world = pipeline_world
    deployed(world)
    control = world.emulator.control

    event = control.trigger_event("acme-eu", "orders/create", ORDER, duplicate=True, wait=15)
    [delivery] = event["deliveries"]
    assert [a["status_code"] for a in delivery["attempts"]] == [200, 200]  # same webhook id, twice
    records = control.aep.records(world.dataset_id)
    assert records == [
        {
            "_id": f"shopify-{ORDER['id']}-{ORDER['updated_at']}",
            "personalEmail": {"address": "jon@example.com"},
            "_acme": {"order": {"total": "199.00"}},
        }
    ]
    control.redeliver(delivery["id"], wait=15)
    assert len(control.aep.records(world.dataset_id)) == 1


def test_the_inlet_rejects_a_delivery_signed_with_another_secret(pipeline_world: PipelineWorld) -> None:
    world = pipeline_world
    deployed(world)
    control = world.emulator.control
    control.call("PATCH", "/shops/acme-us/apps/default", {"client_secret": "shpss_" + "9" * 32})

    event = control.trigger_event("acme-us", "orders/create", ORDER, wait=15)
    assert event["deliveries"][0]["attempts"][0]["status_code"] == 401
    assert control.aep.records(world.dataset_id) == []
    control.call("PATCH", "/shops/acme-us/apps/default", {"client_secret": APP_SECRET})


def test_a_subscription_removed_after_failed_deliveries_is_drift_and_up_refresh_restores_it(
    pipeline_world: PipelineWorld,
) -> None:
    world = pipeline_world
    inlet_url = deployed(world)["pipeline"]["inlet_url"]
    control = world.emulator.control
    control.set_delivery_settings(retry_schedule=[0.05] * 8)
    inlet_id = inlet_url.rsplit("/", 1)[-1]
    control.aep.fail_inlet(inlet_id, status=503)

    event = control.trigger_event("acme-us", "orders/create", ORDER, wait=20)
    [delivery] = event["deliveries"]
    assert delivery["status"] == "subscription_removed"
    assert len(delivery["attempts"]) == 9  # the delivery and its 8 retries
    assert world.subscriptions("acme-us") == []

    drift = world.project.run("refresh", "--preview-only", "--expect-no-changes")
    assert drift.returncode == DRIFT_EXIT_CODE, drift.output
    assert "acme-us/orders/create" in drift.output

    control.aep.clear_inlet_failure(inlet_id)
    world.project.up("--refresh").check()
    assert [s["address"] for s in world.subscriptions("acme-us")] == [inlet_url]
    world.project.run("refresh", "--preview-only", "--expect-no-changes").check()


def test_destroy_removes_subscriptions_then_the_flow_then_the_connections(
    pipeline_world: PipelineWorld,
) -> None:
    world = pipeline_world
    deployed(world)
    aep_mark = world.aep_last_seq()
    shop_marks = {shop: world.last_request_seq(shop) for shop in world.shops}

    world.project.run("destroy", "--yes", "--skip-preview").check()
    for shop in world.shops:
        assert world.subscriptions(shop) == []
    for kind in FLOW_KINDS:
        assert objects(world, kind) == [], f"{kind} left behind"
    # Mapping sets have no DELETE in the Data Prep API: the one the stack made stays (documented).
    assert len(objects(world, "mappingSets")) == 1

    shop_deletes = [r["time"] for shop in world.shops for r in world.write_requests(shop, shop_marks[shop])]
    aep_deletes = [(r["time"], r["path"].split("/")[-2]) for r in world.aep_writes(aep_mark)]
    order = [kind for _, kind in aep_deletes]
    # The API's order: the flow before the connections it uses, the source before its base connection.
    assert sorted(order) == sorted(FLOW_KINDS) and order[0] == "flows"
    assert order.index("sourceConnections") < order.index("connections")
    assert max(shop_deletes) <= aep_deletes[0][0], "a subscription was deleted after the flow"


def test_no_client_secret_or_ims_token_in_state_preview_or_logs(pipeline_world: PipelineWorld) -> None:
    world = pipeline_world
    deployed(world)
    assert world.emulator.control.aep.tokens(), "the providers fetched no IMS token"
    texts = [
        world.project.preview("--diff").check().output,
        world.project.up("--refresh", "--diff").check().output,
        world.project.export_state(),
        *(p.read_text(errors="replace") for p in (world.project.root / "state").rglob("*") if p.is_file()),
        str(world.emulator.control.aep.requests()),
    ]
    # The emulator stores only token digests; every token it issues starts with this JWT header.
    for secret in (world.client_secret, APP_SECRET, IMS_TOKEN_HEADER):
        for text in texts:
            assert secret not in text


def test_a_missing_or_wrong_aep_secret_is_one_clear_error_at_preview(pipeline_world: PipelineWorld) -> None:
    world = pipeline_world
    world.project.init(world.tokens)
    world.project.run("config", "set", "--secret", "shopifyAppSecret", stdin=APP_SECRET).check()
    world.project.write_stack_file(world.stack_file(TOPICS))

    missing = world.project.preview()
    assert missing.returncode != 0 and "Traceback" not in missing.output
    assert "pulumi config set --secret aepClientSecret" in missing.output

    wrong = "wrong-" + world.client_secret
    world.project.run("config", "set", "--secret", "aepClientSecret", stdin=wrong).check()
    refused = world.project.preview()
    assert refused.returncode != 0 and "Traceback" not in refused.output
    assert "IMS" in refused.output and "client" in refused.output
    assert wrong not in refused.output and world.client_secret not in refused.output
    assert objects(world, "flows") == []
