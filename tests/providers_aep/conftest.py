"""AEP provider tests against the emulator over HTTP (127.0.0.1, ephemeral port).

``aep`` gives a fresh emulator with one org (sandbox prod), one OAuth client, an XDM schema and a
dataset of that schema; the providers are configured with the client's secret the way the engine
does it (ConfigureRequest with stack config ``shopstream:aepClientSecret``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from pulumi.dynamic import Config, ConfigureRequest, ResourceProvider

from shopstream.emulator import RunningEmulator
from shopstream.providers import credentials
from shopstream.providers.aep import ims
from shopstream.providers.aep.client import PlatformClient
from shopstream.providers.aep.common import AepProvider
from shopstream.providers.aep.settings import ApiSettings

SANDBOX = "prod"
MAPPINGS = [
    {"source_type": "EXPRESSION", "source": 'concat("shopify-order-", to_string(id))', "destination": "_id"},
    {"source_type": "ATTRIBUTE", "source": "email", "destination": "personalEmail.address"},
]


@dataclass
class AepWorld:
    emulator: RunningEmulator
    org_id: str
    client_id: str
    client_secret: str
    schema_id: str
    dataset_id: str

    @property
    def control(self) -> Any:
        return self.emulator.control.aep

    def connection(self, **overrides: Any) -> dict[str, Any]:
        """The connection inputs every AEP resource takes."""
        return {
            "ims_url": self.emulator.base_url,
            "platform_url": self.emulator.base_url,
            "ims_org": self.org_id,
            "sandbox": SANDBOX,
            "client_id": self.client_id,
            "scopes": ["openid", "AdobeID"],
            **overrides,
        }

    def client(self, **overrides: Any) -> PlatformClient:
        settings = ApiSettings.from_props(self.connection(**overrides))
        return PlatformClient(settings, self.client_secret, sleep=lambda _s: None)

    def writes(self, since: int = 0) -> list[dict[str, Any]]:
        """Platform write requests after log entry ``since`` (IMS token POSTs change nothing)."""
        return [r for r in self.control.requests(since) if r["write"] and r["service"] != "ims"]

    def last_seq(self) -> int:
        entries = self.control.requests()
        return int(entries[-1]["seq"]) if entries else 0


@pytest.fixture
def aep(emulator: RunningEmulator) -> Iterator[AepWorld]:
    control = emulator.control.aep
    org = control.create_org(sandboxes=[SANDBOX])
    client = control.create_client(org["id"])
    schema_id = control.create_schema(org["id"], SANDBOX, "Shopify orders")
    dataset_id = control.create_dataset(org["id"], SANDBOX, "shopify-orders", schema_id)
    ims.clear()
    credentials.set_aep_client_secret(None)
    yield AepWorld(emulator, org["id"], client["client_id"], client["client_secret"], schema_id, dataset_id)
    ims.clear()
    credentials.set_aep_client_secret(None)


def configure(provider: ResourceProvider, secret: str) -> None:
    provider.configure(ConfigureRequest(Config({"shopstream:aepClientSecret": secret}, "shopstream")))


@pytest.fixture
def make_provider(aep: AepWorld) -> Callable[[type[AepProvider]], Any]:
    """``make_provider(Cls)`` → a configured provider instance (as the engine would hand it out)."""

    def make(cls: type[AepProvider]) -> Any:
        provider = cls()
        configure(provider, aep.client_secret)
        return provider

    return make


def checked(
    provider: AepProvider, news: dict[str, Any], olds: dict[str, Any] | None = None
) -> dict[str, Any]:
    """check() as the engine runs it, asserting no failures; the result plus ``__provider``."""
    result = provider.check(olds or {}, news)
    assert result.failures == [], [(f.property, f.reason) for f in result.failures]
    return {**result.inputs, "__provider": "serialized-provider"}


def pipeline_news(aep: AepWorld) -> dict[str, dict[str, Any]]:
    """Inputs of the five objects, ids of the dependencies still missing (added by build_pipeline)."""
    conn = aep.connection()
    return {
        "base": {**conn, "name": "shop (base connection)", "hmac_secret": "app-secret-0123456789abcdef"},
        "source": {**conn, "name": "shop (source)"},
        "target": {
            **conn,
            "name": "shop (target)",
            "dataset_id": aep.dataset_id,
            "schema_id": aep.schema_id,
            "schema_version": "1",
        },
        "mapping": {**conn, "schema_id": aep.schema_id, "schema_version": "1", "mappings": MAPPINGS},
        "flow": {**conn, "name": "shop", "description": "Shopify orders", "inlet_url_timeout": 10},
    }


def build_pipeline(
    aep: AepWorld, make_provider: Callable[[type[AepProvider]], Any], **flow_overrides: Any
) -> dict[str, Any]:
    """Create base → source, target, mapping → flow through the providers; CreateResults by role."""
    from shopstream.providers.aep.base_connection import BaseConnectionProvider
    from shopstream.providers.aep.dataflow import DataflowProvider
    from shopstream.providers.aep.mapping_set import MappingSetProvider
    from shopstream.providers.aep.source_connection import SourceConnectionProvider
    from shopstream.providers.aep.target_connection import TargetConnectionProvider

    news = pipeline_news(aep)
    made: dict[str, Any] = {}
    base = make_provider(BaseConnectionProvider)
    made["base"] = base.create(checked(base, news["base"]))
    source = make_provider(SourceConnectionProvider)
    made["source"] = source.create(checked(source, {**news["source"], "base_connection_id": made["base"].id}))
    target = make_provider(TargetConnectionProvider)
    made["target"] = target.create(checked(target, news["target"]))
    mapping = make_provider(MappingSetProvider)
    made["mapping"] = mapping.create(checked(mapping, news["mapping"]))
    flow = make_provider(DataflowProvider)
    flow_news = {
        **news["flow"],
        "source_connection_id": made["source"].id,
        "target_connection_id": made["target"].id,
        "mapping_id": made["mapping"].id,
        "mapping_version": made["mapping"].outs["mapping_version"],
        **flow_overrides,
    }
    made["flow_news"] = flow_news
    made["flow"] = flow.create(checked(flow, flow_news))
    return made


@pytest.fixture
def pipeline_objects(aep: AepWorld, make_provider: Callable[[type[AepProvider]], Any]) -> dict[str, Any]:
    return build_pipeline(aep, make_provider)
