"""From a subscription's inputs to the shop's `ShopSubscriptions`: endpoint, API, credentials, session.

Everything here is resolved at call time in the provider process: the token from providers.credentials
(never from the pickled provider), the per-shop session from providers.shopify.session.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from providers import credentials
from providers.shopify import webhook_inputs
from providers.shopify.client import ShopifyAdminClient
from providers.shopify.session import ShopSession, credential_digest, session_for
from providers.shopify.subscriptions import ShopSubscriptions
from shopify_api.pacing import BucketModel


def endpoint_of(props: Mapping[str, Any]) -> str:
    shop = str(props["shop"])
    return str(props.get("endpoint") or webhook_inputs.default_endpoint(shop)).rstrip("/")


def api_version_of(props: Mapping[str, Any]) -> str:
    return str(props.get("api_version") or webhook_inputs.latest_stable_api_version())


def api_of(props: Mapping[str, Any]) -> str:
    return str(props.get("api") or webhook_inputs.LEGACY_API)


def session_of(props: Mapping[str, Any], token: str) -> ShopSession:
    """The process's session for this shop, app and API (one bucket and one list per shop)."""
    api = api_of(props)
    model = BucketModel.for_graphql if api == "graphql" else BucketModel.for_rest
    return session_for(endpoint_of(props), str(props["shop"]), credential_digest(token), api, model=model)


def shop_subscriptions(props: Mapping[str, Any]) -> ShopSubscriptions:
    """The shop of these inputs, ready to list, create, update and delete its subscriptions."""
    shop = str(props["shop"])
    token = credentials.token_for(shop)
    session = session_of(props, token)
    transport = ShopifyAdminClient(
        endpoint_of(props), api_version_of(props), token, shop, pacer=session.pacer
    )
    return ShopSubscriptions(transport, session)
