"""The streaming inlet: ingestion with mapping and dedupe, size/JSON/HMAC checks, disabled flows and the
failure switch."""

from __future__ import annotations

import json

import requests

from tests.emulator_aep.support import FLOW, make_pipeline, order, post_order


def test_message_is_mapped_stored_and_deduplicated_by_id(tenant):
    pipeline = make_pipeline(tenant)
    control = tenant.emu.control.aep
    url = pipeline.inlet_url
    inlet_id = url.rsplit("/", 1)[-1]
    first = post_order(url, order(), **{"X-Shopify-Webhook-Id": "w-1"})
    assert first.status_code == 200
    body = first.json()
    assert body["inletId"] == inlet_id
    assert isinstance(body["receivedTimeMs"], int) and body["xactionId"].count(":") == 2
    assert post_order(url, order()).status_code == 200  # a redelivery
    assert post_order(url, order(order_id=2, email="B@x.io")).status_code == 200
    records = control.records(pipeline.dataset_id)
    assert records == [
        {
            "_id": "shopify-orders-create-820982911946154508",
            "_acme": {"order": {"id": 820982911946154508, "email": "jon@example.com", "firstSku": "SKU-1"}},
        },
        {
            "_id": "shopify-orders-create-2",
            "_acme": {"order": {"id": 2, "email": "b@x.io", "firstSku": "SKU-1"}},
        },
    ]
    messages = control.messages(pipeline.dataset_id)
    assert [m["status"] for m in messages] == ["ingested", "duplicate", "ingested"]
    header = messages[0]["message"]["header"]
    assert header["_dcsMeta"] == {"inletId": inlet_id, "authenticatedRequest": False}
    assert header["flowId"] == pipeline.flow_id and header["sandboxName"] == "prod"
    assert header["httpHeaders"]["X-Shopify-Webhook-Id"] == "w-1"
    assert messages[0]["message"]["body"] == order()


def test_dedupe_can_be_switched_off(tenant):
    tenant.emu.control.aep.update_settings(dedupe_by_id=False)
    pipeline = make_pipeline(tenant)
    for _ in range(2):
        assert post_order(pipeline.inlet_url, order()).status_code == 200
    assert len(tenant.emu.control.aep.records(pipeline.dataset_id)) == 2


def test_flow_without_mapping_stores_the_raw_body(tenant):
    schema_id = tenant.schema()
    dataset_id = tenant.dataset(schema_id)
    source_id = tenant.source_connection()
    target_id = tenant.target_connection(dataset_id, schema_id)
    flow_id = tenant.create("flows", tenant.flow_body(source_id, target_id, None))["id"]
    url = tenant.item("flows", flow_id)["options"]["inletUrl"]
    assert post_order(url, {"id": 7}).status_code == 200
    assert tenant.emu.control.aep.records(dataset_id) == [{"id": 7}]


def test_size_and_json_checks(tenant):
    pipeline = make_pipeline(tenant)
    url = pipeline.inlet_url
    big = requests.post(
        url,
        data=b'{"x":"' + b"a" * 1_100_000 + b'"}',
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert big.status_code == 413
    assert big.json()["status"] == "413"
    not_json = requests.post(url, data=b"id=1", headers={"Content-Type": "application/json"}, timeout=10)
    assert not_json.status_code == 400
    array = requests.post(url, json=[1, 2], timeout=10)
    assert array.status_code == 400
    assert tenant.emu.control.aep.records(pipeline.dataset_id) == []


def test_unknown_inlet_is_404(emulator):
    response = post_order(f"{emulator.base_url}/collection/{'0' * 64}", order())
    assert response.status_code == 404
    assert response.json()["type"].startswith(
        "https://ns.adobe.com/adobecloud/problem/data-collection-service"
    )


def test_hmac_is_checked_when_the_base_connection_has_a_secret(tenant):
    pipeline = make_pipeline(tenant, hmac_secret="shpss_right")
    url = pipeline.inlet_url
    unsigned = post_order(url, order())
    assert unsigned.status_code == 401
    assert unsigned.json()["title"] == "Authorization"
    assert post_order(url, order(), secret="wrong").status_code == 401
    assert post_order(url, order(), secret="shpss_right").status_code == 200
    assert len(tenant.emu.control.aep.records(pipeline.dataset_id)) == 1
    # Rotating the secret on the base connection takes effect at once.
    base = tenant.item("connections", pipeline.base_id)
    rotated = tenant.patch(
        f"{FLOW}/connections/{pipeline.base_id}",
        [{"op": "replace", "path": "/auth/params/hmacSecret", "value": "shpss_new"}],
        base["etag"],
    )
    assert rotated.status_code == 200
    assert post_order(url, order(order_id=3), secret="shpss_right").status_code == 401
    assert post_order(url, order(order_id=3), secret="shpss_new").status_code == 200


def test_disabled_flow_refuses_messages(tenant):
    pipeline = make_pipeline(tenant)
    url = pipeline.inlet_url
    action = f"{FLOW}/flows/{pipeline.flow_id}/action"
    assert tenant.post(action, params={"op": "disable"}).status_code == 200
    assert post_order(url, order()).status_code == 403
    assert tenant.post(action, params={"op": "enable"}).status_code == 200
    assert post_order(url, order()).status_code == 200
    assert len(tenant.emu.control.aep.records(pipeline.dataset_id)) == 1


def test_failure_switch_for_n_requests_and_until_cleared(tenant):
    pipeline = make_pipeline(tenant)
    control = tenant.emu.control.aep
    url = pipeline.inlet_url
    inlet_id = url.rsplit("/", 1)[-1]
    control.fail_inlet(inlet_id, 503, count=2, retry_after=5)
    failed = post_order(url, order())
    assert failed.status_code == 503 and failed.headers["Retry-After"] == "5"
    assert post_order(url, order()).status_code == 503
    assert post_order(url, order()).status_code == 200
    assert control.inlets()[0]["failure"] is None

    control.fail_inlet("*", 500)
    for _ in range(3):
        assert post_order(url, order()).status_code == 500
    assert control.inlets()[0]["failure"]["status"] == 500
    control.clear_inlet_failure("*")
    assert post_order(url, order()).status_code == 200
    # Failed requests stored nothing; the two successes are one record (same _id).
    assert len(control.records(pipeline.dataset_id)) == 1
    assert [m["status"] for m in control.messages(pipeline.dataset_id)] == ["ingested", "duplicate"]


def test_mapping_failure_is_kept_with_the_message(tenant):
    pipeline = make_pipeline(
        tenant,
        mappings=[
            {"sourceType": "ATTRIBUTE", "source": "id", "destination": "a"},
            {"sourceType": "ATTRIBUTE", "source": "email", "destination": "a.b"},
        ],
    )
    assert post_order(pipeline.inlet_url, order()).status_code == 200  # DCS accepts; processing fails later
    [message] = tenant.emu.control.aep.messages(pipeline.dataset_id)
    assert message["status"] == "failed" and "conflicts" in message["error"]
    assert tenant.emu.control.aep.records(pipeline.dataset_id) == []
    assert json.dumps(message["message"]["body"]) == json.dumps(order())
