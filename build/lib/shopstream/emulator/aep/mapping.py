"""Data Prep mappings applied to raw JSON: the emulator's subset of Data Prep (design decision).

A mapping is ``{sourceType, source, destination}``:

* ``ATTRIBUTE``: ``source`` is a path into the raw message: dotted keys, optional ``[n]`` indexes
  (``customer.email``, ``line_items[0].sku``).
* ``EXPRESSION``: ``source`` is an expression in this grammar::

      expr := "string" | number | path | name(expr, ...)

  strings are double-quoted (``\\"`` and ``\\\\`` escape); functions: ``concat(a, b, ...)``,
  ``lower(x)``, ``upper(x)``, ``to_string(x)`` (names case-insensitive).
* ``destination`` is a dotted XDM path (``_id``, ``_tenant.order.total``), created as nested objects.

Null handling (UNCONFIRMED for Data Prep, our rule): a missing source value maps to nothing (the
destination is left out); a function of a null argument is null (``concat`` too, so a record never gets
an ``_id`` built from a missing field).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SOURCE_TYPES = ("ATTRIBUTE", "EXPRESSION")

_NAME_CHARS = re.compile(r"[^\s.\[\]()\",]+")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_DESTINATION_STEP = re.compile(r"^[A-Za-z_@$][\w@$:-]*$")


class MappingError(ValueError):
    """An invalid mapping, or a mapping that cannot be applied to a message."""


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Path:
    steps: tuple[str | int, ...]


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


Node = Literal | Path | Call


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _concat(*args: Any) -> Any:
    if any(arg is None for arg in args):
        return None
    return "".join(_text(arg) for arg in args)


def _one(function: Callable[[Any], Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        return None if args[0] is None else function(args[0])

    return call


FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int | None]] = {
    # name -> (implementation, minimum arguments, maximum arguments)
    "concat": (_concat, 1, None),
    "lower": (_one(lambda value: _text(value).lower()), 1, 1),
    "upper": (_one(lambda value: _text(value).upper()), 1, 1),
    "to_string": (_one(_text), 1, 1),
}


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, message: str) -> MappingError:
        return MappingError(f"{message} at position {self.pos} in {self.text!r}")

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        self.skip_space()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise self.error(f"expected {char!r}")
        self.pos += 1

    def expression(self) -> Node:
        char = self.peek()
        if char == '"':
            return Literal(self.string())
        number = _NUMBER.match(self.text, self.pos)
        if number and (number.end() == len(self.text) or not _NAME_CHARS.match(self.text[number.end()])):
            self.pos = number.end()
            literal = number.group(0)
            return Literal(float(literal) if number.group(1) else int(literal))
        name = _NAME_CHARS.match(self.text, self.pos)
        if name is None:
            raise self.error("expected a string, a number, a path or a function call")
        if self.text.startswith("(", name.end()) or self.text[name.end() :].lstrip().startswith("("):
            return self.call()
        return self.path()

    def string(self) -> str:
        self.expect('"')
        chars: list[str] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            self.pos += 1
            if char == "\\":
                if self.pos >= len(self.text):
                    break
                chars.append(self.text[self.pos])
                self.pos += 1
            elif char == '"':
                return "".join(chars)
            else:
                chars.append(char)
        raise self.error("unterminated string")

    def call(self) -> Node:
        name_match = _NAME_CHARS.match(self.text, self.pos)
        assert name_match is not None
        name = name_match.group(0).lower()
        self.pos = name_match.end()
        if name not in FUNCTIONS:
            raise self.error(
                f"unsupported function {name_match.group(0)!r} (supported: {', '.join(FUNCTIONS)})"
            )
        self.expect("(")
        args: list[Node] = []
        if self.peek() != ")":
            args.append(self.expression())
            while self.peek() == ",":
                self.pos += 1
                args.append(self.expression())
        self.expect(")")
        _, minimum, maximum = FUNCTIONS[name]
        if len(args) < minimum or (maximum is not None and len(args) > maximum):
            raise self.error(f"wrong number of arguments for {name}()")
        return Call(name, tuple(args))

    def path(self) -> Path:
        steps: list[str | int] = []
        while True:
            name = _NAME_CHARS.match(self.text, self.pos)
            if name is None:
                raise self.error("expected an attribute name")
            steps.append(name.group(0))
            self.pos = name.end()
            while self.text.startswith("[", self.pos):
                end = self.text.find("]", self.pos)
                index = self.text[self.pos + 1 : end] if end > 0 else ""
                if not index.isdigit():
                    raise self.error("expected an array index")
                steps.append(int(index))
                self.pos = end + 1
            if not self.text.startswith(".", self.pos):
                return Path(tuple(steps))
            self.pos += 1

    def finish(self) -> None:
        if self.peek():
            raise self.error("unexpected text")


def parse_expression(text: str) -> Node:
    parser = _Parser(text)
    node = parser.expression()
    parser.finish()
    return node


def parse_path(text: str) -> Path:
    parser = _Parser(text.strip())
    node = parser.path()
    parser.finish()
    return node


def parse_destination(text: str) -> tuple[str, ...]:
    steps = tuple(text.split("."))
    if not text or not all(_DESTINATION_STEP.match(step) for step in steps):
        raise MappingError(f"invalid destination path {text!r}")
    return steps


def lookup(source: Any, steps: tuple[str | int, ...]) -> Any:
    node = source
    for step in steps:
        in_list = isinstance(step, int) and isinstance(node, list) and step < len(node)
        in_dict = isinstance(step, str) and isinstance(node, dict) and step in node
        if not (in_list or in_dict):
            return None
        node = node[step]
    return node


def evaluate(node: Node, source: Any) -> Any:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Path):
        return lookup(source, node.steps)
    function, _, _ = FUNCTIONS[node.name]
    return function(*(evaluate(arg, source) for arg in node.args))


def check_mapping(item: dict[str, Any]) -> None:
    """Raise MappingError unless ``{sourceType, source, destination}`` is usable."""
    source_type, source, destination = item.get("sourceType"), item.get("source"), item.get("destination")
    if source_type not in SOURCE_TYPES:
        raise MappingError(f"sourceType must be one of {', '.join(SOURCE_TYPES)}, not {source_type!r}")
    if not isinstance(source, str) or not source.strip():
        raise MappingError("source must be a non-empty string")
    if not isinstance(destination, str):
        raise MappingError("destination must be a string")
    parse_destination(destination)
    if source_type == "ATTRIBUTE":
        parse_path(source)
    else:
        parse_expression(source)


def _put(record: dict[str, Any], steps: tuple[str, ...], value: Any) -> None:
    node = record
    for step in steps[:-1]:
        child = node.setdefault(step, {})
        if not isinstance(child, dict):
            raise MappingError(f"destination {'.'.join(steps)} conflicts with another mapping")
        node = child
    node[steps[-1]] = value


def apply_mappings(mappings: list[dict[str, Any]], source: Any) -> dict[str, Any]:
    """The record built from ``source`` by ``mappings`` (each already checked)."""
    record: dict[str, Any] = {}
    for item in mappings:
        if item["sourceType"] == "ATTRIBUTE":
            value = lookup(source, parse_path(item["source"]).steps)
        else:
            value = evaluate(parse_expression(item["source"]), source)
        if value is not None:
            _put(record, parse_destination(item["destination"]), value)
    return record
