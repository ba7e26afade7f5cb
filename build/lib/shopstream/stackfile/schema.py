"""The stack file's JSON Schema (Draft 2020-12): structure, types and allowed keys.

The schema is built here from ``shopstream.shopify_api.topics`` (so topic suggestions never drift) and
shipped as
``stackfile.schema.json`` for editors; a test asserts the file equals ``build_schema()``. It does not
depend on the date: which API versions Shopify serves today is a semantic check
(``shopstream.shopify_api.versions``).
Regenerate with ``python -m shopstream.stackfile schema > shopstream/stackfile/stackfile.schema.json``.
Checks that depend on other values (topics per API version, duplicates, URL rules, the owner marker) live
in ``shopstream.stackfile.checks``; the schema only carries light patterns so editors can flag obvious
mistakes.
Patterns are ECMA-262 as the standard says: ``$`` is the end of the text (``shopstream.stackfile.structure``
gives
them that meaning in Python too), and character classes are spelled out (``[0-9]``, not ``\\d``, which in
Python also matches other scripts' digits).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from shopstream.aep_api.ids import DEFAULT_IMS_URL, DEFAULT_PLATFORM_URL
from shopstream.shopify_api.addresses import ALLOWED_DESTINATIONS
from shopstream.shopify_api.topics import UNSTABLE, known_topics

from .model import DEFAULT_API, DEFAULT_ENDPOINT_TEMPLATE, DEFAULT_FORMAT

SCHEMA_FILE = Path(__file__).with_name("stackfile.schema.json")

SHOP_NAME_PATTERN = "^[a-z0-9][a-z0-9-]*$"
SHOP_NAME_MAX_LENGTH = 60
FORMATS = ("json", "xml")
APIS = ("graphql", "rest")
# §3.2: "Input arrays are limited to 250 items" (GraphQL); REST takes the same lists.
MAX_LIST_ITEMS = 250
# Shopify documents no limit for a filter; 4,096 characters is ours (UNCONFIRMED).
MAX_FILTER_LENGTH = 4096
# Each topic once per shop, and Shopify has about 260 topics.
MAX_TOPICS = 500
# Ours: a stack of more shops is better split (and each shop is a request per run).
MAX_SHOPS = 1000
CLIENT_ID_PATTERN = "^[A-Za-z0-9_.-]{1,100}$"
API_VERSION_PATTERN = "^([0-9]{4}-(01|04|07|10)|unstable)$"

_ADDRESS_DESCRIPTION = (
    ALLOWED_DESTINATIONS.replace("an https:// URL", "an https:// URL where Shopify delivers the webhooks")
    + "; Pub/Sub and EventBridge need shopify.api graphql and format json; plain http:// only for loopback "
    "hosts (127.0.0.0/8, localhost, [::1])"
)


def build_schema() -> dict[str, Any]:
    topic_name = {
        "type": "string",
        "maxLength": 100,
        "description": "A webhook topic, in REST form (orders/create) or as the GraphQL enum "
        "(ORDERS_CREATE). Which topics exist depends on shopify.api_version.",
        "examples": sorted(known_topics(UNSTABLE)),
    }
    format_ = {
        "enum": list(FORMATS),
        "description": "Payload format (Pub/Sub and EventBridge: json only).",
        "default": DEFAULT_FORMAT,
    }

    def fields(synonym: str) -> dict[str, Any]:
        return {
            "type": "array",
            "uniqueItems": True,
            "maxItems": MAX_LIST_ITEMS,
            "items": {
                "type": "string",
                "maxLength": 255,
                "pattern": "^[A-Za-z0-9_]+([.][A-Za-z0-9_]+)*$",
                "description": "a payload field, e.g. id or updated_at (letters, digits and underscores); "
                "with shopify.api graphql also a nested path such as variants.price",
            },
            "description": f"Only these fields are delivered; empty means all fields ({synonym}).",
        }

    metafield_namespaces = {
        "type": "array",
        "uniqueItems": True,
        "maxItems": MAX_LIST_ITEMS,
        "items": {
            "type": "string",
            # Letters, digits, _ - . and the $app: prefix of app-owned namespaces (character set UNCONFIRMED).
            "pattern": "^[A-Za-z0-9_.:$-]{1,255}$",
            "description": "a metafield namespace, e.g. custom or $app:loyalty (letters, digits, '_', '-', "
            "'.', ':' and '$'; no spaces)",
        },
        "description": "Metafield namespaces whose metafields are included in the payload.",
    }
    # Descriptions of values with a pattern double as the "allowed: …" part of error messages.
    address = {
        "type": "string",
        "pattern": "^(https?://|pubsub://|arn:)",
        "description": _ADDRESS_DESCRIPTION,
    }
    uri = {**address, "description": f"synonym of address (the GraphQL name): {_ADDRESS_DESCRIPTION}"}
    client_id = {
        "type": "string",
        "pattern": CLIENT_ID_PATTERN,
        "description": "the app's client id from the Dev Dashboard (not a secret; the client secret is stack "
        "config shopifyClientSecret or shopifyClientSecrets.<shop>): letters, digits, '_', '.' and '-'",
    }
    defaults_properties = {
        "format": format_,
        "fields": fields("REST name; synonym: include_fields"),
        "include_fields": fields("GraphQL name; synonym: fields"),
        "metafield_namespaces": metafield_namespaces,
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
                        "type": "string",
                        "pattern": API_VERSION_PATTERN,
                        "description": "Shopify Admin API version used for requests and topic checks: "
                        "YYYY-01, -04, -07 or -10 while Shopify serves it (this quarter's, the three "
                        "before it, the release candidate) or unstable; "
                        "`python -m shopstream.stackfile versions` lists today's",
                    },
                    "api": {
                        "enum": list(APIS),
                        "default": DEFAULT_API,
                        "description": "Which Admin API manages the subscriptions: graphql (the default; "
                        "needed for filter, name, nested fields, Pub/Sub and EventBridge) or rest (legacy "
                        "custom apps).",
                    },
                    "endpoint": {
                        "type": "string",
                        "pattern": "^https?://.*[{]shop[}]",
                        "default": DEFAULT_ENDPOINT_TEMPLATE,
                        "description": "an http(s) URL template containing {shop}, e.g. "
                        "https://{shop}.myshopify.com or http://127.0.0.1:8787/shops/{shop} "
                        "(plain http only for loopback hosts)",
                    },
                    "client_id": {
                        **client_id,
                        "description": f"{client_id['description']}; for every shop that sets none",
                    },
                    "address": address,
                    "uri": uri,
                    "defaults": {
                        "type": "object",
                        "additionalProperties": False,
                        "description": "Options applied to every topic that does not set them.",
                        "properties": defaults_properties,
                    },
                },
            },
            "platform": {"$ref": "#/$defs/platform"},
            "shops": {
                "type": "object",
                "maxProperties": MAX_SHOPS,
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
                        "maxItems": MAX_TOPICS,
                        "items": {"$ref": "#/$defs/topicEntry"},
                        "description": "Webhook topics this shop subscribes to (each topic once).",
                    },
                    "client_id": {
                        **client_id,
                        "description": f"{client_id['description']}; overrides shopify.client_id",
                    },
                },
            },
            "topicEntry": {
                "type": ["string", "object"],
                "description": "A topic name, or a mapping with `topic` and its own options.",
                # if/then/else rather than allOf of two ifs: a string (the usual entry) costs one test.
                "if": {"type": "string"},
                "then": {"$ref": "#/$defs/topicName"},
                "else": {"if": {"type": "object"}, "then": {"$ref": "#/$defs/topicWithOptions"}},
            },
            "topicName": topic_name,
            "topicWithOptions": {
                "type": "object",
                "additionalProperties": False,
                "required": ["topic"],
                "properties": {
                    "topic": {"$ref": "#/$defs/topicName"},
                    "address": address,
                    "uri": uri,
                    **defaults_properties,
                    "filter": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": MAX_FILTER_LENGTH,
                        "description": 'a Shopify search-syntax filter, e.g. "variants.price:>=10.00" '
                        f"(GraphQL only; at most {MAX_FILTER_LENGTH} characters); only matching events "
                        "are delivered",
                    },
                    "name": {
                        "type": "string",
                        "pattern": "^[A-Za-z0-9_-]+$",
                        "maxLength": 50,
                        "description": "a label for this subscription (GraphQL, API 2026-04+): letters, "
                        "digits, '-' and '_', at most 50 characters; Shopify gets "
                        "<project>--<stack>--<label>",
                    },
                    "adopt": {
                        "type": "boolean",
                        "default": False,
                        "description": "Take over an existing identical subscription that no stack "
                        "marks as its own (REST has no owner marker, so adoption needs this there).",
                    },
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
