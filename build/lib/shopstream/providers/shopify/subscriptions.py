"""A shop's webhook subscriptions as the provider sees them: the session's index over one transport.

The transport is the REST client (shopstream.providers.shopify.client) or the GraphQL client
(shopstream.providers.shopify.graphql); both speak in the REST webhook object's shape (`id` as the REST id,
`topic` in REST form, `address`, `format`, `fields`, `metafield_namespaces`, plus `filter` and `name`
where GraphQL has them).  This module decides, the transports carry out:

* reads come from the index (one list per shop per process, shopstream.providers.shopify.session);
* a create is one write; Shopify's "already taken" answer or a lost answer (5xx, dropped connection,
  timeout after the request was sent) is resolved by listing again and looking for the subscription —
  safe, because Shopify refuses a second identical topic+address — then adopting it or trying again;
* whether an existing subscription may be adopted is the pure `adoption` rule below.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from shopstream.providers.shopify.session import ShopSession
from shopstream.shopify_api import errors

# Answers after which a write may or may not have been applied (reference §3.1, issue 9).
AMBIGUOUS = (errors.ServerError, errors.ConnectionFailed, errors.ShopUnavailable, errors.UnexpectedResponse)
MAX_CREATE_TRIES = 4
CREATE_BACKOFF = (0.5, 1.0, 2.0)


@dataclass(frozen=True)
class Desired:
    """What one subscription should look like (the provider's checked inputs)."""

    topic: str
    address: str
    format: str = "json"
    fields: tuple[str, ...] = ()
    metafield_namespaces: tuple[str, ...] = ()
    filter: str | None = None
    name: str | None = None

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> Desired:
        return cls(
            topic=str(props["topic"]),
            address=str(props["address"]),
            format=str(props.get("format") or "json").lower(),
            fields=tuple(sorted(props.get("fields") or [])),
            metafield_namespaces=tuple(sorted(props.get("metafield_namespaces") or [])),
            filter=props.get("filter") or None,
            name=props.get("name") or None,
        )


class Transport(Protocol):
    """One Admin API flavour's calls for webhook subscriptions of one shop."""

    shop: str
    served_api_version: str | None

    def list_all(self) -> list[dict[str, Any]]: ...

    def create(self, desired: Desired) -> dict[str, Any]: ...

    def update(self, webhook_id: int, desired: Desired) -> dict[str, Any]: ...

    def delete(self, webhook_id: int, topic: str | None) -> bool: ...

    def scopes(self) -> frozenset[str]: ...


def same_subscription(webhook: Mapping[str, Any], desired: Desired, *, check_format: bool = True) -> bool:
    """Shopify's identity of a subscription: topic and address (and, as the emulator has it, format)."""
    return (
        webhook.get("topic") == desired.topic
        and webhook.get("address") == desired.address
        and (not check_format or str(webhook.get("format") or "json").lower() == desired.format)
    )


@dataclass(frozen=True)
class Verdict:
    adopt: bool
    reason: str = ""


def adoption(webhook: Mapping[str, Any], desired: Desired, *, may_adopt: bool) -> Verdict:
    """May this stack take over an existing identical subscription? (pure; issue 9's ownership rule)

    * With a name (GraphQL, 2026-04+): a subscription carrying our own marker is adopted; one marked by
      another stack, or named by some other tool, never is.
    * Without a name (REST, or GraphQL before names): only with `may_adopt` — the program verified that
      no stack of the backend holds it, or the stack file says `adopt: true`.
    """
    name = webhook.get("name") or None
    if name is not None:
        if desired.name is not None and str(name).lower() == desired.name.lower():
            return Verdict(True)
        return Verdict(False, f"it carries the name {name!r}, which marks it as managed by someone else")
    if may_adopt:
        return Verdict(True)
    return Verdict(
        False,
        "it has no owner marker and this run could not verify that no other stack manages it; set "
        '"adopt: true" on the topic in the stack file to take it over',
    )


@dataclass(frozen=True)
class Created:
    """The outcome of a create: the subscription, and whether Shopify already had it (`taken`)."""

    webhook: dict[str, Any]
    taken: bool = False
    recovered: bool = False  # our write was applied but its answer was lost


class ShopSubscriptions:
    """The provider's view of one shop: index-backed reads, safe creates, writes that keep it current."""

    def __init__(
        self, transport: Transport, session: ShopSession, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.transport = transport
        self.session = session
        self._sleep = sleep

    def _load(self) -> list[tuple[int, object]]:
        return [(int(w["id"]), w) for w in self.transport.list_all()]

    def _all(self, *, fresh: bool = False) -> dict[int, dict[str, Any]]:
        index = self.session.index.reload(self._load) if fresh else self.session.index.ensure(self._load)
        return {key: value for key, value in index.items() if isinstance(value, dict)}

    def get(self, webhook_id: int) -> dict[str, Any] | None:
        """The subscription from this process's list of the shop (None: Shopify no longer has it)."""
        return self._all().get(int(webhook_id))

    def find(
        self, desired: Desired, *, fresh: bool = False, check_format: bool = True
    ) -> dict[str, Any] | None:
        matches = [
            w
            for w in self._all(fresh=fresh).values()
            if same_subscription(w, desired, check_format=check_format)
        ]
        return min(matches, key=lambda w: int(w["id"])) if matches else None

    def create(self, desired: Desired) -> Created:
        """One write; "already taken" and lost answers are resolved with a fresh list (module docstring)."""
        last: errors.ShopifyError | None = None
        for attempt in range(MAX_CREATE_TRIES):
            try:
                created = self.transport.create(desired)
            except errors.DuplicateError:
                existing = self.find(desired, fresh=True) or self.find(desired, check_format=False)
                if existing is None:
                    raise  # taken, yet not visible to this app: nothing to adopt
                return Created(existing, taken=True)
            except AMBIGUOUS as err:
                last = err
                recovered = self.find(desired, fresh=True)
                if recovered is not None:
                    return Created(recovered, recovered=True)
                if attempt + 1 < MAX_CREATE_TRIES:
                    self._sleep(CREATE_BACKOFF[min(attempt, len(CREATE_BACKOFF) - 1)])
                continue
            self.session.index.put(int(created["id"]), created)
            return Created(created)
        assert last is not None
        raise last

    def update(self, webhook_id: int, desired: Desired) -> dict[str, Any]:
        webhook = self.transport.update(int(webhook_id), desired)
        self.session.index.put(int(webhook["id"]), webhook)
        return webhook

    def delete(self, webhook_id: int, topic: str | None) -> bool:
        """True when deleted, False when it was already gone."""
        gone = self.transport.delete(int(webhook_id), topic)
        self.session.index.drop(int(webhook_id))
        return gone

    def scopes(self) -> frozenset[str]:
        return self.session.scopes.get(self.transport.scopes)
