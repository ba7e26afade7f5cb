"""Structural validation with the JSON Schema, turning jsonschema errors into user-facing findings."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .findings import Finding, describe_type, quoted_list, show
from .schema import load_schema

_TYPE_WORDS = {
    "string": "a string",
    "object": "a mapping",
    "array": "a list",
    "boolean": "true or false",
    "integer": "an integer",
    "number": "a number",
    "null": "empty",
}


def structure_findings(data: Any) -> list[Finding]:
    validator = Draft202012Validator(load_schema())
    findings: list[Finding] = []
    for error in validator.iter_errors(data):
        findings.extend(_translate(error))
    return findings


def _translate(error: ValidationError) -> Iterator[Finding]:
    path = tuple(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    kind = error.validator
    value = error.instance

    if "propertyNames" in error.schema_path:
        # The offending key is the instance; point at the key itself, not the mapping holding it.
        allowed = schema.get("description", "see the schema")
        yield Finding((*path, str(value)), f"invalid name {show(value)}; allowed: {allowed}")
    elif kind == "additionalProperties" and isinstance(value, dict):
        allowed_keys = list(schema.get("properties", {}))
        for key in value:
            if key not in allowed_keys:
                yield Finding(
                    (*path, key), f'unknown key "{key}"; allowed keys here: {quoted_list(allowed_keys)}'
                )
    elif kind == "required" and isinstance(value, dict) and isinstance(error.validator_value, list):
        for key in error.validator_value:
            if key not in value:
                yield Finding(path, f'missing required key "{key}"')
    elif kind == "type":
        wanted = error.validator_value
        names = [wanted] if isinstance(wanted, str) else list(wanted) if isinstance(wanted, list) else []
        expected = " or ".join(_TYPE_WORDS.get(name, name) for name in names)
        yield Finding(path, f"must be {expected}, not {describe_type(value)}")
    elif kind == "enum" and isinstance(error.validator_value, list):
        allowed_values = ", ".join(str(v) for v in error.validator_value)
        if path == ("shopify", "api_version"):
            # Shopify itself would silently fall forward to the oldest stable version instead.
            yield Finding(path, f"unsupported API version {show(value)}; supported: {allowed_values}")
        else:
            yield Finding(path, f"{show(value)} is not allowed; allowed: {allowed_values}")
    elif kind in ("pattern", "minLength", "maxLength"):
        allowed = schema.get("description", f"must match {schema.get('pattern')}")
        yield Finding(path, f"{show(value)} is not valid; allowed: {allowed}")
    elif kind == "uniqueItems" and isinstance(value, list):
        counts = Counter(show(item) for item in value)
        repeated = ", ".join(item for item, count in counts.items() if count > 1)
        yield Finding(path, f"lists {repeated} more than once; list each value once")
    else:  # Not expected with our schema; jsonschema's own wording is still precise.
        yield Finding(path, error.message)
