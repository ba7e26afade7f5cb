"""Flow Service PATCH bodies: a JSON Patch-style array of ``{op, path, value}`` (reference §2.4).

Supported ops: ``add``, ``replace``, ``remove`` (any case: the spec enum is upper case, the docs use lower
case). Other ops (``move``, ``copy``, ``test``, ...) -> FLOW-1434-400 "Unsupported operation" (the error
catalog's code for exactly this); a malformed instruction or a path that does not exist ->
FLOW-1455-400 "An error has occurred while validating patch instructions: ...".
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from shopstream.emulator.aep.errors import flow_error

SUPPORTED_OPS = ("add", "replace", "remove")


def invalid_patch(detail: str) -> Exception:
    return flow_error(
        "1455", 400, "Invalid request", f"An error has occurred while validating patch instructions: {detail}"
    )


def parse_pointer(path: Any) -> list[str]:
    if not isinstance(path, str) or not path.startswith("/") or path == "/":
        raise invalid_patch(f"Invalid path {path!r}.")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _index(container: list[Any], token: str, *, for_add: bool) -> int:
    if for_add and token == "-":
        return len(container)
    if not token.isdigit():
        raise invalid_patch(f'Invalid array index "{token}".')
    index = int(token)
    limit = len(container) if for_add else len(container) - 1
    if index > limit:
        raise invalid_patch(f'Missing field "{token}".')
    return index


def _parent(doc: Any, tokens: list[str]) -> Any:
    node = doc
    for token in tokens[:-1]:
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list):
            node = node[_index(node, token, for_add=False)]
        else:
            raise invalid_patch(f'Missing field "{token}".')
    return node


def apply_patch(
    doc: dict[str, Any], operations: Any, check_path: Callable[[str, list[str]], None]
) -> dict[str, Any]:
    """A patched deep copy of ``doc``. ``check_path(op, tokens)`` raises for paths that may not change."""
    if not isinstance(operations, list) or not operations:
        raise invalid_patch("The request body must be a non-empty array of patch instructions.")
    result = copy.deepcopy(doc)
    for operation in operations:
        if not isinstance(operation, dict):
            raise invalid_patch("Each patch instruction must be an object.")
        op = operation.get("op")
        if not isinstance(op, str):
            raise invalid_patch('Missing field "op".')
        op = op.lower()
        if op not in SUPPORTED_OPS:
            raise flow_error(
                "1434",
                400,
                "Invalid request",
                f"Unsupported operation '{operation['op']}' received. "
                "Please use one of the supported operation types and try again.",
            )
        if "path" not in operation:
            raise invalid_patch('Missing field "path".')
        tokens = parse_pointer(operation["path"])
        if op != "remove" and "value" not in operation:
            raise invalid_patch('Missing field "value".')
        check_path(op, tokens)
        parent = _parent(result, tokens)
        last = tokens[-1]
        value = copy.deepcopy(operation.get("value"))
        if isinstance(parent, dict):
            if op != "add" and last not in parent:
                raise invalid_patch(f'Missing field "{last}".')
            if op == "remove":
                del parent[last]
            else:
                parent[last] = value
        elif isinstance(parent, list):
            index = _index(parent, last, for_add=op == "add")
            if op == "add":
                parent.insert(index, value)
            elif op == "replace":
                parent[index] = value
            else:
                del parent[index]
        else:
            raise invalid_patch(f'Missing field "{last}".')
    return result
