"""Request bodies for the Shopify Streaming pipeline objects and the checks used to adopt existing ones
(aep-platform-api.md §1.2-§1.6).  Pure functions over plain dicts.

"Identity" fields are those that cannot be changed in place (spec ids, connection ids, dataset and
schema): an existing object is adopted only when they all match.  "Mutable" fields (name, description,
secret, mapping) are PATCHed afterwards if they differ.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from shopstream.aep_api import ids

_BARE_VERSION = re.compile(r"^\d+(\.\d+)?$")
_ADOPTABLE_STATES_EXCLUDED = ("delet",)  # deleted, delete-finalizing …


def _named(name: str, description: str | None) -> dict[str, str]:
    """name, plus description only when there is one (an empty description is rejected by the
    emulator and pointless in AEP; adding one later is an `add /description`)."""
    return {"name": name, "description": description} if description else {"name": name}


def spec_ref(spec_id: str) -> dict[str, str]:
    return {"id": spec_id, "version": ids.SPEC_VERSION}


def xed_content_type(version: str) -> str:
    """'1' / '1.0' → 'application/vnd.adobe.xed-full+json;version=1'; a full content type is kept.

    ValueError for anything else.  Both ';version=1' and ';version=1.0' appear in Adobe docs (§1.3),
    so the number is kept as given.
    """
    value = version.strip()
    if _BARE_VERSION.match(value):
        return f"{ids.XED_FULL_CONTENT_TYPE};version={value}"
    if value.startswith("application/") and ";version=" in value.replace(" ", ""):
        return value.replace(" ", "")
    raise ValueError(f"schema version {version!r} is neither a number like 1 nor an XED content type")


def _version_number(content_type: str) -> str:
    number = content_type.replace(" ", "").rsplit(";version=", 1)[-1]
    return number[:-2] if number.endswith(".0") else number


def same_schema_version(a: object, b: object) -> bool:
    """Content types compared by version number (…;version=1 equals …;version=1.0)."""
    if not isinstance(a, str) or not isinstance(b, str):
        return False
    try:
        return _version_number(xed_content_type(a)) == _version_number(xed_content_type(b))
    except ValueError:
        return a == b


# ---- base connection ------------------------------------------------------------------------------------


def hmac_auth(hmac_secret: str) -> dict[str, Any]:
    return {"specName": ids.HMAC_AUTH_SPEC_NAME, "params": {ids.HMAC_SECRET_PARAM: hmac_secret}}


def base_connection(name: str, description: str, hmac_secret: str) -> dict[str, Any]:
    return {
        **_named(name, description),
        "connectionSpec": spec_ref(ids.SHOPIFY_STREAMING_CONNECTION_SPEC),
        "auth": hmac_auth(hmac_secret),
    }


BASE_CONNECTION_PATCH = {"name": "/name", "description": "/description", "auth_params": "/auth/params"}


def base_connection_view(desired: Mapping[str, Any]) -> dict[str, Any]:
    """Desired mutable fields keyed as in BASE_CONNECTION_PATCH."""
    return {
        "name": desired.get("name"),
        "description": desired.get("description") or None,
        "auth_params": {ids.HMAC_SECRET_PARAM: desired.get("hmac_secret")},
    }


def base_connection_matches(item: Mapping[str, Any], desired: Mapping[str, Any]) -> bool:
    auth = item.get("auth")
    spec_name = auth.get("specName") if isinstance(auth, Mapping) else None
    return (
        _usable(item)
        and item.get("name") == desired.get("name")
        and _spec_id(item, "connectionSpec") == ids.SHOPIFY_STREAMING_CONNECTION_SPEC
        and spec_name in (None, ids.HMAC_AUTH_SPEC_NAME)
    )


# ---- source connection ----------------------------------------------------------------------------------


def source_connection(name: str, description: str, base_connection_id: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        **_named(name, description),
        "providerId": ids.STREAMING_PROVIDER_ID,
        "connectionSpec": spec_ref(ids.SHOPIFY_STREAMING_CONNECTION_SPEC),
        "data": {"format": ids.DATA_FORMAT},
    }
    if base_connection_id:
        body["baseConnectionId"] = base_connection_id
    return body


NAME_DESCRIPTION_PATCH = {"name": "/name", "description": "/description"}


def name_description_view(desired: Mapping[str, Any]) -> dict[str, Any]:
    """Desired name and description keyed as in NAME_DESCRIPTION_PATCH ('' = no description)."""
    return {"name": desired.get("name"), "description": desired.get("description") or None}


def source_connection_matches(item: Mapping[str, Any], desired: Mapping[str, Any]) -> bool:
    data = item.get("data")
    fmt = data.get("format") if isinstance(data, Mapping) else None
    return (
        _usable(item)
        and item.get("name") == desired.get("name")
        and _spec_id(item, "connectionSpec") == ids.SHOPIFY_STREAMING_CONNECTION_SPEC
        and (item.get("baseConnectionId") or None) == (desired.get("base_connection_id") or None)
        and fmt in (None, ids.DATA_FORMAT)
    )


# ---- target connection ----------------------------------------------------------------------------------


def target_connection(
    name: str, description: str, dataset_id: str, schema_id: str, schema_version: str
) -> dict[str, Any]:
    return {
        **_named(name, description),
        "connectionSpec": spec_ref(ids.DATA_LAKE_TARGET_CONNECTION_SPEC),
        "data": {
            "format": ids.DATA_FORMAT,
            "schema": {"id": schema_id, "version": xed_content_type(schema_version)},
        },
        "params": {"dataSetId": dataset_id},
    }


def target_connection_matches(item: Mapping[str, Any], desired: Mapping[str, Any]) -> bool:
    schema = obj(obj(item.get("data")).get("schema"))
    params = obj(item.get("params"))
    return (
        _usable(item)
        and item.get("name") == desired.get("name")
        and _spec_id(item, "connectionSpec") == ids.DATA_LAKE_TARGET_CONNECTION_SPEC
        and params.get("dataSetId") == desired.get("dataset_id")
        and schema.get("id") == desired.get("schema_id")
        and same_schema_version(schema.get("version"), desired.get("schema_version"))
    )


# ---- mapping set ----------------------------------------------------------------------------------------


def mapping_set(schema_id: str, schema_version: str, mappings: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Current Data Prep style (§1.4 b); `mappings` items use the API's keys (sourceType, source,
    destination)."""
    return {
        "outputSchema": {"schemaRef": {"id": schema_id, "contentType": xed_content_type(schema_version)}},
        "mappings": [
            {"sourceType": m["sourceType"], "source": m["source"], "destination": m["destination"]}
            for m in mappings
        ],
    }


