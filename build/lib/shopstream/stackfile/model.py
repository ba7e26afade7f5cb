"""The desired state of one environment (Pulumi stack), as loaded from ``stacks/<stack>.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shopstream.providers.aep.spec import PipelineSpec

DEFAULT_ENDPOINT_TEMPLATE = "https://{shop}.myshopify.com"
DEFAULT_FORMAT = "json"
DEFAULT_API = "graphql"


@dataclass(frozen=True)
class TopicSpec:
    """One webhook subscription, with the stack's defaults already applied.

    ``topic`` is the REST form (``orders/create``) however the file spelled it. ``address`` is the
    destination (the file's ``address`` or ``uri``): an https URL, ``pubsub://project:topic`` or an
    EventBridge ARN. ``fields`` (the file's ``fields`` or ``include_fields``; nested paths only with
    GraphQL) and ``metafield_namespaces`` are sorted: order carries no meaning to Shopify, and a
    canonical order keeps reordering the YAML from showing up as a change.
    """

    topic: str
    address: str | None  # None: the stack's AEP pipeline inlet URL
    format: str
    fields: tuple[str, ...]
    metafield_namespaces: tuple[str, ...]
    filter: str | None = None  # Shopify search syntax (GraphQL only); None: every event
    name: str | None = None  # the file's label; the owner marker is shopify_api.ownership.subscription_name
    adopt: bool = False  # may take over an identical existing subscription that no stack owns


@dataclass(frozen=True)
class ShopSpec:
    name: str
    topics: tuple[TopicSpec, ...]
    # The app's client id for the client credentials grant: the shop's own, else shopify.client_id.
    client_id: str | None = None

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
    api: str = DEFAULT_API  # "graphql" or "rest": which Admin API manages the subscriptions

    def shop_base_url(self, shop: str) -> str:
        """Base URL of one shop's Admin API host, without a trailing slash (the client appends
        ``/admin/api/{version}/…``)."""
        return self.endpoint_template.replace("{shop}", shop).rstrip("/")
