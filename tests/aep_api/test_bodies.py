"""Request bodies and the "same object?" checks used for adoption."""

from __future__ import annotations

import pytest

from shopstream.aep_api import bodies, ids

SCHEMA = "https://ns.adobe.com/acme/schemas/abc"
XED = "application/vnd.adobe.xed-full+json;version=1"


def test_xed_content_type() -> None:
    assert bodies.xed_content_type("1") == XED
    assert bodies.xed_content_type("1.0") == XED + ".0"
    assert bodies.xed_content_type(XED) == XED
    assert bodies.same_schema_version("1", XED + ".0") and not bodies.same_schema_version("2", XED)
    with pytest.raises(ValueError):
        bodies.xed_content_type("latest")


def test_flow_body_shape() -> None:
    body = bodies.flow("f", "d", "s1", "t1", "m1", 0)
    assert body["flowSpec"] == {"id": ids.SHOPIFY_STREAMING_FLOW_SPEC, "version": "1.0"}
    assert body["sourceConnectionIds"] == ["s1"] and body["targetConnectionIds"] == ["t1"]
    assert body["transformations"] == [
        {"name": "Mapping", "params": {"mappingId": "m1", "mappingVersion": 0}}
    ]
    assert "state" not in body  # FLOW-1410: state is not allowed on create


def test_source_connection_base_id_optional() -> None:
    assert "baseConnectionId" not in bodies.source_connection("s", "", None)
    assert bodies.source_connection("s", "", "b1")["baseConnectionId"] == "b1"
    assert bodies.source_connection("s", "", None)["data"] == {"format": "json"}


def test_mapping_set_body() -> None:
    body = bodies.mapping_set(
        SCHEMA, "1", [{"sourceType": "ATTRIBUTE", "source": "id", "destination": "_id"}]
    )
    assert body == {
        "outputSchema": {"schemaRef": {"id": SCHEMA, "contentType": XED}},
        "mappings": [{"sourceType": "ATTRIBUTE", "source": "id", "destination": "_id"}],
    }


def test_target_connection_matching() -> None:
    desired = {"name": "t", "dataset_id": "ds1", "schema_id": SCHEMA, "schema_version": XED}
    item = {"id": "x", "state": "enabled", **bodies.target_connection("t", "", "ds1", SCHEMA, "1.0")}
    assert bodies.target_connection_matches(item, desired)
    assert not bodies.target_connection_matches({**item, "params": {"dataSetId": "ds2"}}, desired)
    assert not bodies.target_connection_matches({**item, "name": "other"}, desired)
    assert not bodies.target_connection_matches({**item, "state": "delete-finalizing"}, desired)


def test_flow_matching_and_mapping_readback() -> None:
    desired = {"name": "f", "source_connection_id": "s1", "target_connection_id": "t1"}
    item = bodies.flow("f", "", "s1", "t1", "m1", 2)
    assert bodies.flow_matches(item, desired)
    assert not bodies.flow_matches({**item, "targetConnectionIds": ["t2"]}, desired)
    assert bodies.flow_mapping(item) == ("m1", 2)
    assert bodies.flow_mapping({"transformations": []}) == (None, None)


def test_base_and_source_matching() -> None:
    base = bodies.base_connection("b", "", "secret")
    assert bodies.base_connection_matches(base, {"name": "b"})
    assert not bodies.base_connection_matches({**base, "auth": {"specName": "OAuth"}}, {"name": "b"})
    source = bodies.source_connection("s", "", "b1")
    assert bodies.source_connection_matches(source, {"name": "s", "base_connection_id": "b1"})
    assert not bodies.source_connection_matches(source, {"name": "s", "base_connection_id": None})


def test_inlet_url_and_id() -> None:
    url = "http://127.0.0.1:8787/collection/" + "a" * 64
    assert bodies.inlet_url({"options": {"inletUrl": url}}) == url
    assert bodies.inlet_url({"options": {}}) is None
    assert bodies.inlet_id(url) == "a" * 64 and bodies.inlet_id(None) is None


def test_pick_oldest() -> None:
    items = [{"id": "b", "createdAt": 2}, {"id": "a", "createdAt": 2}, {"id": "c", "createdAt": 1}]
    assert bodies.pick_oldest(items) == {"id": "c", "createdAt": 1}
    assert bodies.pick_oldest([]) is None
