"""Sanity checks of a subscription ``filter`` (Shopify search syntax), reference §8: ``:`` is equality,
``.`` reaches nested fields, a syntax error rejects the subscription, and an unknown field creates it but
suppresses every delivery; fields a filter uses must also be in ``include_fields``.

Shopify's grammar is not published in full, so this is deliberately shallow: it refuses what cannot be a
filter (nothing to test, unbalanced quotes or parentheses) and what silently delivers nothing (a field
``include_fields`` leaves out). Everything else is Shopify's to judge.
"""

from __future__ import annotations

import re

_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', re.DOTALL)
# A term's field: at the start, after whitespace or "(", optionally negated with "-".
_FIELD = re.compile(r"(?:^|(?<=[\s(]))-?([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*):")
_TYPE_TERM = re.compile(r"(?:^|(?<=[\s(]))type:(\S+)")


def filter_fields(text: str) -> list[str]:
    """The fields a filter tests, in order of first use (quoted values ignored)."""
    bare = _QUOTED.sub('""', text)
    fields: list[str] = []
    for field in _FIELD.findall(bare):
        if field not in fields:
            fields.append(field)
    return fields


def metaobject_type(text: str) -> str | None:
    """The value of a ``type:`` term (metaobject topics need one, §5), quotes removed."""
    found = _TYPE_TERM.search(text)
    return found.group(1).strip("\"'") if found else None


def _balanced(text: str) -> bool:
    depth = 0
    for ch in _QUOTED.sub('""', text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def filter_problems(text: str, include_fields: tuple[str, ...]) -> list[str]:
    """Sentences that follow the filter's text in a message; empty when it looks fine."""
    if not text.strip():
        return ['is blank; remove "filter" to receive every event']
    bare = _QUOTED.sub('""', text)
    if '"' in bare.replace('""', "") or bare.count("'") % 2:
        return ["has an unbalanced quote; close every quoted value"]
    if not _balanced(text):
        return ["has unbalanced parentheses"]
    fields = filter_fields(text)
    if not fields:
        return [
            'names no field to test; write terms as field:value, e.g. "variants.price:>=10.00" or '
            '"status:active AND vendor:Acme" (Shopify refuses a filter without fields)'
        ]
    if include_fields:
        missing = [
            field
            for field in fields
            if not any(field == wanted or field.startswith(wanted + ".") for wanted in include_fields)
        ]
        if missing:
            listed = ", ".join(f'"{field}"' for field in missing[:5])
            return [
                f"tests {listed}, which include_fields leaves out; Shopify filters the delivered payload, so "
                "such a filter never matches: add them to include_fields"
            ]
    return []
