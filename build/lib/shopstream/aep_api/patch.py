"""JSON-Patch bodies for Flow Service PATCH (aep-platform-api.md §2.4), computed from desired state.

`minimal_patch` compares the previous and the new *desired* values of the fields a resource may
update in place and emits one operation per changed field (nothing for unchanged ones, so a no-op
update sends no request).  `pending_ops` answers "is this patch still needed?" against an object
re-read after a 412: operations whose target already holds the value are dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Op = dict[str, Any]

_MISSING = object()


def pointer(*parts: str | int) -> str:
    """A JSON Pointer (RFC 6901) from path segments, escaping '~' and '/'."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def _segments(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise ValueError(f"not a JSON pointer: {path!r}")
    return [seg.replace("~1", "/").replace("~0", "~") for seg in path[1:].split("/")]


def resolve(document: object, path: str) -> object:
    """The value at `path`, or the module's _MISSING sentinel (see `has`)."""
    node = document
    for segment in _segments(path):
        if isinstance(node, Mapping):
            if segment not in node:
                return _MISSING
            node = node[segment]
        elif isinstance(node, list):
            if not segment.isdigit() or int(segment) >= len(node):
                return _MISSING
            node = node[int(segment)]
        else:
            return _MISSING
    return node


def has(document: object, path: str) -> bool:
    return resolve(document, path) is not _MISSING


def op(operation: str, path: str, value: object = _MISSING) -> Op:
    out: Op = {"op": operation, "path": path}
    if value is not _MISSING:
        out["value"] = value
    return out


def minimal_patch(old: Mapping[str, Any], new: Mapping[str, Any], fields: Mapping[str, str]) -> list[Op]:
    """One op per changed field; `fields` maps a desired-state key to its JSON pointer in the object.

    A field that was absent/None before is `add`ed (add also replaces, so it is safe if the server has
    it anyway), a field that becomes None is `remove`d, anything else is `replace`d.
    """
    ops: list[Op] = []
    for key, path in fields.items():
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if after is None:
            ops.append(op("remove", path))
        elif before is None:
            ops.append(op("add", path, after))
        else:
            ops.append(op("replace", path, after))
    return ops


def converge_patch(current: object, desired: Mapping[str, Any], fields: Mapping[str, str]) -> list[Op]:
    """The ops that make an existing object (e.g. one being adopted) hold the desired values.

    None means "absent": removed if present.  A value the server masks counts as different.
    """
    ops: list[Op] = []
    for key, path in fields.items():
        wanted, found = desired.get(key), resolve(current, path)
        if wanted is None:
            if found is not _MISSING:
                ops.append(op("remove", path))
        elif found is _MISSING:
            ops.append(op("add", path, wanted))
        elif not _contains(found, wanted):
            ops.append(op("replace", path, wanted))
    return ops


def pending_ops(current: object, ops: Sequence[Op]) -> list[Op]:
    """The ops that would still change `current` (an object re-read from the server).

    A value the server does not show (e.g. a masked secret) counts as still needed: re-applying a
    replace is harmless, skipping a needed one is not.
    """
    pending: list[Op] = []
    for item in ops:
        found = resolve(current, item["path"])
        if item["op"] == "remove":
            if found is not _MISSING:
                pending.append(item)
        elif found is _MISSING or not _contains(found, item.get("value")):
            pending.append(item)
    return pending


def _contains(actual: object, wanted: object) -> bool:
    """`actual` equals `wanted`, where objects may carry extra server-side keys (ids, timestamps)."""
    if isinstance(wanted, Mapping):
        return isinstance(actual, Mapping) and all(
            key in actual and _contains(actual[key], value) for key, value in wanted.items()
        )
    if isinstance(wanted, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(wanted)
            and all(_contains(a, w) for a, w in zip(actual, wanted, strict=True))
        )
    if isinstance(wanted, (int, float)) and isinstance(actual, str) and not isinstance(wanted, bool):
        return actual == str(wanted)  # mappingVersion is documented as a string in the flow spec
    if isinstance(wanted, (int, float)) and isinstance(actual, (int, float)):
        return bool(actual == wanted)
    return actual == wanted
