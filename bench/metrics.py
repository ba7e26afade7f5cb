"""The benchmark's arithmetic, as pure functions: request floors, the rate-limit lower bound, convergence
(duplicates, missing) and state size."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

LIST_PAGE = 250  # REST `limit` maximum: one list call returns up to this many subscriptions
WRITE_METHODS = frozenset({"POST", "PUT", "DELETE"})
SUBSCRIPTION_TYPE = "pulumi-python:dynamic/shopify:WebhookSubscription"


def list_floor(k: int) -> int:
    """Requests a shop of k subscriptions needs to be read: its list pages plus the scope check."""
    return math.ceil(k / LIST_PAGE) + 1


def create_floor(writes: int, k: int) -> int:
    """Requests a create needs: one write per new subscription plus the list floor."""
    return writes + list_floor(k)


def rate_limit_lower_bound(requests_per_shop: Mapping[str, int], bucket: int, leak: float) -> float:
    """Seconds the slowest shop's bucket forces, shops in parallel: max over shops of (r - bucket) / leak."""
    return max((max(0.0, (r - bucket) / leak) for r in requests_per_shop.values()), default=0.0)


def is_write(entry: Mapping[str, Any]) -> bool:
    """A REST POST/PUT/DELETE, or a GraphQL mutation (every GraphQL call is a POST)."""
    graphql = entry.get("graphql")
    if isinstance(graphql, Mapping):
        return graphql.get("operation") == "mutation"
    return entry.get("method") in WRITE_METHODS


def received_after(entry: Mapping[str, Any], moment: float) -> bool:
    """Whether the emulator received the request after `moment` (its `received`, else its `time`)."""
    stamp = entry.get("received") or entry.get("time")
    if not isinstance(stamp, str):
        return True
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() > moment


def is_throttled(entry: Mapping[str, Any]) -> bool:
    graphql = entry.get("graphql")
    return entry.get("status") == 429 or (
        isinstance(graphql, Mapping) and graphql.get("outcome") == "throttled"
    )


@dataclass(frozen=True)
class Traffic:
    """Admin API requests one operation sent to one shop (from the emulator's request log)."""

    requests: int = 0
    writes: int = 0
    throttled: int = 0  # 429 answers (REST) and THROTTLED answers (GraphQL, HTTP 200)

    @staticmethod
    def of(entries: Iterable[Mapping[str, Any]]) -> Traffic:
        listed = list(entries)
        return Traffic(
            requests=len(listed),
            writes=sum(1 for e in listed if is_write(e)),
            throttled=sum(1 for e in listed if is_throttled(e)),
        )

    def __add__(self, other: Traffic) -> Traffic:
        return Traffic(
            self.requests + other.requests, self.writes + other.writes, self.throttled + other.throttled
        )


@dataclass(frozen=True)
class Convergence:
    duplicates: int  # extra subscriptions of a declared (shop, topic, address)
    missing: int  # declared ones that do not exist
    unexpected: int  # subscriptions of the address that no stack file declares


def convergence(
    declared: Mapping[str, Iterable[str]], actual: Mapping[str, Iterable[Mapping[str, Any]]], address: str
) -> Convergence:
    """Compare the declared topics per shop with the subscriptions (of `address`) the shops have."""
    duplicates = missing = unexpected = 0
    for shop in declared.keys() | actual.keys():
        wanted = set(declared.get(shop, ()))
        counts = Counter(str(s.get("topic")) for s in actual.get(shop, ()) if s.get("address") == address)
        missing += sum(1 for topic in wanted if counts[topic] == 0)
        duplicates += sum(n - 1 for topic, n in counts.items() if topic in wanted and n > 1)
        unexpected += sum(n for topic, n in counts.items() if topic not in wanted)
    return Convergence(duplicates, missing, unexpected)


@dataclass(frozen=True)
class StateSize:
    total_bytes: int
    resources: int  # subscriptions in the state
    largest_bytes: int  # the largest subscription resource, serialised

    @property
    def per_subscription(self) -> float:
        return self.total_bytes / self.resources if self.resources else 0.0


def state_size(export: Mapping[str, Any], resource_type: str = SUBSCRIPTION_TYPE) -> StateSize:
    """Bytes of a `pulumi stack export`: the whole deployment, and its subscriptions."""
    resources = export.get("deployment", {}).get("resources", []) or []
    sizes = [len(json.dumps(r, separators=(",", ":"))) for r in resources if r.get("type") == resource_type]
    total = len(json.dumps(export, separators=(",", ":")))
    return StateSize(total, len(sizes), max(sizes, default=0))


def ratio(value: float, floor: float) -> float:
    return value / floor if floor > 0 else math.inf


@dataclass(frozen=True)
class Outcome:
    """After a scenario: what the shops hold against what the stack file declares and the state records."""

    duplicates: int
    missing: int
    orphans: int  # subscriptions of our address that no resource in the state records
    pending_operations: int  # left in the state by an interrupted update
    state_unreadable: bool = False  # `pulumi stack export` failed: every subscription counts as an orphan

    def clean(self) -> bool:
        counts = (self.duplicates, self.missing, self.orphans, self.pending_operations)
        return counts == (0, 0, 0, 0) and not self.state_unreadable


def state_webhook_ids(export: Mapping[str, Any], resource_type: str = SUBSCRIPTION_TYPE) -> set[str]:
    """The Shopify ids the state's subscriptions record."""
    resources = export.get("deployment", {}).get("resources", []) or []
    return {
        str((r.get("outputs") or {}).get("webhook_id") or r.get("id"))
        for r in resources
        if r.get("type") == resource_type
    }


def outcome(
    declared: Mapping[str, Iterable[str]],
    actual: Mapping[str, Iterable[Mapping[str, Any]]],
    export: Mapping[str, Any] | None,
    address: str,
) -> Outcome:
    """`export` None: the state could not be read."""
    found = convergence(declared, actual, address)
    if export is None:
        orphans = sum(1 for subs in actual.values() for s in subs if s.get("address") == address)
        return Outcome(found.duplicates, found.missing, orphans, 0, state_unreadable=True)
    recorded = state_webhook_ids(export)
    orphans = sum(
        1
        for subs in actual.values()
        for s in subs
        if s.get("address") == address and str(s.get("id")) not in recorded
    )
    pending = len(export.get("deployment", {}).get("pending_operations", []) or [])
    return Outcome(found.duplicates, found.missing, orphans, pending)
