"""Flow Service: create/get/list/patch/delete of connections and flows, validation, flow actions."""

from __future__ import annotations

import json
import re
from typing import Any

import requests

from shopstream.emulator.aep.ids import DATA_LAKE_CONNECTION_SPEC, SHOPIFY_STREAMING_CONNECTION_SPEC
from tests.emulator.support import FakeClock
from tests.emulator_aep.support import FLOW, make_pipeline, make_tenant

ETAG = re.compile(r'^"[0-9a-f-]{36}"$')


def _error_type(response: requests.Response) -> str:
    error_type: str = response.json()["type"]
    return error_type.rsplit("/", 1)[-1]


def test_create_answers_id_etag_and_location_and_get_wraps_items(tenant):
    response = tenant.post(
        f"{FLOW}/sourceConnections",
        json={
            "name": "src",
            "connectionSpec": {"id": SHOPIFY_STREAMING_CONNECTION_SPEC, "version": "1.0"},
            "data": {"format": "json"},
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "etag"}
    assert ETAG.match(body["etag"])  # a JSON string that itself holds quotes
    assert response.headers["Location"].endswith(f"{FLOW}/sourceConnections/{body['id']}")
    item = tenant.item("sourceConnections", body["id"])
    assert item["id"] == body["id"] and item["etag"] == body["etag"]
    assert item["state"] == "enabled"
    assert item["sandboxName"] == "prod" and item["imsOrgId"] == tenant.org
    assert item["createdClient"] == tenant.client_id
    assert isinstance(item["createdAt"], int) and item["createdAt"] == item["updatedAt"]


def test_unknown_id_is_a_documented_404(tenant):
    response = tenant.get(f"{FLOW}/flows/4f0b6c0e-0000-0000-0000-000000000000")
    assert response.status_code == 404
    body = response.json()
    assert body["type"] == "https://ns.adobe.com/aep/errors/FLOW-1439-404"
    assert body["title"] == "Resource not found" and body["status"] == 404
    assert body["report"]["id"] == "4f0b6c0e-0000-0000-0000-000000000000"
    assert body["report"]["type"] == "flows"
    assert body["errorMessage"] == body["report"]["detailed-message"] == body["errorDetails"]
    assert tenant.get(f"{FLOW}/nothingHere").json()["type"].endswith("FLOW-1101-404")


def test_flow_has_state_inlet_url_and_inherited_attributes(tenant):
    pipeline = make_pipeline(tenant, hmac_secret="secret")
    flow = tenant.item("flows", pipeline.flow_id)
    assert flow["state"] == "enabled"
    assert re.fullmatch(rf"{tenant.emu.base_url}/collection/[0-9a-f]{{64}}", flow["options"]["inletUrl"])
    inherited = flow["inheritedAttributes"]
    assert inherited["properties"] == {"isSourceFlow": True}
    assert inherited["sourceConnections"][0]["id"] == pipeline.source_id
    assert inherited["sourceConnections"][0]["baseConnection"]["id"] == pipeline.base_id
    assert inherited["targetConnections"][0]["connectionSpec"]["id"] == DATA_LAKE_CONNECTION_SPEC
    assert flow["transformations"][0]["params"]["mappingId"] == pipeline.mapping_id
    assert flow["runs"] == f"/runs?property=flowId=={pipeline.flow_id}"
    assert flow["lastOperation"]["operation"] == "create"
    # The HMAC secret is never shown.
    base = tenant.item("connections", pipeline.base_id)
    assert base["auth"] == {"specName": "HMAC Authentication", "params": {"hmacSecret": "***"}}
    assert "secret" not in json.dumps(base).replace("hmacSecret", "")


def test_inlet_url_appears_after_the_provisioning_delay(emulator_factory):
    clock = FakeClock()
    emu = emulator_factory(clock=clock)
    emu.control.aep.update_settings(inlet_provisioning_seconds=300)
    tenant = make_tenant(emu)
    pipeline = make_pipeline(tenant)
    assert "inletUrl" not in tenant.item("flows", pipeline.flow_id)["options"]
    assert emu.control.aep.inlets()[0]["ready"] is False
    clock.advance(300)
    assert "inletUrl" in tenant.item("flows", pipeline.flow_id)["options"]


def test_list_pages_follow_relative_next_links(tenant):
    created = [tenant.source_connection(name=f"src-{n}") for n in range(5)]
    seen: list[str] = []
    url: str | None = f"{FLOW}/sourceConnections?limit=2"
    pages = 0
    while url:
        response = tenant.get(url)
        assert response.status_code == 200
        body = response.json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        href = body.get("_links", {}).get("next", {}).get("href")
        assert href is None or href.startswith("/sourceConnections?continuationToken=")
        url = f"{FLOW}{href}" if href else None
    assert pages == 3
    assert seen == created


def test_continuation_token_keeps_the_filter(tenant):
    for n in range(3):
        tenant.source_connection(name="keep")
        tenant.source_connection(name=f"drop-{n}")
    first = tenant.get(f"{FLOW}/sourceConnections", params={"property": "name==keep", "limit": 2}).json()
    assert [i["name"] for i in first["items"]] == ["keep", "keep"]
    second = tenant.get(f"{FLOW}{first['_links']['next']['href']}").json()
    assert [i["name"] for i in second["items"]] == ["keep"]
    assert "_links" not in second


def test_property_filters_orderby_and_count(tenant):
    pipeline = make_pipeline(tenant)
    other_source = tenant.source_connection(name="other")
    other_target = tenant.target_connection(pipeline.dataset_id, pipeline.schema_id, name="other-tgt")
    second = tenant.create(
        "flows", tenant.flow_body(other_source, other_target, pipeline.mapping_id, name="b-flow")
    )
    assert tenant.post(f"{FLOW}/flows/{second['id']}/action", params={"op": "disable"}).status_code == 200

    def names(**params: Any) -> list[str]:
        response = tenant.get(f"{FLOW}/flows", params=params)
        assert response.status_code == 200, response.text
        return [item["name"] for item in response.json()["items"]]

    assert names(property="name==b-flow") == ["b-flow"]
    assert names(property="state==enabled") == ["shopify-flow"]
    assert names(property=f"sourceConnectionIds[]=={other_source},nothing") == ["b-flow"]
    assert names(property=["state==disabled", "name==shopify-flow"]) == []
    assert names(property=f"inheritedAttributes.targetConnections[].id=={pipeline.target_id}") == [
        "shopify-flow"
    ]
    assert names(property="name!=b-flow") == ["shopify-flow"]
    assert names(orderby="-name") == ["shopify-flow", "b-flow"]
    assert names(orderby="name") == ["b-flow", "shopify-flow"]
    assert tenant.get(f"{FLOW}/flows", params={"count": "true"}).json() == {"count": 2}
    counted = tenant.get(f"{FLOW}/flows", params={"count": "true", "property": "state==disabled"})
    assert counted.json() == {"count": 1}


def test_list_query_errors(tenant):
    conflict = tenant.get(f"{FLOW}/flows", params={"count": "true", "limit": 5})
    assert conflict.status_code == 400 and _error_type(conflict) == "FLOW-1401-400"
    assert _error_type(tenant.get(f"{FLOW}/flows", params={"orderby": "color"})) == "FLOW-1433-400"
    assert _error_type(tenant.get(f"{FLOW}/flows", params={"bogus": "1"})) == "FLOW-1451-400"
    assert _error_type(tenant.get(f"{FLOW}/flows", params={"limit": "0"})) == "FLOW-1452-400"
    assert _error_type(tenant.get(f"{FLOW}/flows", params={"continuationToken": "%%%"})) == "FLOW-1453-400"


def test_patch_needs_a_current_etag_and_returns_a_new_one(tenant):
    pipeline = make_pipeline(tenant)
    path = f"{FLOW}/flows/{pipeline.flow_id}"
    ops = [{"op": "replace", "path": "/name", "value": "renamed"}]
    missing = tenant.patch(path, ops, None)
    assert missing.status_code == 400 and _error_type(missing) == "FLOW-1403-400"
    stale = tenant.patch(path, ops, '"00000000-0000-0000-0000-000000000000"')
    assert stale.status_code == 412 and _error_type(stale) == "FLOW-1404-412"
    good = tenant.patch(path, ops, pipeline.etag)
    assert good.status_code == 200
    assert good.json()["id"] == pipeline.flow_id and good.json()["etag"] != pipeline.etag
    flow = tenant.item("flows", pipeline.flow_id)
    assert flow["name"] == "renamed" and flow["etag"] == good.json()["etag"]
    assert flow["lastOperation"]["operation"] == "update"
    assert tenant.patch(path, ops, pipeline.etag).status_code == 412  # the old etag is stale now
    added = tenant.patch(path, [{"op": "add", "path": "/description", "value": "d"}], good.json()["etag"])
    assert added.status_code == 200 and tenant.item("flows", pipeline.flow_id)["description"] == "d"
    inlet_url = tenant.item("flows", pipeline.flow_id)["options"]["inletUrl"]
    options = {"errorDiagnosticsEnabled": True, "inletUrl": "http://elsewhere.test/collection/x"}
    replaced = tenant.patch(
        path, [{"op": "replace", "path": "/options", "value": options}], added.json()["etag"]
    )
    assert replaced.status_code == 200
    assert tenant.item("flows", pipeline.flow_id)["options"] == {
        "errorDiagnosticsEnabled": True,
        "inletUrl": inlet_url,
    }


def test_patch_rejects_bad_instructions(tenant):
    pipeline = make_pipeline(tenant, hmac_secret="old")
    flow_path = f"{FLOW}/flows/{pipeline.flow_id}"

    def patch(path: str, ops: Any) -> requests.Response:
        etag = tenant.get(path).json()["items"][0]["etag"]
        response: requests.Response = tenant.patch(path, ops, etag)
        return response

    assert _error_type(patch(flow_path, [{"op": "move", "path": "/name", "from": "/x"}])) == "FLOW-1434-400"
    assert (
        _error_type(patch(flow_path, [{"op": "replace", "path": "/nothing", "value": 1}])) == "FLOW-1455-400"
    )
    assert _error_type(patch(flow_path, [{"op": "replace", "path": "/name"}])) == "FLOW-1455-400"
    assert (
        _error_type(patch(flow_path, [{"op": "replace", "path": "/state", "value": "disabled"}]))
        == "FLOW-1455-400"
    )
    assert _error_type(patch(flow_path, {"op": "replace"})) == "FLOW-1455-400"
    bad_mapping = [{"op": "replace", "path": "/transformations/0/params/mappingId", "value": "f" * 32}]
    assert _error_type(patch(flow_path, bad_mapping)) == "FLOW-1419-400"
    base_path = f"{FLOW}/connections/{pipeline.base_id}"
    spec_change = [{"op": "replace", "path": "/connectionSpec/id", "value": DATA_LAKE_CONNECTION_SPEC}]
    assert _error_type(patch(base_path, spec_change)) == "FLOW-1414-400"
    # Nothing of the rejected patches stuck.
    assert tenant.item("flows", pipeline.flow_id)["name"] == "shopify-flow"
    rotate = [{"op": "replace", "path": "/auth/params", "value": {"hmacSecret": "new"}}]
    assert patch(base_path, rotate).status_code == 200
    empty_secret = [{"op": "replace", "path": "/auth/params/hmacSecret", "value": ""}]
    assert _error_type(patch(base_path, empty_secret)) == "FLOW-1100-400"


def test_connections_in_use_cannot_be_deleted_before_the_flow(tenant):
    pipeline = make_pipeline(tenant, hmac_secret="s")
    for kind, object_id, code in (
        ("connections", pipeline.base_id, "FLOW-1418-400"),
        ("sourceConnections", pipeline.source_id, "FLOW-1447-400"),
        ("targetConnections", pipeline.target_id, "FLOW-1447-400"),
    ):
        refused = tenant.delete(f"{FLOW}/{kind}/{object_id}")
        assert refused.status_code == 400 and _error_type(refused) == code
    assert pipeline.source_id in tenant.delete(f"{FLOW}/sourceConnections/{pipeline.source_id}").text
    stale = tenant.delete(f"{FLOW}/flows/{pipeline.flow_id}", headers={**tenant.headers(), "If-Match": '"x"'})
    assert stale.status_code == 412
    deleted = tenant.delete(f"{FLOW}/flows/{pipeline.flow_id}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert tenant.get(f"{FLOW}/flows/{pipeline.flow_id}").status_code == 404
    for kind, object_id in (
        ("sourceConnections", pipeline.source_id),
        ("targetConnections", pipeline.target_id),
        ("connections", pipeline.base_id),
    ):
        assert tenant.delete(f"{FLOW}/{kind}/{object_id}").status_code == 204
    assert tenant.delete(f"{FLOW}/connections/{pipeline.base_id}").status_code == 404


def test_enable_and_disable_flow(tenant):
    pipeline = make_pipeline(tenant)
    action = f"{FLOW}/flows/{pipeline.flow_id}/action"
    disabled = tenant.post(action, params={"op": "disable"})
    assert disabled.status_code == 200 and disabled.json()["etag"] != pipeline.etag
    flow = tenant.item("flows", pipeline.flow_id)
    assert flow["state"] == "disabled" and flow["lastOperation"]["operation"] == "disable"
    assert tenant.post(action, params={"op": "ENABLE"}).status_code == 200
    assert tenant.item("flows", pipeline.flow_id)["state"] == "enabled"
    assert tenant.post(action, params={"op": "explode"}).status_code == 400
    assert _error_type(tenant.post(action, params={"op": "finalize"})) == "FLOW-1402-400"


def test_flow_create_validation(tenant):
    pipeline = make_pipeline(tenant)
    good = tenant.flow_body(pipeline.source_id, pipeline.target_id, pipeline.mapping_id)

    def attempt(**changes: Any) -> str:
        response = tenant.post(f"{FLOW}/flows", json={**good, **changes})
        assert response.status_code == 400, response.text
        return _error_type(response)

    assert attempt(state="enabled") == "FLOW-1410-400"
    assert (
        attempt(flowSpec={"id": "00000000-0000-0000-0000-000000000000", "version": "1.0"}) == "FLOW-1413-400"
    )
    assert attempt(sourceConnectionIds=["missing"]) == "FLOW-1100-400"
    assert attempt(sourceConnectionIds=[pipeline.target_id]) == "FLOW-1100-400"
    assert attempt(targetConnectionIds=[]) == "FLOW-1100-400"
    mapping = {"mappingId": pipeline.mapping_id, "mappingVersion": 0}
    assert attempt(transformations=[{"name": "Copy", "params": mapping}]) == "FLOW-1100-400"
    assert (
        attempt(transformations=[{"name": "Mapping", "params": {**mapping, "mappingId": "0" * 32}}])
        == "FLOW-1419-400"
    )
    assert (
        attempt(transformations=[{"name": "Mapping", "params": {**mapping, "mappingVersion": 7}}])
        == "FLOW-1412-400"
    )
    other_schema = tenant.schema("other")
    other_mapping = tenant.mapping(other_schema)
    mismatch = [{"name": "Mapping", "params": {"mappingId": other_mapping, "mappingVersion": "0"}}]
    assert attempt(transformations=mismatch) == "FLOW-1425-400"
    assert (
        tenant.post(
            f"{FLOW}/flows", data="{", headers={**tenant.headers(), "Content-Type": "application/json"}
        ).status_code
        == 400
    )
    empty = tenant.post(f"{FLOW}/flows", json={})
    assert _error_type(empty) == "FLOW-1405-400"
    wrong_type = tenant.post(
        f"{FLOW}/flows", data=json.dumps(good), headers={**tenant.headers(), "Content-Type": "text/plain"}
    )
    assert (
        wrong_type.status_code == 400
        and wrong_type.json()["detail"] == "A valid content-type must be specified"
    )


def test_connection_validation(tenant):
    schema_id = tenant.schema()
    dataset_id = tenant.dataset(schema_id)
    spec = {"id": SHOPIFY_STREAMING_CONNECTION_SPEC, "version": "1.0"}

    def attempt(kind: str, body: dict[str, Any]) -> str:
        response = tenant.post(f"{FLOW}/{kind}", json=body)
        assert response.status_code == 400, response.text
        return _error_type(response)

    assert (
        attempt(
            "connections", {"name": "b", "connectionSpec": spec, "auth": {"specName": "Basic", "params": {}}}
        )
        == "FLOW-1415-400"
    )
    no_secret = {
        "name": "b",
        "connectionSpec": spec,
        "auth": {"specName": "HMAC Authentication", "params": {}},
    }
    assert attempt("connections", no_secret) == "FLOW-1100-400"
    assert (
        attempt("sourceConnections", {"name": "s", "connectionSpec": spec, "baseConnectionId": "nope"})
        == "FLOW-1100-400"
    )
    assert (
        attempt("sourceConnections", {"name": "s", "connectionSpec": spec, "data": {"format": "csv"}})
        == "FLOW-1100-400"
    )
    lake = {"id": DATA_LAKE_CONNECTION_SPEC, "version": "1.0"}
    assert attempt("sourceConnections", {"name": "s", "connectionSpec": lake}) == "FLOW-1413-400"
    target = {"name": "t", "connectionSpec": lake, "data": {"format": "json", "schema": {"id": schema_id}}}
    assert attempt("targetConnections", {**target, "params": {}}) == "FLOW-1100-400"
    assert attempt("targetConnections", {**target, "params": {"dataSetId": "0" * 24}}) == "FLOW-1100-400"
    other = {
        **target,
        "data": {"schema": {"id": tenant.schema("other")}},
        "params": {"dataSetId": dataset_id},
    }
    assert attempt("targetConnections", other) == "FLOW-1425-400"
    assert tenant.target_connection(dataset_id, schema_id)
