"""A problem before it has a file and line: a path into the data and a message; and how values are shown.

Messages end up in a terminal and in Pulumi's log (sent over gRPC as UTF-8), so everything shown from the
user's file goes through ``show``/``printable``: control characters and unpaired surrogates are escaped,
and long values are cut.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from .yamldoc import DataPath

# What a message quotes from the file; enough to recognise the value.
MAX_SHOWN_CHARS = 80

# C0/C1 controls, unpaired surrogates, line/paragraph separators and format characters (bidi overrides):
# none of them may reach a terminal or a protobuf string unescaped.
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)


@dataclass(frozen=True)
class Finding:
    path: DataPath
    message: str
    line: int | None = None  # when the path's own line is not the right one (a repeated YAML key)


def printable(text: str) -> str:
    """``text`` with every unprintable character written as ``\\uXXXX`` (always valid UTF-8)."""
    return _UNPRINTABLE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def cut(text: str, limit: int = MAX_SHOWN_CHARS) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} characters)"


def _path_part(part: str) -> str:
    return printable(cut(part, 100))


def format_path(path: DataPath) -> str:
    """``("shops", "acme-eu", "topics", 2, "address")`` -> ``shops.acme-eu.topics[2].address``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{_path_part(part)}" if text else _path_part(part)
    return text


def show(value: Any) -> str:
    """A value as the user would recognise it in YAML/JSON (strings in double quotes), cut to a readable
    length and escaped."""
    if isinstance(value, str):
        # Cut before quoting, so that a megabyte string costs nothing.
        text = value if len(value) <= MAX_SHOWN_CHARS else f"{value[:MAX_SHOWN_CHARS]}…"
        quoted = json.dumps(text, ensure_ascii=False)
        return printable(quoted + (f" ({len(value)} characters)" if len(value) > MAX_SHOWN_CHARS else ""))
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        # str() of a huge int is slow and refused past 4300 digits.
        return f"an integer of about {int(value.bit_length() * 0.30103)} digits"
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        text = type(value).__name__
    return printable(cut(text))


def describe_type(value: Any) -> str:
    if value is None:
        return "empty (null: nothing after the colon)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    # e.g. datetime.date from an unquoted 2026-10-01
    return f"a {type(value).__name__}"


def quoted_list(values: list[str] | tuple[str, ...]) -> str:
    return ", ".join(f'"{value}"' for value in values)


def path_sort_key(path: DataPath) -> tuple[tuple[int, int | str], ...]:
    """Document order within a line: indexes numerically, keys alphabetically."""
    return tuple((0, part) if isinstance(part, int) else (1, part) for part in path)
