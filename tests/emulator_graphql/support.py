"""Helpers for the GraphQL contract tests: a caller for one shop's GraphQL Admin API and the documents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from shopstream.emulator import RunningEmulator

VERSION = "2026-10"
SCOPES = ("read_orders", "read_products", "read_customers", "read_returns")

SUBSCRIPTION_FIELDS = """
  id legacyResourceId topic uri callbackUrl format includeFields metafieldNamespaces filter name
  apiVersion { handle displayName supported } createdAt updatedAt
  endpoint {
    __typename
    ... on WebhookHttpEndpoint { callbackUrl }
    ... on WebhookPubSubEndpoint { pubSubProject pubSubTopic }
    ... on WebhookEventBridgeEndpoint { arn }
  }
"""

CREATE = f"""
mutation webhookSubscriptionCreate($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {{
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {{
    webhookSubscription {{ {SUBSCRIPTION_FIELDS} }}
    userErrors {{ field message }}
  }}
}}
"""

UPDATE = f"""
mutation webhookSubscriptionUpdate($id: ID!, $sub: WebhookSubscriptionInput!) {{
  webhookSubscriptionUpdate(id: $id, webhookSubscription: $sub) {{
    webhookSubscription {{ {SUBSCRIPTION_FIELDS} }}
    userErrors {{ field message }}
  }}
}}
"""

DELETE = """
mutation webhookSubscriptionDelete($id: ID!) {
  webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId userErrors { field message } }
}
"""

ONE = f"query one($id: ID!) {{ webhookSubscription(id: $id) {{ {SUBSCRIPTION_FIELDS} }} }}"

LIST = """
query list($first: Int, $after: String, $last: Int, $before: String, $topics: [WebhookSubscriptionTopic!],
           $uri: String, $format: WebhookSubscriptionFormat, $query: String,
           $sortKey: WebhookSubscriptionSortKeys,
           $reverse: Boolean) {
  webhookSubscriptions(first: $first, after: $after, last: $last, before: $before, topics: $topics, uri: $uri,
                       format: $format, query: $query, sortKey: $sortKey, reverse: $reverse) {
    nodes { id legacyResourceId topic uri }
    edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


@dataclass
class Graphql:
    """Calls one shop's GraphQL Admin API with one token."""

    shop_url: str
    token: str
    version: str = VERSION

    @property
    def url(self) -> str:
        return f"{self.shop_url}/admin/api/{self.version}/graphql.json"

    def post(self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> requests.Response:
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        headers = {"X-Shopify-Access-Token": self.token, **kwargs.pop("headers", {})}
        return requests.post(self.url, json=body, headers=headers, timeout=10, **kwargs)

    def call(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The answer (HTTP 200 asserted: GraphQL errors are 200s)."""
        response = self.post(query, variables)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """``data`` of an answer without top-level errors."""
        body = self.call(query, variables)
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    def create(self, topic: str, **sub: Any) -> dict[str, Any]:
        """Create and return the subscription (no userErrors asserted)."""
        payload = self.data(CREATE, {"topic": topic, "sub": sub})["webhookSubscriptionCreate"]
        assert payload["userErrors"] == [], payload
        created: dict[str, Any] = payload["webhookSubscription"]
        return created

    def user_errors(self, topic: str, **sub: Any) -> list[dict[str, Any]]:
        payload = self.data(CREATE, {"topic": topic, "sub": sub})["webhookSubscriptionCreate"]
        assert payload["webhookSubscription"] is None, payload
        errors: list[dict[str, Any]] = payload["userErrors"]
        return errors


def make_shop(
    emu: RunningEmulator,
    name: str = "acme",
    scopes: tuple[str, ...] = SCOPES,
    app: str | None = None,
    version: str = VERSION,
    **shop_options: Any,
) -> Graphql:
    """Create ``name`` (unless it exists) and a static token for ``app``; return its GraphQL caller."""
    existing = {s["name"] for s in emu.control.call("GET", "/shops")["shops"]}
    if name not in existing:
        emu.control.create_shop(name, **shop_options)
    token = emu.control.create_token(name, list(scopes), app=app)
    return Graphql(emu.shop_url(name), token, version)
