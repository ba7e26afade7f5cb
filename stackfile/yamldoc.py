"""YAML text -> plain Python data plus the line of every path, via PyYAML's node API.

PyYAML's ``safe_load`` forgets where values came from; composing nodes ourselves keeps the line of each
key and item so that every problem can say ``file:line``. It also lets us reject duplicate keys, which
``safe_load`` silently overwrites.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

# A path into the document: mapping keys (str) and sequence indexes (int).
DataPath = tuple[str | int, ...]


@dataclass(frozen=True)
class YamlIssue:
    path: DataPath
    line: int
    message: str


class YamlSyntaxError(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class Document:
    """``data`` is None for an empty document (nothing but comments or whitespace)."""

    data: Any
    lines: dict[DataPath, int] = field(default_factory=dict)
    issues: list[YamlIssue] = field(default_factory=list)

    def line(self, path: DataPath) -> int | None:
        """Line of ``path``, or of its nearest ancestor that has one (e.g. for a missing key)."""
        for end in range(len(path), -1, -1):
            found = self.lines.get(path[:end])
            if found is not None:
                return found
        return None


def parse(text: str) -> Document:
    """Parse a single YAML document; raises YamlSyntaxError (with a 1-based line) on bad syntax."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return Document(data=None)
        doc = Document(data=None)
        doc.data = _convert(loader, root, (), doc)
        return doc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        # PyYAML phrases problems as continuations of the context ("but found …"); lead with the problem.
        problem = (exc.problem or "").removeprefix("but ")
        detail = problem or exc.context or str(exc)
        if exc.context and problem:
            started = f" at line {exc.context_mark.line + 1}" if exc.context_mark is not None else ""
            detail = f"{problem} ({exc.context}{started})"
        raise YamlSyntaxError(line, f"YAML syntax error: {detail}") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(None, f"YAML syntax error: {exc}") from None
    finally:
        loader.dispose()


# Aliases can make a tiny file expand enormously ("billion laughs"); no stack file comes near this.
_MAX_NODES = 100_000


def _convert(
    loader: yaml.SafeLoader,
    node: yaml.Node,
    path: DataPath,
    doc: Document,
    active: frozenset[int] = frozenset(),
) -> Any:
    """Node -> Python value, recording lines; ``active`` holds the nodes being converted (alias cycles)."""
    if not path:
        doc.lines[path] = node.start_mark.line + 1
    if id(node) in active:
        raise YamlSyntaxError(node.start_mark.line + 1, "YAML syntax error: an alias refers to itself")
    if len(doc.lines) > _MAX_NODES:
        raise YamlSyntaxError(None, f"the file expands to more than {_MAX_NODES} values (anchors/aliases?)")
    active = active | {id(node)}
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                doc.issues.append(YamlIssue(path, line, "keys must be plain names, not lists or mappings"))
                continue
            # The key's literal text: `123:` or `yes:` stay the strings "123" and "yes" rather than
            # becoming an int or a bool, so shop handles and topic names are never mangled.
            key = str(key_node.value)
            if key in first_seen:
                doc.issues.append(
                    YamlIssue(
                        (*path, key),
                        line,
                        f'duplicate key "{key}" (first at line {first_seen[key]}); each key may appear once',
                    )
                )
                continue
            first_seen[key] = line
            child = (*path, key)
            doc.lines[child] = line
            result[key] = _convert(loader, value_node, child, doc, active)
        return result
    if isinstance(node, yaml.SequenceNode):
        items: list[Any] = []
        for index, item_node in enumerate(node.value):
            child = (*path, index)
            doc.lines[child] = item_node.start_mark.line + 1
            items.append(_convert(loader, item_node, child, doc, active))
        return items
    # Scalars: let PyYAML's safe constructor resolve null/bool/int/float/str/timestamp.
    return loader.construct_object(node, deep=True)
