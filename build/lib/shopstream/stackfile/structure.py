"""Structural validation with the JSON Schema, turning jsonschema errors into user-facing findings."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import date
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

from shopstream.shopify_api import versions

from .findings import Finding, cut, describe_type, quoted_list, show
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


@cache
def _python_pattern(pattern: str) -> re.Pattern[str]:
    """A schema pattern with ECMA-262 meaning in Python: there, ``$`` (no multiline flag) is the end of
    the input; in Python it also matches before a final newline, so "acme\\n" would pass ``^[a-z]+$``."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _python_pattern(pattern).search(instance):
        yield ValidationError(f"{show(instance)} does not match {pattern!r}")


def _canonical(item: Any) -> str:
    try:
        return json.dumps(item, sort_keys=True, default=repr)
    except (TypeError, ValueError, RecursionError):
        return repr(item)


def _repeated(items: list[Any]) -> list[Any]:
    """Items that occur more than once, each once, in order of their second occurrence."""
    seen: set[str] = set()
    reported: set[str] = set()
    repeated: list[Any] = []
    for item in items:
        key = _canonical(item)
        if key in seen and key not in reported:
            reported.add(key)
            repeated.append(item)
        seen.add(key)
    return repeated


def _unique_items(validator: Any, unique: bool, instance: Any, schema: Any) -> Iterator[ValidationError]:
    """jsonschema's own check falls back to comparing every pair when items do not sort (a list mixing
    strings and mappings): quadratic on a long list. Canonical JSON text makes it one pass."""
    if not unique or not validator.is_type(instance, "array"):
        return
    if _repeated(instance):
        yield ValidationError("has non-unique elements")


def _within_limits(
    keyword: Callable[..., Iterator[ValidationError]],
) -> Callable[..., Iterator[ValidationError]]:
    """A keyword that descends into the items (or values) only when the container is within its
    ``maxItems``/``maxProperties``: past it, that one error says enough, and descending into a huge list
    would cost more than the whole file is worth."""

    def checked(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
        if isinstance(instance, list | dict):
            limit = schema.get("maxItems" if isinstance(instance, list) else "maxProperties")
            if isinstance(limit, int) and len(instance) > limit:
                return
        yield from keyword(validator, value, instance, schema)

    return checked


_BASE = Draft202012Validator.VALIDATORS
_Validator: Callable[[dict[str, Any]], Any] = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator,
    {
        "pattern": _pattern,
        "uniqueItems": _within_limits(_unique_items),
        "items": _within_limits(_BASE["items"]),
        "additionalProperties": _within_limits(_BASE["additionalProperties"]),
        "propertyNames": _within_limits(_BASE["propertyNames"]),
    },
)


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """The schema with every local ``$ref`` replaced by its definition: resolving a reference costs
    jsonschema a registry lookup per instance, which dominates on a file with thousands of topics."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and len(node) == 1:
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {key: _inline(value, defs) for key, value in node.items() if key != "$defs"}
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    return node


@cache
def _validator() -> Any:
    schema = load_schema()
    return _Validator(_inline(schema, schema.get("$defs", {})))


def structure_findings(data: Any, today: date) -> list[Finding]:
    findings: list[Finding] = []
    for error in _validator().iter_errors(data):
        findings.extend(_translate(error, today))
    return findings


def _translate(error: ValidationError, today: date) -> Iterator[Finding]:
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
                    (*path, key), f"unknown key {show(key)}; allowed keys here: {quoted_list(allowed_keys)}"
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
    elif path == ("shopify", "api_version") and kind == "pattern":
        # Shopify itself would silently fall forward to the oldest stable version instead.
        yield Finding(path, unsupported_version_message(value, today))
    elif kind == "enum" and isinstance(error.validator_value, list):
        allowed_values = ", ".join(str(v) for v in error.validator_value)
        yield Finding(path, f"{show(value)} is not allowed; allowed: {allowed_values}")
    elif kind in ("pattern", "minLength", "maxLength"):
        allowed = schema.get("description", f"must match {schema.get('pattern')}")
        yield Finding(path, f"{show(value)} is not valid; allowed: {allowed}")
    elif kind == "maxItems" and isinstance(value, list):
        yield Finding(path, f"lists {len(value)} items; at most {error.validator_value} are allowed")
    elif kind == "maxProperties" and isinstance(value, dict):
        yield Finding(path, f"has {len(value)} entries; at most {error.validator_value} are allowed")
    elif kind == "minItems" and isinstance(value, list):
        yield Finding(path, f"lists {len(value)} items; at least {error.validator_value} are needed")
    elif kind == "uniqueItems" and isinstance(value, list):
        repeated = ", ".join(show(item) for item in _repeated(value)[:5])
        yield Finding(path, f"lists {repeated} more than once; list each value once")
    else:  # Not expected with our schema; jsonschema's own wording is still precise.
        yield Finding(path, cut(error.message, 200))


def unsupported_version_message(value: Any, today: date) -> str:
    supported = ", ".join(versions.supported_versions(today))
    return f"unsupported API version {show(value)}; supported: {supported}"
