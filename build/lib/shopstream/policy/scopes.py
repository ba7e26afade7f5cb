"""Rule: a subscription's topic is among those the shop's token may subscribe to (pure function)."""

from __future__ import annotations

from collections.abc import Iterable

from shopstream.shopify_api import topics


def scope_problem(shop: str, topic: str, granted_scopes: Iterable[str]) -> str | None:
    """Why the granted scopes do not allow `topic`; None if they do, or if the topic is unknown (the
    provider's check() already reports unknown topics, with a suggestion)."""
    granted = sorted({str(scope) for scope in granted_scopes})
    try:
        if topics.grants_topic(granted, topic):
            return None
        needed = sorted(topics.scope_alternatives(topic))
    except topics.UnknownTopicError:
        return None
    # The provider records only the granted scopes that serve the topic, so an empty list is the usual
    # case here: the token holds none of the needed scopes.
    got = f"was granted only {', '.join(granted)}" if granted else "was granted none of them"
    return (
        f"shop {shop} cannot subscribe to {topic}: its token needs one of the access scopes "
        f"{', '.join(needed)} but {got}"
    )