# ---- dataflow -------------------------------------------------------------------------------------------


def mapping_transformation(mapping_id: str, mapping_version: int) -> dict[str, Any]:
    return {
        "name": ids.MAPPING_TRANSFORMATION,
        "params": {"mappingId": mapping_id, "mappingVersion": int(mapping_version)},
    }


def flow(
    name: str,
    description: str,
    source_connection_id: str,
    target_connection_id: str,
    mapping_id: str,
    mapping_version: int,
) -> dict[str, Any]:
    return {
        **_named(name, description),
        "flowSpec": spec_ref(ids.SHOPIFY_STREAMING_FLOW_SPEC),
        "sourceConnectionIds": [source_connection_id],
        "targetConnectionIds": [target_connection_id],
        "transformations": [mapping_transformation(mapping_id, mapping_version)],
    }


FLOW_PATCH = {"name": "/name", "description": "/description", "transformation": "/transformations/0"}


def flow_view(desired: Mapping[str, Any]) -> dict[str, Any]:
    """Desired mutable fields keyed as in FLOW_PATCH."""
    return {
        "name": desired.get("name"),
        "description": desired.get("description") or None,
        "transformation": mapping_transformation(
            str(desired.get("mapping_id")), int(desired.get("mapping_version") or 0)
        ),
    }


def flow_matches(item: Mapping[str, Any], desired: Mapping[str, Any]) -> bool:
    return (
        _usable(item)
        and item.get("name") == desired.get("name")
        and _spec_id(item, "flowSpec") == ids.SHOPIFY_STREAMING_FLOW_SPEC
        and item.get("sourceConnectionIds") == [desired.get("source_connection_id")]
        and item.get("targetConnectionIds") == [desired.get("target_connection_id")]
    )


def flow_mapping(item: Mapping[str, Any]) -> tuple[str | None, int | None]:
    """(mappingId, mappingVersion) of a flow's Mapping transformation, as far as present."""
    for transformation in item.get("transformations") or []:
        if isinstance(transformation, Mapping) and transformation.get("name") == ids.MAPPING_TRANSFORMATION:
            params = obj(transformation.get("params"))
            mapping_id = params.get("mappingId")
            version = params.get("mappingVersion")
            try:
                number = int(version) if version is not None else None
            except (TypeError, ValueError):
                number = None
            return (str(mapping_id) if mapping_id is not None else None), number
    return None, None


def inlet_url(item: Mapping[str, Any]) -> str | None:
    options = item.get("options")
    value = options.get("inletUrl") if isinstance(options, Mapping) else None
    return value if isinstance(value, str) and value else None


def inlet_id(url: str | None) -> str | None:
    """The last path segment of an inlet URL (64 hex for DCS)."""
    if not url:
        return None
    return url.rstrip("/").rsplit("/", 1)[-1] or None


# ---- helpers --------------------------------------------------------------------------------------------


def obj(value: object) -> Mapping[str, Any]:
    """`value` if it is a JSON object, else an empty one (for tolerant reads of API answers)."""
    return value if isinstance(value, Mapping) else {}


def _spec_id(item: Mapping[str, Any], key: str) -> object:
    spec = item.get(key)
    return spec.get("id") if isinstance(spec, Mapping) else None


def _usable(item: Mapping[str, Any]) -> bool:
    state = str(item.get("state") or "").lower()
    return not any(marker in state for marker in _ADOPTABLE_STATES_EXCLUDED)


def pick_oldest(items: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """Deterministic choice among several adoptable objects: the oldest (then lowest id)."""
    if not items:
        return None
    return min(items, key=lambda i: (_number(i.get("createdAt")), str(i.get("id"))))


def _number(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0
