"""The desired state of one environment (Pulumi stack), as loaded from ``stacks/<stack>.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from providers.aep.spec import PipelineSpec

DEFAULT_ENDPOINT_TEMPLATE = "https://{shop}.myshopify.com"
DEFAULT_FORMAT = "json"


@dataclass(frozen=True)
class TopicSpec:
    """One webhook subscription, with the stack's defaults already applied.

    ``fields`` and ``metafield_namespaces`` are sorted: order carries no meaning to Shopify, and a
    canonical order keeps reordering the YAML from showing up as a change.
    """

    topic: str
    address: str | None  # None: the stack's AEP pipeline inlet URL
    format: str
    fields: tuple[str, ...]
    metafield_namespaces: tuple[str, ...]


@dataclass(frozen=True)
class ShopSpec:
    name: str
    topics: tuple[TopicSpec, ...]

    @property
    def domain(self) -> str:
        return f"{self.name}.myshopify.com"


@dataclass(frozen=True)
class StackSpec:
    path: Path
    api_version: str
    endpoint_template: str
    production: bool
    shops: tuple[ShopSpec, ...]
    platform: PipelineSpec | None = None  # the AEP pipeline (the `platform:` section)
    verify_hmac: bool = True  # give the pipeline the Shopify app secret so its inlet checks signatures

    def shop_base_url(self, shop: str) -> str:
        """Base URL of one shop's Admin API host, without a trailing slash (the client appends
        ``/admin/api/{version}/…``)."""
        return self.endpoint_template.replace("{shop}", shop).rstrip("/")
