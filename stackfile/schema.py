"""The stack file's JSON Schema (Draft 2020-12): structure, types and allowed keys.

The schema is built here from ``shopify_api.topics`` (so versions and topic suggestions never drift) and
shipped as ``stackfile.schema.json`` for editors; a test asserts the file equals ``build_schema()``.
Regenerate with ``python -m stackfile schema > stackfile/stackfile.schema.json``.
Checks that depend on other values (topics per API version, duplicates, the loopback rule) live in
``stackfile.checks``; the schema only carries light patterns so editors can flag obvious mistakes.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from aep_api.ids import DEFAULT_IMS_URL, DEFAULT_PLATFORM_URL
from shopify_api.topics import SUPPORTED_API_VERSIONS, UNSTABLE, known_topics

from .model import DEFAULT_ENDPOINT_TEMPLATE, DEFAULT_FORMAT

SCHEMA_FILE = Path(__file__).with_name("stackfile.schema.json")

SHOP_NAME_PATTERN = "^[a-z0-9][a-z0-9-]*$"
SHOP_NAME_MAX_LENGTH = 60
FORMATS = ("json", "xml")

_ADDRESS_DESCRIPTION = (
    "an https:// URL where Shopify delivers the webhooks; plain http:// only for loopback hosts "
    "(127.0.0.0/8, localhost, [::1])"
)


def build_schema() -> dict[str, Any]:
    topic_name = {
        "type": "string",
        "description": "A webhook topic in REST form, e.g. orders/create. Which topics exist depends on "
        "shopify.api_version.",
        "examples": sorted(known_topics(UNSTABLE)),
    }
    format_ = {
        "enum": list(FORMATS),
        "description": "Payload format.",
        "default": DEFAULT_FORMAT,
    }
    fields = {
        "type": "array",
        "uniqueItems": True,
        "items": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_]+$",
            "description": "a top-level field name of the payload, e.g. id or updated_at "
            "(letters, digits and underscores; only top-level fields can be selected)",
        },
        "description": "Only these top-level fields are delivered; empty means all fields.",
    }
    metafield_namespaces = {
        "type": "array",
        "uniqueItems": True,
        "items": {
            "type": "string",
            "pattern": "^\\S+$",
            "description": "a metafield namespace, e.g. custom (no spaces)",
        },
        "description": "Metafield namespaces whose metafields are included in the payload.",
    }
    # Descriptions of values with a pattern double as the "allowed: …" part of error messages.
    address = {
        "type": "string",
        "pattern": "^https?://",
        "description": _ADDRESS_DESCRIPTION,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "shopstream stack file (stacks/<stack>.yaml)",
        "description": "Desired state of one environment (Pulumi stack): Shopify webhook subscriptions "
        "per shop.",
        "type": "object",
        "additionalProperties": False,
        "required": ["shopify", "shops"],
        "properties": {
            "production": {
                "type": "boolean",
                "default": False,
                "description": "Marks a production environment (enables extra guardrails).",
            },
            "shopify": {
                "type": "object",
                "additionalProperties": False,
                "required": ["api_version"],
                "properties": {
                    "api_version": {
                        "enum": list(SUPPORTED_API_VERSIONS),
                        "description": "Shopify Admin API version used for requests and topic checks.",
                    },
                    "endpoint": {
                        "type": "string",
                        "pattern": "^https?://.*\\{shop\\}",
                        "default": DEFAULT_ENDPOINT_TEMPLATE,
                        "description": "an http(s) URL template containing {shop}, e.g. "
                        "https://{shop}.myshopify.com or http://127.0.0.1:8787/shops/{shop} "
                        "(plain http only for loopback hosts)",
                    },
                    "address": address,
                    "defaults": {
                        "type": "object",
                        "additionalProperties": False,
                        "description": "Options applied to every topic that does not set them.",
                        "properties": {
                            "format": format_,
                            "fields": fields,
                            "metafield_namespaces": metafield_namespaces,
                        },
                    },
                },
            },
            "platform": {"$ref": "#/$defs/platform"},
            "shops": {
                "type": "object",
                "description": "Shops by handle (the part before .myshopify.com).",
                "propertyNames": {
                    "pattern": SHOP_NAME_PATTERN,
                    "maxLength": SHOP_NAME_MAX_LENGTH,
                    "description": "a shop handle: lowercase letters, digits and hyphens, starting with "
                    f"a letter or digit, at most {SHOP_NAME_MAX_LENGTH} characters (the part before "
                    ".myshopify.com)",
                },
                "additionalProperties": {"$ref": "#/$defs/shop"},
            },
        },
        "$defs": {
            "platform": _platform_schema(),
            "shop": {
                "type": "object",
                "additionalProperties": False,
                "required": ["topics"],
                "properties": {
                    "topics": {
                        "type": "array",
                        "items": {"$ref": "#/$defs/topicEntry"},
                        "description": "Webhook topics this shop subscribes to.",
                    },
                },
            },
            "topicEntry": {
                "type": ["string", "object"],
                "description": "A topic name, or a mapping with `topic` and its own options.",
                "allOf": [
                    {"if": {"type": "string"}, "then": {"$ref": "#/$defs/topicName"}},
                    {"if": {"type": "object"}, "then": {"$ref": "#/$defs/topicWithOptions"}},
                ],
            },
            "topicName": topic_name,
            "topicWithOptions": {
                "type": "object",
                "additionalProperties": False,
                "required": ["topic"],
                "properties": {
                    "topic": {"$ref": "#/$defs/topicName"},
                    "address": address,
                    "format": format_,
                    "fields": fields,
                    "metafield_namespaces": metafield_namespaces,
                },
            },
        },
    }


def _platform_schema() -> dict[str, Any]:
    def service_url(default: str, what: str) -> dict[str, Any]:
        return {
            "type": "string",
            "pattern": "^https?://",
            "default": default,
            "description": f"the {what} base URL, e.g. {default} (plain http only for loopback hosts)",
        }

    return {
        "type": "object",
        "additionalProperties": False,
        "description": "The AEP Shopify-streaming pipeline (base, source and target connections, mapping "
        "set, dataflow). Subscriptions deliver to its inlet URL unless a topic sets its own address. "
        "Secrets come from stack config: aepClientSecret and shopifyAppSecret.",
        "required": ["ims_org", "sandbox", "client_id", "dataset_id", "schema_id", "flow_name", "mapping"],
        "properties": {
            "ims_url": service_url(DEFAULT_IMS_URL, "Adobe IMS"),
            "platform_url": service_url(DEFAULT_PLATFORM_URL, "Experience Platform API"),
            "ims_org": {
                "type": "string",
                "pattern": "^[A-Za-z0-9]+@AdobeOrg$",
                "description": "the IMS organization id, e.g. 0123456789ABCDEF01234567@AdobeOrg",
            },
            "sandbox": {
                "type": "string",
                "pattern": "^[a-z0-9][a-z0-9-]*$",
                "description": "the sandbox name, all lowercase, e.g. prod",
            },
            "client_id": {
                "type": "string",
                "minLength": 1,
                "description": "the OAuth server-to-server client id (also the x-api-key)",
            },
            "scopes": {
                "type": "string",
                "minLength": 1,
                "description": "comma-separated IMS scopes of the credential (default: the usual AEP set)",
            },
            "dataset_id": {
                "type": "string",
                "pattern": "^[0-9a-f]{24}$",
                "description": "the target dataset id (24 hexadecimal characters)",
            },
            "schema_id": {
                "type": "string",
                "pattern": "^https://ns\\.adobe\\.com/",
                "description": "the dataset's XDM schema $id, e.g. https://ns.adobe.com/acme/schemas/0a1b2c",
            },
            "schema_version": {
                "type": "string",
                "minLength": 1,
                "default": "1",
                "description": 'the XDM schema version: "1", "1.0" or a full XED content type',
            },
            "flow_name": {
                "type": "string",
                "minLength": 1,
                "maxLength": 256,
                "description": "the dataflow name (1 to 256 characters)",
            },
            "flow_description": {"type": "string", "default": ""},
            "verify_hmac": {
                "type": "boolean",
                "default": True,
                "description": "Give the base connection the Shopify app secret (stack config "
                "shopifyAppSecret) so the inlet verifies X-Shopify-Hmac-Sha256.",
            },
            "mapping": {
                "type": "array",
                "minItems": 1,
                "description": "Data Prep mappings from the raw Shopify payload to the dataset's XDM schema.",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["destination"],
                    "properties": {
                        "source": {
                            "type": "string",
                            "minLength": 1,
                            "description": "a payload path, e.g. id",
                        },
                        "expression": {
                            "type": "string",
                            "minLength": 1,
                            "description": 'a Data Prep expression, e.g. concat("order-", id)',
                        },
                        "destination": {
                            "type": "string",
                            "minLength": 1,
                            "description": "an XDM path, e.g. _id or _acme.order.id",
                        },
                    },
                },
            },
        },
    }


def render_schema() -> str:
    return json.dumps(build_schema(), indent=2) + "\n"


@cache
def load_schema() -> dict[str, Any]:
    """The shipped schema file (what editors see is exactly what the loader enforces)."""
    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return loaded
