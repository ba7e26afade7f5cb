"""The Flow Service object kinds the providers manage: URL path segment and the noun used in messages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    path: str  # under {platform}/data/foundation/flowservice/
    noun: str  # for error messages: "the dataflow "x" (id …)"


BASE_CONNECTION = Kind("connections", "base connection")
SOURCE_CONNECTION = Kind("sourceConnections", "source connection")
TARGET_CONNECTION = Kind("targetConnections", "target connection")
FLOW = Kind("flows", "dataflow")
CONNECTION_SPEC = Kind("connectionSpecs", "connection spec")
FLOW_SPEC = Kind("flowSpecs", "flow spec")

# Flow actions (§2.1: POST /flows/{id}/action?op=…; docs use lowercase).
FLOW_ACTIONS = ("enable", "disable")
