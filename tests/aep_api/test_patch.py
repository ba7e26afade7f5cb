"""Minimal JSON-Patch computation and the "is it still needed?" check after an etag conflict."""

from __future__ import annotations

from typing import Any

import pytest

from shopstream.aep_api import bodies
from shopstream.aep_api.patch import converge_patch, has, minimal_patch, pending_ops, pointer, resolve

FIELDS = bodies.FLOW_PATCH


def view(**changes: object) -> dict[str, object]:
    desired = {"name": "flow", "description": "d", "mapping_id": "m1", "mapping_version": 0, **changes}
    return bodies.flow_view(desired)


def test_no_change_no_ops() -> None:
    assert minimal_patch(view(), view(), FIELDS) == []


def test_name_change_is_one_replace() -> None:
    assert minimal_patch(view(), view(name="flow2"), FIELDS) == [
        {"op": "replace", "path": "/name", "value": "flow2"}
    ]


def test_mapping_change_replaces_the_transformation() -> None:
    ops = minimal_patch(view(), view(mapping_id="m2", mapping_version=1.0), FIELDS)
    assert ops == [
        {
            "op": "replace",
            "path": "/transformations/0",
            "value": {"name": "Mapping", "params": {"mappingId": "m2", "mappingVersion": 1}},
        }
    ]


def test_absent_becomes_add_and_none_becomes_remove() -> None:
    fields = {"description": "/description"}
    assert minimal_patch({}, {"description": "x"}, fields) == [
        {"op": "add", "path": "/description", "value": "x"}
    ]
    assert minimal_patch({"description": "x"}, {"description": None}, fields) == [
        {"op": "remove", "path": "/description"}
    ]


def test_base_connection_secret_rotation_patches_auth_params() -> None:
    old = bodies.base_connection_view({"name": "n", "description": "", "hmac_secret": "old"})
    new = bodies.base_connection_view({"name": "n", "description": "", "hmac_secret": "new"})
    assert minimal_patch(old, new, bodies.BASE_CONNECTION_PATCH) == [
        {"op": "replace", "path": "/auth/params", "value": {"hmacSecret": "new"}}
    ]


def test_pointer_escaping_and_resolve() -> None:
    assert pointer("a/b", "c~d", 0) == "/a~1b/c~0d/0"
    doc = {"a/b": {"c~d": ["x"]}}
    assert resolve(doc, "/a~1b/c~0d/0") == "x"
    assert not has(doc, "/a~1b/missing") and not has(doc, "/a~1b/c~0d/5") and has(doc, "")
    with pytest.raises(ValueError):
        resolve(doc, "no-slash")


def test_pending_ops_drops_what_is_already_there() -> None:
    current = {
        "name": "flow2",
        "description": "old",
        "transformations": [
            {"name": "Mapping", "params": {"mappingId": "m2", "mappingVersion": "1"}, "extra": 1}
        ],
    }
    ops: list[dict[str, Any]] = [
        {"op": "replace", "path": "/name", "value": "flow2"},
        {"op": "replace", "path": "/description", "value": "new"},
        {
            "op": "replace",
            "path": "/transformations/0",
            "value": {"name": "Mapping", "params": {"mappingId": "m2", "mappingVersion": 1}},
        },
    ]
    assert pending_ops(current, ops) == [ops[1]]


def test_pending_ops_keeps_masked_secrets_and_removes() -> None:
    current = {"auth": {"params": {"hmacSecret": "***"}}, "description": "x"}
    secret = {"op": "replace", "path": "/auth/params", "value": {"hmacSecret": "s3cret"}}
    remove_present = {"op": "remove", "path": "/description"}
    remove_absent = {"op": "remove", "path": "/labels"}
    assert pending_ops(current, [secret, remove_present, remove_absent]) == [secret, remove_present]


def test_converge_patch_makes_an_existing_object_match() -> None:
    current = {"name": "f", "description": "old", "auth": {"params": {"hmacSecret": "***"}}}
    desired = {"name": "f", "description": None, "auth_params": {"hmacSecret": "s"}}
    assert converge_patch(current, desired, bodies.BASE_CONNECTION_PATCH) == [
        {"op": "remove", "path": "/description"},
        {"op": "replace", "path": "/auth/params", "value": {"hmacSecret": "s"}},
    ]
    assert converge_patch(
        {"name": "f"}, {"name": "f", "description": "new"}, bodies.NAME_DESCRIPTION_PATCH
    ) == [{"op": "add", "path": "/description", "value": "new"}]
    assert (
        converge_patch({"name": "f"}, {"name": "f", "description": None}, bodies.NAME_DESCRIPTION_PATCH) == []
    )
