"""The AEP control surface (objects, request log, settings, errors, reset) and persistence across a
restart with a state file."""

from __future__ import annotations

import json

import pytest
import requests

from shopstream.emulator.control_client import ControlClientError
from tests.emulator_aep.support import FLOW, make_pipeline, make_tenant, order, post_order, token_for


def test_objects_lists_everything_for_leak_checks(emulator):
    first = make_tenant(emulator, sandboxes=("prod", "dev"))
    pipeline = make_pipeline(first, hmac_secret="s")
    second = make_tenant(emulator)
    second.schema()
    objects = emulator.control.aep.objects()
    mine = {(o["kind"], o["id"]) for o in objects if o["org"] == first.org}
    assert mine == {
        ("schemas", pipeline.schema_id),
        ("datasets", pipeline.dataset_id),
        ("mappingSets", pipeline.mapping_id),
        ("connections", pipeline.base_id),
        ("sourceConnections", pipeline.source_id),
        ("targetConnections", pipeline.target_id),
        ("flows", pipeline.flow_id),
    }
    assert {o["kind"] for o in emulator.control.aep.objects(org_id=second.org)} == {"schemas"}
    assert emulator.control.aep.objects(org_id=first.org, sandbox="dev") == []
    flow = next(o for o in objects if o["kind"] == "flows")
    assert flow == {
        "org": first.org,
        "sandbox": "prod",
        "kind": "flows",
        "id": pipeline.flow_id,
        "name": "shopify-flow",
    }


def test_request_log_marks_writes_and_never_holds_secrets(emulator):
    tenant = make_tenant(emulator)
    pipeline = make_pipeline(tenant, hmac_secret="hmac-s3cret")
    post_order(pipeline.inlet_url, order(), secret="hmac-s3cret")
    requests.post(
        f"{emulator.base_url}/ims/token/v3",
        params={
            "grant_type": "client_credentials",
            "client_id": tenant.client_id,
            "client_secret": tenant.client_secret,
        },
        timeout=10,
    )
    entries = emulator.control.aep.requests()
    text = json.dumps(entries)
    for secret in (tenant.token, tenant.client_secret, "hmac-s3cret"):
        assert secret not in text
    assert entries[0]["service"] == "ims" and entries[0]["client_id"] == tenant.client_id
    assert entries[-1]["query"].count("%5BREDACTED%5D") == 1  # client_secret in the query is redacted
    flow_post = next(e for e in entries if e["path"] == f"{FLOW}/flows" and e["method"] == "POST")
    assert flow_post["write"] is True and flow_post["status"] == 201
    assert flow_post["client_id"] == tenant.client_id and flow_post["sandbox"] == "prod"
    inlet = next(e for e in entries if e["service"] == "inlet")
    assert inlet["write"] is True and inlet["status"] == 200 and inlet["org"] == tenant.org
    gets = [e for e in entries if e["method"] == "GET"]
    assert gets and all(e["write"] is False for e in gets)
    since = entries[-1]["seq"]
    tenant.get(f"{FLOW}/flows")
    assert [e["path"] for e in emulator.control.aep.requests(since=since)] == [f"{FLOW}/flows"]
    emulator.control.aep.clear_requests()
    assert emulator.control.aep.requests() == []


def test_control_errors(emulator):
    aep = emulator.control.aep
    with pytest.raises(ControlClientError) as missing:
        aep.create_client("NOPE@AdobeOrg")
    assert missing.value.status == 404
    org = aep.create_org(org_id="ACME123@AdobeOrg", tenant="acme")
    assert org["sandboxes"][0]["name"] == "prod"
    with pytest.raises(ControlClientError) as twice:
        aep.create_org(org_id="ACME123@AdobeOrg")
    assert twice.value.status == 409
    with pytest.raises(ControlClientError) as bad:
        aep.create_org(org_id="not an org")
    assert bad.value.status == 400
    with pytest.raises(ControlClientError) as bad_setting:
        aep.update_settings(colour="blue")
    assert bad_setting.value.status == 400
    with pytest.raises(ControlClientError) as bad_status:
        aep.fail_inlet("*", 200)
    assert bad_status.value.status == 400
    with pytest.raises(ControlClientError) as no_dataset:
        aep.records("0" * 24)
    assert no_dataset.value.status == 404
    with pytest.raises(ControlClientError) as no_schema:
        aep.create_dataset("ACME123@AdobeOrg", "prod", "d", "https://ns.adobe.com/acme/schemas/none")
    assert no_schema.value.status == 400
    assert aep.create_sandbox("ACME123@AdobeOrg", "dev")["name"] == "dev"
    unknown = requests.get(f"{emulator.base_url}/_control/aep/nothing", timeout=10)
    assert unknown.status_code == 404 and set(unknown.json()) == {"error"}


