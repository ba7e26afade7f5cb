"""The connection and flow specs the emulator serves (``GET /connectionSpecs/{id}``, ``/flowSpecs/{id}``).

Only what the Shopify Streaming pipeline needs: the Shopify Streaming source spec, the GenericStreamingAEP
flow spec (reference §1.5) and the data lake target spec. Specs are global: the same in every org and
sandbox.

The Shopify Streaming ``authSpec`` is our choice (the reference marks it UNCONFIRMED, design decision):
one auth spec named ``HMAC Authentication`` with a single secret ``hmacSecret`` (the Shopify app's client
secret). A base connection that carries it makes the inlet check ``X-Shopify-Hmac-Sha256``.
"""

from __future__ import annotations

import copy
from typing import Any

from shopstream.emulator.aep.ids import (
    DATA_LAKE_CONNECTION_SPEC,
    GENERIC_STREAMING_FLOW_SPEC,
    SHOPIFY_STREAMING_CONNECTION_SPEC,
    STREAMING_PROVIDER,
)

HMAC_AUTH_SPEC_NAME = "HMAC Authentication"
HMAC_SECRET_PARAM = "hmacSecret"

_PERMISSIONS = {
    "view": [{"@type": "lowLevel", "name": "StreamingSource", "permissions": ["read"]}],
    "manage": [{"@type": "lowLevel", "name": "StreamingSource", "permissions": ["write"]}],
}

CONNECTION_SPECS: dict[str, dict[str, Any]] = {
    SHOPIFY_STREAMING_CONNECTION_SPEC: {
        "id": SHOPIFY_STREAMING_CONNECTION_SPEC,
        "name": "Shopify Streaming",
        "providerId": STREAMING_PROVIDER,
        "version": "1.0",
        "type": "webhook",
        "authSpec": [
            {
                "name": HMAC_AUTH_SPEC_NAME,
                "type": "HMAC",
                "spec": {
                    "$schema": "http://json-schema.org/draft-07/schema#",
                    "type": "object",
                    "description": "Verify webhook deliveries with the Shopify app's client secret.",
                    "properties": {
                        HMAC_SECRET_PARAM: {
                            "type": "string",
                            "format": "password",
                            "minLength": 1,
                            "description": "Client secret of the Shopify app; deliveries are signed "
                            "with it (X-Shopify-Hmac-Sha256, base64 HMAC-SHA256 of the raw body).",
                        }
                    },
                    "required": [HMAC_SECRET_PARAM],
                    "additionalProperties": False,
                },
            }
        ],
        "sourceSpec": {
            "attributes": {
                "uiAttributes": {
                    "isSource": True,
                    "isBeta": True,
                    "category": {"key": "ecommerce"},
                    "label": "Shopify Streaming",
                }
            },
            "spec": {
                "$schema": "http://json-schema.org/draft-07/schema#",
                "type": "object",
                "properties": {"dataType": {"type": "string", "enum": ["raw"]}},
            },
        },
        "attributes": {"isSource": True, "isPreview": False, "frequency": "streaming"},
        "permissionsInfo": _PERMISSIONS,
    },
    DATA_LAKE_CONNECTION_SPEC: {
        "id": DATA_LAKE_CONNECTION_SPEC,
        "name": "Data Lake",
        # The data lake spec's provider id is not in the reference; this one is a stand-in. UNCONFIRMED.
        "providerId": "0ed90a81-07f4-4586-8190-b40eccef1c5a",
        "version": "1.0",
        "authSpec": [],
        "targetSpec": {
            "spec": {
                "$schema": "http://json-schema.org/draft-07/schema#",
                "type": "object",
                "properties": {"dataSetId": {"type": "string"}},
                "required": ["dataSetId"],
            }
        },
        "attributes": {"isDestination": False, "isTarget": True},
    },
}

FLOW_SPECS: dict[str, dict[str, Any]] = {
    GENERIC_STREAMING_FLOW_SPEC: {
        "id": GENERIC_STREAMING_FLOW_SPEC,
        "name": "GenericStreamingAEP",
        "providerId": STREAMING_PROVIDER,
        "version": "1.0",
        "sourceConnectionSpecIds": [SHOPIFY_STREAMING_CONNECTION_SPEC],
        "targetConnectionSpecIds": [DATA_LAKE_CONNECTION_SPEC],
        "transformationSpecs": [
            {
                "name": "Mapping",
                "spec": {
                    "$schema": "http://json-schema.org/draft-07/schema#",
                    "type": "object",
                    "properties": {
                        "mappingId": {"type": "string"},
                        "mappingVersion": {"type": "string"},
                    },
                    "required": ["mappingId", "mappingVersion"],
                },
            }
        ],
        "attributes": {
            "isSourceFlow": True,
            "flacValidationSupported": True,
            "frequency": "streaming",
            "uiAttributes": {"apiFeatures": {"updateSupported": True, "flowRunsSupported": True}},
        },
        "optionSpec": {
            "name": "OptionSpec",
            "spec": {
                "$schema": "http://json-schema.org/draft-07/schema#",
                "type": "object",
                "properties": {
                    "errorDiagnosticsEnabled": {"type": "boolean", "default": False},
                    "partialIngestionPercent": {"type": "number", "exclusiveMinimum": 0},
                    "inletUrl": {"type": "string", "description": "Populated by the service."},
                },
            },
        },
        "permissionsInfo": _PERMISSIONS,
    }
}


def connection_spec(spec_id: str) -> dict[str, Any] | None:
    spec = CONNECTION_SPECS.get(spec_id)
    return copy.deepcopy(spec) if spec is not None else None


def flow_spec(spec_id: str) -> dict[str, Any] | None:
    spec = FLOW_SPECS.get(spec_id)
    return copy.deepcopy(spec) if spec is not None else None


def is_source_spec(spec_id: str) -> bool:
    return "sourceSpec" in CONNECTION_SPECS.get(spec_id, {})


def is_target_spec(spec_id: str) -> bool:
    return "targetSpec" in CONNECTION_SPECS.get(spec_id, {})


def auth_spec(connection_spec_id: str, name: str) -> dict[str, Any] | None:
    for item in CONNECTION_SPECS.get(connection_spec_id, {}).get("authSpec", []):
        if item["name"] == name:
            return dict(item)
    return None


def secret_params(connection_spec_id: str, spec_name: str) -> set[str]:
    """Auth params of format ``password``: never shown in a GET."""
    spec = auth_spec(connection_spec_id, spec_name)
    if spec is None:
        return set()
    properties = spec["spec"].get("properties", {})
    return {key for key, schema in properties.items() if schema.get("format") == "password"}
