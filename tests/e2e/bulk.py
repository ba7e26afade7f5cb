"""Many topics for one shop, with the scopes that grant them (for the rate-limit tests and benchmarks)."""

from __future__ import annotations

from shopstream.shopify_api import topics
from shopstream.stackfile.checks import CLOUD_ONLY_TOPICS


def topics_with_scopes(count: int, api_version: str = "2026-10") -> tuple[list[str], list[str]]:
    """`count` webhook topics of `api_version` and one granting scope for each (sorted, de-duplicated)."""
    chosen: list[str] = []
    scopes: set[str] = set()
    for topic in sorted(topics.known_topics(api_version)):
        if topic in topics.COMPLIANCE_TOPICS or topic in CLOUD_ONLY_TOPICS:
            continue  # not subscribable through the API / not to an HTTPS address
        needed = topics.scope_alternatives(topic)
        chosen.append(topic)
        if needed:
            scopes.add(sorted(needed)[0])
        if len(chosen) == count:
            return chosen, sorted(scopes)
    raise ValueError(f"only {len(chosen)} topics exist in {api_version}, not {count}")