def test_settings_round_trip(emulator):
    aep = emulator.control.aep
    assert aep.settings()["token_expires_in"] == 86399
    changed = aep.update_settings(inlet_base_url="https://dcs.example.test", disabled_flow_status=400)
    assert changed["inlet_base_url"] == "https://dcs.example.test" and changed["disabled_flow_status"] == 400
    tenant = make_tenant(emulator)
    pipeline = make_pipeline(tenant)
    assert tenant.item("flows", pipeline.flow_id)["options"]["inletUrl"].startswith(
        "https://dcs.example.test/collection/"
    )


def test_global_reset_clears_aep_and_aep_reset_keeps_shopify(emulator):
    tenant = make_tenant(emulator)
    make_pipeline(tenant)
    emulator.control.create_shop("acme")
    emulator.control.aep.reset()
    assert emulator.control.aep.objects() == []
    assert [s["name"] for s in emulator.control.call("GET", "/shops")["shops"]] == ["acme"]
    tenant = make_tenant(emulator)
    make_pipeline(tenant)
    emulator.control.reset()
    assert emulator.control.aep.objects() == []
    assert emulator.control.aep.call("GET", "/orgs") == {"orgs": []}
    assert tenant.get(f"{FLOW}/flows").status_code == 401  # the token is gone too


def test_aep_state_survives_a_restart(tmp_path, emulator_factory):
    state = tmp_path / "emulator.json"
    first = emulator_factory(state_file=state)
    first.control.create_shop("acme")
    tenant = make_tenant(first)
    pipeline = make_pipeline(tenant, hmac_secret="s")
    url = pipeline.inlet_url
    assert post_order(url, order(), secret="s").status_code == 200
    first.control.aep.fail_inlet("*", 503)
    first.control.aep.update_settings(dedupe_by_id=False)
    first.stop()

    saved = json.loads(state.read_text())
    assert saved["aep"]["format"] == 1 and "acme" in saved["shops"]
    assert tenant.token not in state.read_text()  # only a digest of the token is kept

    second = emulator_factory(state_file=state)
    tenant.emu = second
    assert tenant.item("flows", pipeline.flow_id)["etag"] == pipeline.etag  # same token still valid
    assert second.control.aep.records(pipeline.dataset_id)[0]["_id"].startswith("shopify-orders-create-")
    assert second.control.aep.settings()["dedupe_by_id"] is False
    moved_url = url.replace(str(first.port), str(second.port))
    assert post_order(moved_url, order(), secret="s").status_code == 503
    second.control.aep.clear_inlet_failure("*")
    assert post_order(moved_url, order(), secret="s").status_code == 200
    assert len(second.control.aep.records(pipeline.dataset_id)) == 2
    assert token_for(second, tenant.client_id, tenant.client_secret).status_code == 200
    assert [s["name"] for s in second.control.call("GET", "/shops")["shops"]] == ["acme"]


def test_broken_aep_section_is_a_clear_error(tmp_path, emulator_factory):
    from shopstream.emulator.state import StateFileError

    state = tmp_path / "emulator.json"
    first = emulator_factory(state_file=state)
    first.control.aep.create_org()
    first.stop()
    saved = json.loads(state.read_text())
    saved["aep"]["orgs"] = "garbage"
    state.write_text(json.dumps(saved))
    with pytest.raises(StateFileError, match="AEP"):
        emulator_factory(state_file=state)
