"""Mapping set and dataflow providers: replace-only mapping sets, flow PATCHes with etags, inlet URL."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from shopstream.aep_api import bodies, kinds
from shopstream.providers.aep.dataflow import OUTPUT_KEYS, DataflowProvider
from shopstream.providers.aep.mapping_set import MappingSetProvider
from shopstream.providers.aep.settings import CONNECTION_KEYS
from tests.providers_aep.conftest import MAPPINGS, AepWorld, build_pipeline, checked, pipeline_news

MakeProvider = Callable[[type], Any]


def test_mapping_set_create_read_replace_and_noop_delete(aep: AepWorld, make_provider: MakeProvider) -> None:
    provider = make_provider(MappingSetProvider)
    news = pipeline_news(aep)["mapping"]
    props = checked(provider, news)
    assert props["mappings"][0] == {
        "source_type": "EXPRESSION",
        "source": 'concat("shopify-order-", to_string(id))',
        "destination": "_id",
    }
    created = provider.create(props)
    assert len(created.id) == 32 and created.outs["mapping_id"] == created.id
    assert created.outs["mapping_version"] == 0

    read = provider.read(created.id, created.outs)
    assert read.id == created.id and read.inputs is not None
    assert (
        read.inputs["mappings"] == props["mappings"]
        and read.inputs["schema_version"] == props["schema_version"]
    )
    assert provider.diff(created.id, created.outs, checked(provider, news)).changes is False

    # Tuples from the stack file normalise to the same thing.
    as_tuples = {
        **news,
        "mappings": [(m["source_type"].lower(), m["source"], m["destination"]) for m in MAPPINGS],
    }
    assert provider.diff(created.id, created.outs, checked(provider, as_tuples)).changes is False

    changed = {
        **news,
        "mappings": [*MAPPINGS, {"source_type": "ATTRIBUTE", "source": "note", "destination": "note"}],
    }
    assert provider.diff(created.id, created.outs, checked(provider, changed)).replaces == ["mappings"]

    seq = aep.last_seq()
    provider.delete(created.id, created.outs)  # no DELETE endpoint: documented no-op, no request at all
    assert aep.control.requests(seq) == []
    assert provider.read(created.id, created.outs).id == created.id  # still there


def test_mapping_set_check_failures(aep: AepWorld, make_provider: MakeProvider) -> None:
    provider = make_provider(MappingSetProvider)
    news = {
        **pipeline_news(aep)["mapping"],
        "mappings": [("CONSTANT", "x", "_id"), ("ATTRIBUTE", "id", "_id"), ("ATTRIBUTE", "", "y")],
        "schema_version": "latest",
    }
    reasons = [f.reason for f in provider.check({}, news).failures]
    assert any("source_type must be one of ATTRIBUTE, EXPRESSION" in r for r in reasons)
    assert any("source is required" in r for r in reasons)
    assert any("schema_version must be a number" in r for r in reasons)
    empty = provider.check({}, {**pipeline_news(aep)["mapping"], "mappings": []})
    assert [f.property for f in empty.failures] == ["mappings"]
    dupes = provider.check(
        {}, {**pipeline_news(aep)["mapping"], "mappings": [("ATTRIBUTE", "a", "x"), ("ATTRIBUTE", "b", "x")]}
    )
    assert "more than one value to x" in dupes.failures[0].reason


def test_dataflow_create_outputs_and_inlet_url(aep: AepWorld, pipeline_objects: dict[str, Any]) -> None:
    flow = pipeline_objects["flow"]
    outs = flow.outs
    assert set(outs) >= {*CONNECTION_KEYS, *OUTPUT_KEYS, "name", "mapping_id", "inlet_url_timeout"}
    assert outs["flow_id"] == flow.id and outs["state"] == "enabled" and outs["adopted"] is False
    (inlet,) = aep.control.inlets()
    assert outs["inlet_url"] == inlet["url"] and outs["inlet_id"] == inlet["inlet_id"]
    assert (
        outs["inlet_url"].startswith(aep.emulator.base_url + "/collection/") and len(outs["inlet_id"]) == 64
    )
    item = aep.client().get(kinds.FLOW, flow.id)
    assert item is not None
    assert item["transformations"] == [
        {"name": "Mapping", "params": {"mappingId": pipeline_objects["mapping"].id, "mappingVersion": 0}}
    ]


def test_dataflow_noop_update_and_diff(
    aep: AepWorld, make_provider: MakeProvider, pipeline_objects: dict[str, Any]
) -> None:
    provider = make_provider(DataflowProvider)
    flow = pipeline_objects["flow"]
    news = checked(provider, {**pipeline_objects["flow_news"], "inlet_url_timeout": 99})
    assert provider.diff(flow.id, flow.outs, news).changes is False
    diff = provider.diff(
        flow.id, flow.outs, checked(provider, {**pipeline_objects["flow_news"], "target_connection_id": "t2"})
    )
    assert diff.replaces == ["target_connection_id"] and diff.delete_before_replace is None
    # An unknown mapping id (a new mapping set during preview) is an update, not a replace.
    unknown = {**news, "mapping_id": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}
    diff = provider.diff(flow.id, flow.outs, unknown)
    assert diff.changes is True and diff.replaces == []


def test_dataflow_update_patches_name_and_mapping(
    aep: AepWorld, make_provider: MakeProvider, pipeline_objects: dict[str, Any]
) -> None:
    provider = make_provider(DataflowProvider)
    mapping_provider = make_provider(MappingSetProvider)
    flow = pipeline_objects["flow"]
    new_mapping = mapping_provider.create(
        checked(mapping_provider, {**pipeline_news(aep)["mapping"], "mappings": MAPPINGS[:1]})
    )
    news = checked(
        provider, {**pipeline_objects["flow_news"], "name": "shop v2", "mapping_id": new_mapping.id}
    )
    seq = aep.last_seq()
    outs = provider.update(flow.id, flow.outs, news).outs
    writes = aep.writes(seq)
    assert [(w["method"], w["status"]) for w in writes] == [("PATCH", 200)]
    item = aep.client().get(kinds.FLOW, flow.id)
    assert item is not None and item["name"] == "shop v2"
    assert bodies.flow_mapping(item) == (new_mapping.id, 0)
    assert outs["etag"] == item["etag"] and outs["inlet_url"] == flow.outs["inlet_url"]


def test_dataflow_update_retries_once_after_an_etag_conflict(
    aep: AepWorld, make_provider: MakeProvider, pipeline_objects: dict[str, Any]
) -> None:
    provider = make_provider(DataflowProvider)
    flow = pipeline_objects["flow"]
    # Someone edits the flow outside Pulumi: the etag in the state is stale now.
    outsider = aep.client()
    current = outsider.get(kinds.FLOW, flow.id)
    assert current is not None
    outsider.patch(
        kinds.FLOW,
        flow.id,
        [{"op": "replace", "path": "/description", "value": "edited"}],
        etag=current["etag"],
    )
    news = checked(provider, {**pipeline_objects["flow_news"], "name": "renamed"})
    seq = aep.last_seq()
    provider.update(flow.id, flow.outs, news)
    patches = [(w["method"], w["status"]) for w in aep.writes(seq)]
    assert patches == [("PATCH", 412), ("PATCH", 200)]
    item = aep.client().get(kinds.FLOW, flow.id)
    assert item is not None and item["name"] == "renamed" and item["description"] == "edited"


def test_etag_conflict_with_the_change_already_made_sends_nothing_more(
    aep: AepWorld, make_provider: MakeProvider, pipeline_objects: dict[str, Any]
) -> None:
    provider = make_provider(DataflowProvider)
    flow = pipeline_objects["flow"]
    outsider = aep.client()
    current = outsider.get(kinds.FLOW, flow.id)
    assert current is not None
    outsider.patch(
        kinds.FLOW, flow.id, [{"op": "replace", "path": "/name", "value": "renamed"}], etag=current["etag"]
    )
    seq = aep.last_seq()
    outs = provider.update(
        flow.id, flow.outs, checked(provider, {**pipeline_objects["flow_news"], "name": "renamed"})
    ).outs
    assert [(w["method"], w["status"]) for w in aep.writes(seq)] == [("PATCH", 412)]
    assert outs["name"] == "renamed" and outs["etag"] == outsider.get(kinds.FLOW, flow.id)["etag"]  # type: ignore[index]


def test_read_refreshes_inputs_changed_outside(
    aep: AepWorld, make_provider: MakeProvider, pipeline_objects: dict[str, Any]
) -> None:
    provider = make_provider(DataflowProvider)
    flow = pipeline_objects["flow"]
    outsider = aep.client()
    current = outsider.get(kinds.FLOW, flow.id)
    assert current is not None
    outsider.patch(
        kinds.FLOW,
        flow.id,
        [{"op": "replace", "path": "/name", "value": "hand-edited"}],
        etag=current["etag"],
    )
    read = provider.read(flow.id, flow.outs)
    assert read.inputs is not None and read.inputs["name"] == "hand-edited"
    assert read.outs["etag"] != flow.outs["etag"] and read.outs["inlet_url"] == flow.outs["inlet_url"]
    # The next `up` sees the program's name again as a change (an update).
    diff = provider.diff(flow.id, read.outs, checked(provider, pipeline_objects["flow_news"]))
    assert diff.changes is True and diff.replaces == []


def test_dataflow_adoption(
    aep: AepWorld, make_provider: MakeProvider, pipeline_objects: dict[str, Any]
) -> None:
    provider = make_provider(DataflowProvider)
    flow = pipeline_objects["flow"]
    seq = aep.last_seq()
    again = provider.create(checked(provider, pipeline_objects["flow_news"]))
    assert (
        again.id == flow.id
        and again.outs["adopted"] is True
        and again.outs["inlet_url"] == flow.outs["inlet_url"]
    )
    assert aep.writes(seq) == []  # identical: nothing to patch
    # Same name, other target connection: not the same flow, so a new one is made.
    other_target = aep.client().create(
        kinds.TARGET_CONNECTION,
        bodies.target_connection("t2", "", aep.dataset_id, aep.schema_id, "1"),
    )
    third = provider.create(
        checked(provider, {**pipeline_objects["flow_news"], "target_connection_id": other_target["id"]})
    )
    assert third.id != flow.id and third.outs["adopted"] is False


def test_delete_flow_then_connections(
    aep: AepWorld, make_provider: MakeProvider, pipeline_objects: dict[str, Any]
) -> None:
    from shopstream.providers.aep.base_connection import BaseConnectionProvider
    from shopstream.providers.aep.source_connection import SourceConnectionProvider
    from shopstream.providers.aep.target_connection import TargetConnectionProvider

    flow = pipeline_objects["flow"]
    make_provider(DataflowProvider).delete(flow.id, flow.outs)
    assert make_provider(DataflowProvider).read(flow.id, flow.outs).id == ""
    for role, cls in (
        ("source", SourceConnectionProvider),
        ("target", TargetConnectionProvider),
        ("base", BaseConnectionProvider),
    ):
        made = pipeline_objects[role]
        make_provider(cls).delete(made.id, made.outs)
    left = [o["kind"] for o in aep.control.objects(aep.org_id)]
    assert sorted(left) == ["datasets", "mappingSets", "schemas"]


def test_inlet_url_wait(aep: AepWorld, make_provider: MakeProvider) -> None:
    aep.control.update_settings(inlet_provisioning_seconds=1.2)
    started = time.monotonic()
    made = build_pipeline(aep, make_provider)
    assert time.monotonic() - started >= 1.0
    assert made["flow"].outs["inlet_url"].startswith(aep.emulator.base_url + "/collection/")


def test_inlet_url_timeout_is_one_sentence(aep: AepWorld, make_provider: MakeProvider) -> None:
    # Long enough that a loaded machine still asks before the inlet is provisioned; shorter than the
    # 10 s the adopting create below waits.
    aep.control.update_settings(inlet_provisioning_seconds=4.0)
    with pytest.raises(Exception) as caught:
        build_pipeline(aep, make_provider, inlet_url_timeout=0.3)
    text = str(caught.value)
    assert text.startswith('AEP has not published the streaming inlet URL of the dataflow "shop" (id ')
    assert "within 0.3 s" in text and "run `pulumi up` again later" in text
    # The flow exists; the next create adopts it (waiting for its inlet URL) instead of making another.
    (existing,) = aep.client().find_by_name(kinds.FLOW, "shop")
    provider = make_provider(DataflowProvider)
    news = {
        **pipeline_news(aep)["flow"],
        "source_connection_id": existing["sourceConnectionIds"][0],
        "target_connection_id": existing["targetConnectionIds"][0],
        "mapping_id": bodies.flow_mapping(existing)[0],
    }
    again = provider.create(checked(provider, news))
    assert again.id == existing["id"] and again.outs["adopted"] is True and again.outs["inlet_url"]


def test_no_op_up_and_refresh_change_nothing(aep: AepWorld, make_provider: MakeProvider) -> None:
    """The same program again — before and after a `pulumi refresh` — diffs clean for all five objects."""
    from shopstream.providers.aep.base_connection import BaseConnectionProvider
    from shopstream.providers.aep.source_connection import SourceConnectionProvider
    from shopstream.providers.aep.target_connection import TargetConnectionProvider

    made = build_pipeline(aep, make_provider)
    news = pipeline_news(aep)
    news["source"]["base_connection_id"] = made["base"].id
    news["flow"] = made["flow_news"]
    classes = {
        "base": BaseConnectionProvider,
        "source": SourceConnectionProvider,
        "target": TargetConnectionProvider,
        "mapping": MappingSetProvider,
        "flow": DataflowProvider,
    }
    seq = aep.last_seq()
    for role, cls in classes.items():
        provider = make_provider(cls)
        result = made[role]
        again = checked(provider, news[role], olds=result.outs)
        assert provider.diff(result.id, result.outs, again).changes is False, role
        refreshed = provider.read(result.id, result.outs)
        assert refreshed.id == result.id and refreshed.inputs is not None
        assert provider.diff(result.id, refreshed.outs, again).changes is False, role
        assert checked(provider, refreshed.inputs) == {**again}, role
    assert aep.writes(seq) == []
