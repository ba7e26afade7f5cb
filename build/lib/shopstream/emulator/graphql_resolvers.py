"""Resolvers of the emulator's GraphQL schema: the root fields over the shared store (reference §4.3).

Each request runs with a :class:`RequestContext` (the shop, the caller's token, the version) while the caller
holds ``store.lock``. Field errors raised here become top-level errors with the field's path, as in
graphql-ruby; objects are dicts keyed by GraphQL field names (graphql-core's default resolver reads them).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from graphql import GraphQLError, GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema, GraphQLUnionType

from shopstream.emulator import graphql_paging, graphql_webhooks
from shopstream.emulator.graphql_schema import build
from shopstream.emulator.state import Shop, Store, Subscription, Token
from shopstream.shopify_api.topics import topic_from_graphql_enum

MUST_PAGE = "you must provide one of first or last"  # Shopify's message for a connection without either
DEFAULT_COUNT_LIMIT = 10_000


def page_size_error(argument: str, value: int) -> str:
    # UNCONFIRMED wording: Shopify refuses pages over 250 (reference §3.2); the message is not captured.
    if value < 0:
        return f"Argument '{argument}' on Field 'webhookSubscriptions' cannot be negative."
    return (
        f"Argument '{argument}' on Field 'webhookSubscriptions' exceeds the maximum page size of "
        f"{graphql_paging.MAX_PAGE_SIZE} ({value})."
    )


@dataclass
class RequestContext:
    store: Store
    shop: Shop
    token: Token
    api_version: str
    returned: dict[int, int] = field(default_factory=dict)  # nodes per connection FieldNode (for the cost)
    changed: bool = False  # a mutation changed the store: save it

    def render(self, sub: Subscription) -> dict[str, Any]:
        return graphql_webhooks.render(sub, self.shop)


def _context(info: GraphQLResolveInfo[Any]) -> RequestContext:
    context = info.context
    assert isinstance(context, RequestContext)
    return context


# --- queries ----------------------------------------------------------------------------------------------


def _subscription(_root: Any, info: GraphQLResolveInfo[Any], id: str) -> dict[str, Any] | None:
    ctx = _context(info)
    sub = graphql_webhooks.find(ctx.shop, ctx.token, id)
    return ctx.render(sub) if sub is not None else None


def _check_page_size(args: dict[str, Any]) -> None:
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise GraphQLError(MUST_PAGE)
    for name in ("first", "last"):
        value = args.get(name)
        if value is not None and not 0 <= value <= graphql_paging.MAX_PAGE_SIZE:
            raise GraphQLError(page_size_error(name, value))


def _subscriptions(_root: Any, info: GraphQLResolveInfo[Any], **args: Any) -> dict[str, Any]:
    ctx = _context(info)
    _check_page_size(args)
    topics = {topic_from_graphql_enum(value) for value in args["topics"]} if args.get("topics") else None
    fmt = str(args["format"]).lower() if args.get("format") else None
    matches = graphql_paging.search_predicate(args.get("query"))
    subs = [
        s
        for s in ctx.shop.subscriptions_of(ctx.token.app)
        if (topics is None or s.topic in topics)
        and (args.get("uri") is None or s.address == args["uri"])
        and (args.get("callbackUrl") is None or s.address == args["callbackUrl"])
        and (fmt is None or s.format == fmt)
        and matches(s)
    ]
    try:
        page = graphql_paging.page_of(
            subs,
            sort=args.get("sortKey") or graphql_paging.SORT_CREATED_AT,
            reverse=bool(args.get("reverse")),
            first=args.get("first"),
            last=args.get("last"),
            after=args.get("after"),
            before=args.get("before"),
        )
    except graphql_paging.CursorError as exc:
        raise GraphQLError(str(exc)) from None
    ctx.returned[id(info.field_nodes[0])] = len(page.items)
    nodes = [ctx.render(s) for s in page.items]
    return {
        "edges": [{"cursor": c, "node": n} for c, n in zip(page.cursors, nodes, strict=True)],
        "nodes": nodes,
        "pageInfo": {
            "hasNextPage": page.has_next,
            "hasPreviousPage": page.has_previous,
            "startCursor": page.cursors[0] if page.cursors else None,
            "endCursor": page.cursors[-1] if page.cursors else None,
        },
    }


def _count(
    _root: Any,
    info: GraphQLResolveInfo[Any],
    query: str | None = None,
    limit: int | None = DEFAULT_COUNT_LIMIT,
) -> dict[str, Any]:
    ctx = _context(info)
    matches = graphql_paging.search_predicate(query)
    total = sum(1 for s in ctx.shop.subscriptions_of(ctx.token.app) if matches(s))
    if limit is not None and total > limit:
        return {"count": limit, "precision": "AT_LEAST"}
    return {"count": total, "precision": "EXACT"}


def _scope_description(handle: str) -> str:
    # Shopify has a sentence per scope; the emulator derives one (UNCONFIRMED texts).
    action, _, resource = handle.partition("_")
    verb = {"read": "Read", "write": "Modify"}.get(action, action.capitalize())
    return f"{verb} {resource.replace('_', ' ')}"


def _installation(_root: Any, info: GraphQLResolveInfo[Any]) -> dict[str, Any]:
    ctx = _context(info)
    number = zlib.crc32(f"{ctx.shop.name}/{ctx.token.app}".encode())
    return {
        "id": f"gid://shopify/AppInstallation/{number}",
        "accessScopes": [{"handle": s, "description": _scope_description(s)} for s in ctx.token.scopes],
    }


# --- mutations --------------------------------------------------------------------------------------------


def _created(
    _root: Any, info: GraphQLResolveInfo[Any], topic: str, webhookSubscription: dict[str, Any]
) -> dict[str, Any]:
    ctx = _context(info)
    outcome = graphql_webhooks.create(
        ctx.store, ctx.shop, ctx.token, topic_from_graphql_enum(topic), webhookSubscription
    )
    ctx.changed |= outcome.changed
    sub = outcome.subscription
    return {"webhookSubscription": ctx.render(sub) if sub else None, "userErrors": outcome.user_errors}


def _updated(
    _root: Any, info: GraphQLResolveInfo[Any], id: str, webhookSubscription: dict[str, Any]
) -> dict[str, Any]:
    ctx = _context(info)
    outcome = graphql_webhooks.update(ctx.store, ctx.shop, ctx.token, id, webhookSubscription)
    ctx.changed |= outcome.changed
    sub = outcome.subscription
    return {"webhookSubscription": ctx.render(sub) if sub else None, "userErrors": outcome.user_errors}


def _deleted(_root: Any, info: GraphQLResolveInfo[Any], id: str) -> dict[str, Any]:
    ctx = _context(info)
    deleted, errors = graphql_webhooks.delete(ctx.shop, ctx.token, id)
    ctx.changed |= deleted is not None
    return {"deletedWebhookSubscriptionId": deleted, "userErrors": errors}


# --- wiring -----------------------------------------------------------------------------------------------


def _endpoint_type(value: Any, *_args: Any) -> str:
    return str(value["__typename"])


def _root(schema: GraphQLSchema, name: str) -> GraphQLObjectType:
    root = schema.query_type if name == "query" else schema.mutation_type
    assert root is not None
    return root


@lru_cache(maxsize=16)
def schema_for(api_version: str) -> GraphQLSchema:
    """The schema of ``api_version`` with its resolvers; built once per version."""
    schema = build(api_version)
    query, mutation = _root(schema, "query"), _root(schema, "mutation")
    query.fields["webhookSubscription"].resolve = _subscription
    query.fields["webhookSubscriptions"].resolve = _subscriptions
    query.fields["webhookSubscriptionsCount"].resolve = _count
    query.fields["currentAppInstallation"].resolve = _installation
    mutation.fields["webhookSubscriptionCreate"].resolve = _created
    mutation.fields["webhookSubscriptionUpdate"].resolve = _updated
    mutation.fields["webhookSubscriptionDelete"].resolve = _deleted
    endpoint = schema.get_type("WebhookSubscriptionEndpoint")
    assert isinstance(endpoint, GraphQLUnionType)
    endpoint.resolve_type = _endpoint_type
    return schema
