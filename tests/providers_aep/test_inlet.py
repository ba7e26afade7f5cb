"""The inlet resource: its id is the dataflow's inlet URL; it follows the flow and never deletes anything."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shopstream.aep_api import kinds
from shopstream.providers.aep.inlet import InletProvider
from tests.providers_aep.conftest import AepWorld, checked

MakeProvider = Callable[[type], Any]


def test_inlet_id_is_the_flow_inlet_url_and_read_follows_the_flow(
    aep: AepWorld, make_provider: MakeProvider, pipeline_objects: dict[str, Any]
) -> None:
    flow = pipeline_objects["flow"]
    provider = make_provider(InletProvider)
    inputs = checked(provider, {**aep.connection(), "flow_id": flow.id, "inlet_url_timeout": 5})

    created = provider.create(inputs)
    assert created.id == flow.outs["inlet_url"]
    assert created.outs["inlet_id"] == created.id.rsplit("/", 1)[-1]

    read = provider.read(created.id, {**inputs, **created.outs})
    assert read.id == created.id and read.inputs["flow_id"] == flow.id

    # The same flow: no change. Another flow: a replacement (a new inlet URL).
    assert provider.diff(created.id, inputs, dict(inputs)).changes is False
    other = provider.diff(created.id, inputs, {**inputs, "flow_id": "another-flow"})
    assert other.changes is True and other.replaces == ["flow_id"]

    mark = aep.last_seq()
    provider.delete(created.id, {**inputs, **created.outs})
    assert aep.writes(since=mark) == []  # the inlet goes with its flow

    aep.client().delete(kinds.FLOW, flow.id)
    assert provider.read(created.id, {**inputs, **created.outs}).id is None


def test_inlet_check_reports_a_missing_flow_id(aep: AepWorld, make_provider: MakeProvider) -> None:
    result = make_provider(InletProvider).check({}, {**aep.connection()})
    assert [f.property for f in result.failures] == ["flow_id"]
