"""Fixed AEP ids and content types (aep-platform-api.md §0, §1).

The Shopify Streaming connection spec is the generic Streaming-SDK spec; whether the live catalog tile
has its own id is UNCONFIRMED (§0), so the providers confirm it with GET /connectionSpecs/{id} before
creating a base connection.
"""

from __future__ import annotations

SHOPIFY_STREAMING_CONNECTION_SPEC = "e77fd9d2-22a8-11ed-861d-0242ac120002"
SHOPIFY_STREAMING_FLOW_SPEC = "e77fde5a-22a8-11ed-861d-0242ac120002"
STREAMING_PROVIDER_ID = "521eee4d-8cbe-4906-bb48-fb6bd4450033"
DATA_LAKE_TARGET_CONNECTION_SPEC = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
SPEC_VERSION = "1.0"

# Our choice for the base connection's auth (UNCONFIRMED in the reference; see /tmp design notes):
# the emulator serves it as the connection spec's authSpec.
HMAC_AUTH_SPEC_NAME = "HMAC Authentication"
HMAC_SECRET_PARAM = "hmacSecret"

MAPPING_TRANSFORMATION = "Mapping"  # transformations[].name must be exactly this (§1.5)
DATA_FORMAT = "json"  # "Currently, the only supported data format is json" (§1.2); Shopify tutorial (§1.3)

XED_FULL_CONTENT_TYPE = "application/vnd.adobe.xed-full+json"
SOURCE_TYPES = ("ATTRIBUTE", "EXPRESSION")

DEFAULT_IMS_URL = "https://ims-na1.adobelogin.com"
DEFAULT_PLATFORM_URL = "https://platform.adobe.io"
IMS_TOKEN_PATH = "/ims/token/v3"
FLOW_SERVICE_PATH = "/data/foundation/flowservice"
DATA_PREP_PATH = "/data/foundation/conversion"  # the Shopify tutorial's curl drops /conversion (doc bug)
CATALOG_PATH = "/data/foundation/catalog"

CLIENT_SECRET_CONFIG_KEY = "aepClientSecret"
