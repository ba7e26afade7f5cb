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


def render_schema() -> str:
    return json.dumps(build_schema(), indent=2) + "\n"


@cache
def load_schema() -> dict[str, Any]:
    """The shipped schema file (what editors see is exactly what the loader enforces)."""
    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return loaded
