"""The pickled providers hold nothing secret or live; the pipeline component wires its children so
Pulumi creates and deletes them in the order AEP needs (under Pulumi mocks: no engine, no HTTP)."""

from __future__ import annotations

import base64
import pickle
from collections.abc import Iterator
from typing import Any

import dill
import pulumi
import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor

from shopstream.providers import credentials
from shopstream.providers.aep import ims
from shopstream.providers.aep.base_connection import BaseConnectionProvider
from shopstream.providers.aep.dataflow import DataflowProvider
from shopstream.providers.aep.mapping_set import MappingSetProvider
from shopstream.providers.aep.pipeline import COMPONENT_TYPE, ShopifyStreamingPipeline
from shopstream.providers.aep.settings import ApiSettings
from shopstream.providers.aep.source_connection import SourceConnectionProvider
from shopstream.providers.aep.spec import PipelineSpec
from shopstream.providers.aep.target_connection import TargetConnectionProvider
from shopstream.providers.shopify import client as shopify_client
from tests.providers_aep.conftest import AepWorld, build_pipeline, configure

PROVIDERS = (
    BaseConnectionProvider,
    SourceConnectionProvider,
    TargetConnectionProvider,
    MappingSetProvider,
    DataflowProvider,
)


@pytest.mark.parametrize("cls", PROVIDERS)
def test_provider_pickles_deterministically_without_secrets_or_sessions(
    cls: type, aep: AepWorld, make_provider: Any
) -> None:
    # A whole pipeline ran in this process: a token is cached, a session is live, secrets configured.
    build_pipeline(aep, make_provider)
    settings = ApiSettings.from_props(aep.connection())
    key = settings.token_key()
    token = ims.access_token(key, aep.client_secret)
    shopify_client.shared_session()

    provider = cls()
    configure(provider, aep.client_secret)
    first = dill.dumps(provider, protocol=pickle.DEFAULT_PROTOCOL, recurse=True)
    second = dill.dumps(provider, protocol=pickle.DEFAULT_PROTOCOL, recurse=True)
    assert first == second
    for secret in (aep.client_secret, token, "app-secret-0123456789abcdef"):
        assert secret.encode() not in first
    assert b"Session" not in first and b"requests" not in first and b"Lock" not in first
    assert vars(provider) == {}
    serialized = serialize_provider(provider)
    assert serialized == serialize_provider(cls())
    assert aep.client_secret.encode() not in base64.b64decode(serialized)
    assert type(dill.loads(first)) is cls
    assert cls.serialize_as_secret_always is False
    credentials.set_aep_client_secret(None)


# ---- the component under mocks ---------------------------------------------------------------------


class Recorder(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: dict[str, pulumi.runtime.MockResourceArgs] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.resources[args.name] = args
        kind = args.typ.rsplit(":", 1)[-1]
        rid = f"{args.name}-id"
        outputs: dict[str, Any] = {**args.inputs}
        if isinstance(outputs.get("scopes"), list):
            outputs["scopes"] = ",".join(outputs["scopes"])  # what check() makes of it
        id_output = {
            "BaseConnection": "connection_id",
            "SourceConnection": "source_connection_id",
            "TargetConnection": "target_connection_id",
            "MappingSet": "mapping_id",
            "Dataflow": "flow_id",
        }.get(kind)
        if id_output:
            outputs[id_output] = rid
        if kind == "MappingSet":
            outputs["mapping_version"] = 0
        if kind in ("Dataflow", "Inlet"):
            outputs["inlet_url"] = "http://127.0.0.1:8787/collection/" + "a" * 64
        if kind == "Inlet":
            rid = outputs["inlet_url"]  # the inlet's id is its URL
        return rid, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


class RecordingMonitor(MockMonitor):
    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registrations: dict[str, Any] = {}

    def RegisterResource(self, request: Any) -> Any:  # the gRPC method's name
        self.registrations[request.name] = request
        return super().RegisterResource(request)  # type: ignore[no-untyped-call]


@pytest.fixture
def recorded() -> Iterator[tuple[Recorder, RecordingMonitor]]:
    mocks = Recorder()
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project="shopstream", stack="test", preview=False, monitor=monitor)
    yield mocks, monitor
    pulumi.runtime.settings.reset_options()


