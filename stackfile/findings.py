"""A problem before it has a file and line: a path into the data and a message."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .yamldoc import DataPath


@dataclass(frozen=True)
class Finding:
    path: DataPath
    message: str
    line: int | None = None  # when the path's own line is not the right one (a repeated YAML key)


def format_path(path: DataPath) -> str:
    """``("shops", "acme-eu", "topics", 2, "address")`` -> ``shops.acme-eu.topics[2].address``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def show(value: Any) -> str:
    """A value as the user would recognise it in YAML/JSON (strings in double quotes)."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


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
