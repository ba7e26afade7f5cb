"""The GraphQL Admin API schema the emulator serves: webhook subscriptions and the app's access scopes, as SDL
per API version (reference §4.1-§4.3), built with graphql-core.

What changes with the version: the ``WebhookSubscriptionTopic`` enum (the topics of that version,
``shopstream.shopify_api.topics.known_topics``), ``name`` on the object and the input (2026-04 and later),
and the
deprecated ``callbackUrl`` input field (only before 2026-04; the live 2026-04 introspection has none).
Root types are named as Shopify names them (``QueryRoot``, ``Mutation``) because validation messages quote
them. Resolvers are attached by ``shopstream.emulator.graphql_resolvers``; this module only builds schemas.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, GraphQLScalarType, GraphQLSchema, StringValueNode, ValueNode, build_schema

from shopstream.shopify_api.topics import UNSTABLE, graphql_enum, known_topics

NAME_SINCE = "2026-04"  # `name` on WebhookSubscription and its input; `callbackUrl` input gone

# Our stand-ins for Shopify's string-shaped custom scalars: they serialize as strings and accept strings only.
_STRING_SCALARS = ("URL", "DateTime", "UnsignedInt64", "ARN")


def has_name(api_version: str) -> bool:
    return api_version == UNSTABLE or api_version >= NAME_SINCE


def _sdl(api_version: str) -> str:
    topics = "\n  ".join(sorted(graphql_enum(topic) for topic in known_topics(api_version)))
    named = has_name(api_version)
    name_field = "name: String\n  " if named else ""
    callback_input = "" if named else 'callbackUrl: URL @deprecated(reason: "Use `uri` instead.")\n  '
    return f"""
scalar URL
scalar DateTime
scalar UnsignedInt64
scalar ARN

enum WebhookSubscriptionTopic {{
  {topics}
}}
enum WebhookSubscriptionFormat {{ JSON XML }}
enum WebhookSubscriptionSortKeys {{ CREATED_AT ID }}
enum CountPrecision {{ EXACT AT_LEAST }}

interface Node {{ id: ID! }}
interface LegacyInteroperability {{ legacyResourceId: UnsignedInt64! }}

type ApiVersion {{ handle: String! displayName: String! supported: Boolean! }}
type WebhookHttpEndpoint {{ callbackUrl: URL! }}
type WebhookEventBridgeEndpoint {{ arn: ARN! }}
type WebhookPubSubEndpoint {{ pubSubProject: String! pubSubTopic: String! }}
union WebhookSubscriptionEndpoint = WebhookEventBridgeEndpoint | WebhookHttpEndpoint | WebhookPubSubEndpoint
type WebhookSubscriptionMetafieldIdentifier {{ namespace: String! key: String! }}

type WebhookSubscription implements Node & LegacyInteroperability {{
  id: ID!
  legacyResourceId: UnsignedInt64!
  topic: WebhookSubscriptionTopic!
  uri: String!
  callbackUrl: URL! @deprecated(reason: "Use `uri` instead.")
  endpoint: WebhookSubscriptionEndpoint! @deprecated(reason: "Use `uri` instead.")
  format: WebhookSubscriptionFormat!
  includeFields: [String!]!
  metafieldNamespaces: [String!]!
  metafields: [WebhookSubscriptionMetafieldIdentifier!]!
  filter: String
  {name_field}apiVersion: ApiVersion!
  createdAt: DateTime!
  updatedAt: DateTime!
}}

type PageInfo {{ hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }}
type WebhookSubscriptionEdge {{ cursor: String! node: WebhookSubscription! }}
type WebhookSubscriptionConnection {{
  edges: [WebhookSubscriptionEdge!]!
  nodes: [WebhookSubscription!]!
  pageInfo: PageInfo!
}}
type Count {{ count: Int! precision: CountPrecision! }}
type AccessScope {{ handle: String! description: String! }}
type AppInstallation {{ id: ID! accessScopes: [AccessScope!]! }}

type QueryRoot {{
  webhookSubscription(id: ID!): WebhookSubscription
  webhookSubscriptions(
    first: Int, after: String, last: Int, before: String, reverse: Boolean = false,
    sortKey: WebhookSubscriptionSortKeys = CREATED_AT, query: String,
    callbackUrl: URL @deprecated(reason: "Use `uri` instead."),
    format: WebhookSubscriptionFormat, topics: [WebhookSubscriptionTopic!], uri: String
  ): WebhookSubscriptionConnection!
  webhookSubscriptionsCount(query: String, limit: Int = 10000): Count
  currentAppInstallation: AppInstallation!
}}

input HasMetafieldsMetafieldIdentifierInput {{ namespace: String! key: String! }}
input WebhookSubscriptionInput {{
  {callback_input}uri: String
  format: WebhookSubscriptionFormat
  includeFields: [String!]
  metafieldNamespaces: [String!]
  metafields: [HasMetafieldsMetafieldIdentifierInput!]
  filter: String
  {name_field}
}}

type UserError {{ field: [String!] message: String! }}
type WebhookSubscriptionCreatePayload {{ userErrors: [UserError!]! webhookSubscription: WebhookSubscription }}
type WebhookSubscriptionUpdatePayload {{ userErrors: [UserError!]! webhookSubscription: WebhookSubscription }}
type WebhookSubscriptionDeletePayload {{ deletedWebhookSubscriptionId: ID userErrors: [UserError!]! }}

type Mutation {{
  webhookSubscriptionCreate(
    topic: WebhookSubscriptionTopic!, webhookSubscription: WebhookSubscriptionInput!
  ): WebhookSubscriptionCreatePayload
  webhookSubscriptionUpdate(
    id: ID!, webhookSubscription: WebhookSubscriptionInput!
  ): WebhookSubscriptionUpdatePayload
  webhookSubscriptionDelete(id: ID!): WebhookSubscriptionDeletePayload
}}

schema {{ query: QueryRoot mutation: Mutation }}
"""


def _string_only(value: Any) -> str:
    if not isinstance(value, str):
        raise GraphQLError("expected a string")
    return value


def _string_literal(node: ValueNode, _variables: dict[str, Any] | None = None) -> str:
    if not isinstance(node, StringValueNode):
        raise GraphQLError("expected a string")
    return node.value


def build(api_version: str) -> GraphQLSchema:
    """The schema of ``api_version`` (a resolved, supported version), without resolvers."""
    schema = build_schema(_sdl(api_version))
    for name in _STRING_SCALARS:
        scalar = schema.get_type(name)
        assert isinstance(scalar, GraphQLScalarType)
        scalar.parse_value = _string_only  # type: ignore[method-assign]
        scalar.parse_literal = _string_literal  # type: ignore[method-assign,assignment]
    return schema
