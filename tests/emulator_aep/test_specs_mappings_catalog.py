"""Connection/flow specs, Data Prep mapping sets, Catalog datasets and the minimal Schema Registry."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from shopstream.emulator.aep.ids import (
    DATA_LAKE_CONNECTION_SPEC,
    GENERIC_STREAMING_FLOW_SPEC,
    SHOPIFY_STREAMING_CONNECTION_SPEC,
    STREAMING_PROVIDER,
)
from tests.emulator_aep.support import DATASETS, FLOW, MAPPINGS

SCHEMAS = "/data/foundation/schemaregistry/tenant/schemas"


def test_shopify_streaming_connection_spec_has_our_hmac_auth_spec(tenant):
    response = tenant.get(f"{FLOW}/connectionSpecs/{SHOPIFY_STREAMING_CONNECTION_SPEC}")
    assert response.status_code == 200
    [spec] = response.json()["items"]
    assert spec["id"] == SHOPIFY_STREAMING_CONNECTION_SPEC
    assert spec["providerId"] == STREAMING_PROVIDER
    [auth] = spec["authSpec"]
    assert auth["name"] == "HMAC Authentication"
    assert auth["spec"]["required"] == ["hmacSecret"]
    assert auth["spec"]["properties"]["hmacSecret"]["format"] == "password"
    lake = tenant.get(f"{FLOW}/connectionSpecs/{DATA_LAKE_CONNECTION_SPEC}").json()["items"][0]
    assert lake["name"] == "Data Lake"


def test_generic_streaming_flow_spec(tenant):
    [spec] = tenant.get(f"{FLOW}/flowSpecs/{GENERIC_STREAMING_FLOW_SPEC}").json()["items"]
    assert spec["name"] == "GenericStreamingAEP"
    assert spec["sourceConnectionSpecIds"] == [SHOPIFY_STREAMING_CONNECTION_SPEC]
    assert spec["targetConnectionSpecIds"] == [DATA_LAKE_CONNECTION_SPEC]
    assert spec["transformationSpecs"][0]["name"] == "Mapping"
    assert spec["attributes"]["frequency"] == "streaming"
    assert spec["permissionsInfo"]["manage"][0]["name"] == "StreamingSource"


def test_spec_lists_filter_and_unknown_specs_are_404(tenant):
    listed = tenant.get(f"{FLOW}/connectionSpecs", params={"property": "name==Shopify Streaming"}).json()
    assert [spec["id"] for spec in listed["items"]] == [SHOPIFY_STREAMING_CONNECTION_SPEC]
    assert len(tenant.get(f"{FLOW}/flowSpecs").json()["items"]) == 1
    missing = tenant.get(f"{FLOW}/connectionSpecs/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("FLOW-1101-404")
    assert tenant.get(f"{FLOW}/flowSpecs/nope").status_code == 404


def test_mapping_set_create_get_and_new_versions(tenant):
    schema_id = tenant.schema()
    body: dict[str, Any] = {
        "outputSchema": {
            "schemaRef": {"id": schema_id, "contentType": "application/vnd.adobe.xed-full+json;version=1"}
        },
        "mappings": [{"sourceType": "ATTRIBUTE", "source": "id", "destination": "_id"}],
    }
    created = tenant.post(MAPPINGS, json=body)
    assert created.status_code == 200
    summary = created.json()
    assert re.fullmatch(r"[0-9a-f]{32}", summary["id"])
    assert summary["version"] == 0
    assert set(summary) == {"id", "version", "createdDate", "modifiedDate", "createdBy", "modifiedBy"}
    fetched = tenant.get(f"{MAPPINGS}/{summary['id']}").json()
    assert fetched["outputSchema"]["schemaRef"]["id"] == schema_id
    assert fetched["mappings"][0]["destination"] == "_id"
    assert re.fullmatch(r"[0-9a-f]{32}", fetched["mappings"][0]["id"])

    body["mappings"].append({"sourceType": "EXPRESSION", "source": "upper(email)", "destination": "_t.email"})
    updated = tenant.request("PUT", f"{MAPPINGS}/{summary['id']}", json=body)
    assert updated.status_code == 200 and updated.json()["version"] == 1
    assert len(tenant.get(f"{MAPPINGS}/{summary['id']}").json()["mappings"]) == 2
    assert len(tenant.get(f"{MAPPINGS}/{summary['id']}", params={"version": 0}).json()["mappings"]) == 1
    assert tenant.get(f"{MAPPINGS}/{summary['id']}", params={"version": 5}).status_code == 404
    listed = tenant.get(MAPPINGS, params={"limit": 10, "start": 0}).json()
    assert [m["version"] for m in listed["data"]] == [1] and listed["_page"] == {"count": 1, "limit": 10}
    assert tenant.get(MAPPINGS).status_code == 400  # limit and start are required
    # No DELETE in the Data Prep API.
    assert tenant.delete(f"{MAPPINGS}/{summary['id']}").status_code == 405
    assert tenant.get(f"{MAPPINGS}/{'0' * 32}").status_code == 404


def test_legacy_mapping_body_is_accepted(tenant):
    schema_id = tenant.schema()
    legacy = {
        "version": 0,
        "xdmSchema": schema_id,
        "xdmVersion": "1.0",
        "mappings": [
            {"sourceAttribute": "email", "destinationXdmPath": "personalEmail.address", "identity": False}
        ],
    }
    created = tenant.post(MAPPINGS, json=legacy)
    assert created.status_code == 200, created.text
    mapping = tenant.get(f"{MAPPINGS}/{created.json()['id']}").json()
    assert mapping["mappings"][0]["sourceType"] == "ATTRIBUTE"
    assert mapping["mappings"][0]["source"] == "email"
    assert mapping["outputSchema"]["schemaRef"]["id"] == schema_id


def test_mapping_set_validation(tenant):
    schema_id = tenant.schema()
    output = {"schemaRef": {"id": schema_id}}

    def attempt(body: dict[str, Any]) -> str:
        response = tenant.post(MAPPINGS, json=body)
        assert response.status_code == 400, response.text
        detail: str = response.json()["detail"]
        return detail

    assert "non-empty" in attempt({"outputSchema": output, "mappings": []})
    assert "sourceType" in attempt(
        {"outputSchema": output, "mappings": [{"sourceType": "attribute", "source": "a", "destination": "b"}]}
    )
    assert "unsupported function" in attempt(
        {
            "outputSchema": output,
            "mappings": [{"sourceType": "EXPRESSION", "source": "md5(a)", "destination": "b"}],
        }
    )
    assert "does not exist" in attempt(
        {
            "outputSchema": {"schemaRef": {"id": "https://ns.adobe.com/x/schemas/none"}},
            "mappings": [{"sourceType": "ATTRIBUTE", "source": "a", "destination": "b"}],
        }
    )
    assert "schema id" in attempt(
        {"mappings": [{"sourceType": "ATTRIBUTE", "source": "a", "destination": "b"}]}
    )


def test_datasets_create_get_list_delete(tenant):
    schema_id = tenant.schema()
    created = tenant.post(
        DATASETS,
        params={"requestDataSource": "true"},
        json={
            "name": "orders",
            "schemaRef": {"id": schema_id, "contentType": "application/vnd.adobe.xed+json;version=1"},
        },
    )
    assert created.status_code == 201
    [reference] = created.json()
    assert re.fullmatch(r"@/dataSets/[0-9a-f]{24}", reference)
    dataset_id = reference.rsplit("/", 1)[-1]
    assert created.headers["Location"].endswith(f"{DATASETS}/{dataset_id}")
    fetched = tenant.get(f"{DATASETS}/{dataset_id}").json()
    assert list(fetched) == [dataset_id]
    assert fetched[dataset_id]["name"] == "orders"
    assert fetched[dataset_id]["schemaRef"]["id"] == schema_id
    other = tenant.dataset(schema_id, name="other")
    assert set(tenant.get(DATASETS).json()) == {dataset_id, other}
    assert list(tenant.get(DATASETS, params={"name": "other"}).json()) == [other]
    deleted = tenant.delete(f"{DATASETS}/{dataset_id}")
    assert deleted.status_code == 200 and deleted.json() == [f"@/dataSets/{dataset_id}"]
    missing = tenant.get(f"{DATASETS}/{dataset_id}")
    assert missing.status_code == 404 and missing.json()["status"] == 404
    assert tenant.post(DATASETS, json={"name": "x"}).status_code == 400


def test_schema_registry_minimum(tenant):
    created = tenant.post(
        SCHEMAS,
        json={
            "title": "Orders",
            "type": "object",
            "allOf": [{"$ref": "https://ns.adobe.com/xdm/context/experienceevent"}],
        },
    )
    assert created.status_code == 201
    schema = created.json()
    assert schema["$id"].startswith("https://ns.adobe.com/")
    assert schema["meta:class"] == "https://ns.adobe.com/xdm/context/experienceevent"
    by_id = tenant.get(f"{SCHEMAS}/{quote(schema['$id'], safe='')}")
    assert by_id.status_code == 200 and by_id.json()["title"] == "Orders"
    assert tenant.get(f"{SCHEMAS}/{schema['meta:altId']}").json()["$id"] == schema["$id"]
    assert tenant.get(f"{SCHEMAS}/nothing").status_code == 404