SPEC = PipelineSpec(
    ims_org="ORG@AdobeOrg",
    client_id="cid",
    dataset_id="ds1",
    schema_id="https://ns.adobe.com/acme/schemas/s1",
    flow_name="shopify-orders",
    mappings=(("ATTRIBUTE", "id", "_id"), ("EXPRESSION", "lower(email)", "personalEmail.address")),
    sandbox="dev",
    ims_url="http://127.0.0.1:8787",
    platform_url="http://127.0.0.1:8787",
    scopes=("openid", "AdobeID"),
    flow_description="Orders from Shopify",
)


def test_pipeline_builds_six_children_in_dependency_order(
    recorded: tuple[Recorder, RecordingMonitor],
) -> None:
    mocks, monitor = recorded

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> pulumi.Output[Any]:
        pipeline = ShopifyStreamingPipeline("orders", SPEC, hmac_secret="app-secret")

        def made_inputs(name: str) -> Any:
            return mocks.resources[name].inputs

        def verify(values: list[Any]) -> None:
            inlet_url, flow_id = values
            assert flow_id == "orders-dataflow-id" and inlet_url.endswith("/collection/" + "a" * 64)
            regs = monitor.registrations
            component = regs["orders"]
            assert component.type == COMPONENT_TYPE
            children = {n: r for n, r in regs.items() if r.parent.endswith("::orders")}
            assert set(children) == {
                "orders-base-connection",
                "orders-source-connection",
                "orders-target-connection",
                "orders-mapping-set",
                "orders-dataflow",
                "orders-inlet",
            }
            urns = {
                n: f"urn:pulumi:test::shopstream::{COMPONENT_TYPE}${r.type}::{n}" for n, r in children.items()
            }
            deps = {n: set(r.dependencies) for n, r in children.items()}
            assert deps["orders-dataflow"] >= {
                urns["orders-source-connection"],
                urns["orders-target-connection"],
                urns["orders-mapping-set"],
            }
            assert urns["orders-base-connection"] in deps["orders-source-connection"]
            assert urns["orders-dataflow"] in deps["orders-inlet"]
            assert made_inputs("orders-inlet")["flow_id"] == "orders-dataflow-id"
            assert list(children["orders-base-connection"].additionalSecretOutputs) == ["hmac_secret"]

            made = mocks.resources
            base_inputs = made["orders-base-connection"].inputs
            assert rpc.is_rpc_secret(base_inputs["hmac_secret"])
            assert base_inputs["name"] == "shopify-orders (base connection)"
            assert base_inputs["sandbox"] == "dev" and base_inputs["scopes"] == ["openid", "AdobeID"]
            flow_inputs = made["orders-dataflow"].inputs
            assert flow_inputs["source_connection_id"] == "orders-source-connection-id"
            assert flow_inputs["target_connection_id"] == "orders-target-connection-id"
            assert (
                flow_inputs["mapping_id"] == "orders-mapping-set-id" and flow_inputs["mapping_version"] == 0
            )
            assert flow_inputs["name"] == "shopify-orders"
            assert (
                made["orders-source-connection"].inputs["base_connection_id"] == "orders-base-connection-id"
            )
            assert made["orders-mapping-set"].inputs["mappings"][1] == {
                "source_type": "EXPRESSION",
                "source": "lower(email)",
                "destination": "personalEmail.address",
            }
            assert made["orders-target-connection"].inputs["dataset_id"] == "ds1"

        return pulumi.Output.all(pipeline.inlet_url, pipeline.flow_id).apply(verify)

    run()


def test_pipeline_without_hmac_secret_has_no_base_connection(
    recorded: tuple[Recorder, RecordingMonitor],
) -> None:
    mocks, _ = recorded

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> pulumi.Output[Any]:
        pipeline = ShopifyStreamingPipeline("orders", SPEC)

        def verify(_: Any) -> None:
            assert "orders-base-connection" not in mocks.resources
            assert "base_connection_id" not in {
                k for k, v in mocks.resources["orders-source-connection"].inputs.items() if v is not None
            }

        return pipeline.flow_id.apply(verify)

    run()
