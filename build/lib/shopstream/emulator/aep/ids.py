"""Fixed ids of the AEP objects the emulator serves (reference §0) and generators for new ids in the
shapes AEP uses."""

from __future__ import annotations

import base64
import secrets
import uuid

SHOPIFY_STREAMING_CONNECTION_SPEC = "e77fd9d2-22a8-11ed-861d-0242ac120002"
GENERIC_STREAMING_FLOW_SPEC = "e77fde5a-22a8-11ed-861d-0242ac120002"
STREAMING_PROVIDER = "521eee4d-8cbe-4906-bb48-fb6bd4450033"
DATA_LAKE_CONNECTION_SPEC = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"

XED_FULL_CONTENT_TYPE = "application/vnd.adobe.xed-full+json;version=1"
XED_CONTENT_TYPE = "application/vnd.adobe.xed+json;version=1"


def new_uuid() -> str:
    """Flow Service object ids, sandbox ids."""
    return str(uuid.uuid4())


def new_etag() -> str:
    """An etag as Flow Service returns it: a string that itself holds double quotes, ``"\\"<guid>\\""``."""
    return f'"{uuid.uuid4()}"'


def new_mapping_set_id() -> str:
    """Data Prep mapping set ids: 32 hex digits, no dashes."""
    return secrets.token_hex(16)


def new_dataset_id() -> str:
    """Catalog dataset ids: 24 hex digits."""
    return secrets.token_hex(12)


def new_inlet_id() -> str:
    """Streaming inlet ids: 64 hex digits (last path segment of ``options.inletUrl``)."""
    return secrets.token_hex(32)


def new_schema_hash() -> str:
    return secrets.token_hex(24)


def new_org_id() -> str:
    return secrets.token_hex(12).upper() + "@AdobeOrg"


def new_client_id() -> str:
    return secrets.token_hex(16)


def new_client_secret() -> str:
    # Developer Console OAuth server-to-server secrets start with "p8e-".
    return "p8e-" + secrets.token_urlsafe(24)


# Real IMS access tokens are JWTs (RS256, key named in x5u); ours share that header so a leak of one is easy
# to spot in logs and state, but the rest is random: clients must not look inside either way.
IMS_TOKEN_HEADER = (
    base64.urlsafe_b64encode(
        b'{"alg":"RS256","x5u":"ims_na1-key-at-1.cer","kid":"ims_na1-key-at-1","itt":"at"}'
    )
    .rstrip(b"=")
    .decode()
)


def new_access_token() -> str:
    return f"{IMS_TOKEN_HEADER}.{secrets.token_urlsafe(48)}.{secrets.token_urlsafe(32)}"
