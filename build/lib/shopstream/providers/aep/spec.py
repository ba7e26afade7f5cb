"""PipelineSpec: everything ShopifyStreamingPipeline needs except the HMAC secret.

Plain frozen data (no stack-file dependency); the stack file's `platform:` section is turned into one
of these by the program.  Validation happens in the resources' check(), which reports each bad field
as a Pulumi check failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shopstream.aep_api import ids

Mapping3 = tuple[str, str, str]  # (source_type "ATTRIBUTE"|"EXPRESSION", source, destination)


@dataclass(frozen=True)
class PipelineSpec:
    ims_org: str  # "…@AdobeOrg"
    client_id: str  # the OAuth Server-to-Server credential's client id (the secret is config aepClientSecret)
    dataset_id: str  # target dataset (must exist; its schema must be schema_id)
    schema_id: str  # XDM schema $id, https://ns.adobe.com/{tenant}/schemas/…
    flow_name: str  # dataflow name; connection names are derived from it
    mappings: tuple[Mapping3, ...]
    sandbox: str = "prod"
    ims_url: str = ids.DEFAULT_IMS_URL
    platform_url: str = ids.DEFAULT_PLATFORM_URL
    scopes: tuple[str, ...] = ()  # () → the providers' default AEP scope set
    schema_version: str = "1"  # "1", "1.0" or a full XED content type
    flow_description: str = ""
    inlet_url_timeout: float = 300.0  # seconds to wait for the flow's inlet URL after create

    def connection_inputs(self) -> dict[str, Any]:
        """The inputs every AEP resource of the pipeline shares."""
        return {
            "ims_url": self.ims_url,
            "platform_url": self.platform_url,
            "ims_org": self.ims_org,
            "sandbox": self.sandbox,
            "client_id": self.client_id,
            "scopes": list(self.scopes) if self.scopes else None,
        }

    def object_name(self, role: str) -> str:
        """AEP name of a connection in this pipeline, e.g. 'shopify-orders (source)'."""
        return f"{self.flow_name} ({role})"
