"""From a subscription's inputs to the shop's `ShopSubscriptions`: endpoint, API, credentials, session.

Everything here is resolved at call time in the provider process: the credential from
shopstream.providers.credentials (never from the pickled provider), the per-shop session from
shopstream.providers.shopify.session.

* `api` (`graphql` or `rest`; states from before it existed are `rest`) picks the transport:
  shopstream.providers.shopify.graphql or shopstream.providers.shopify.client.  Both see one store
  (legacyResourceId is
  the REST id), so switching changes no subscription.
* `client_id` set: tokens come from the client credentials grant of that app
(shopstream.providers.shopify.tokens;
  the client secret from `shopifyClientSecrets.<shop>` / `shopifyClientSecret` / `shopifyAppSecret`);
  otherwise the static token `shopifyTokens.<shop>`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shopstream.providers import credentials
from shopstream.providers.retry import RetryPolicy
from shopstream.providers.shopify import tokens, webhook_inputs
from shopstream.providers.shopify.client import ShopifyAdminClient
from shopstream.providers.shopify.graphql import ShopifyGraphqlClient
from shopstream.providers.shopify.session import ShopSession, credential_digest, session_for
from shopstream.providers.shopify.subscriptions import ShopSubscriptions, Transport
from shopstream.providers.shopify.tokens import TokenSource
from shopstream.shopify_api.pacing import BucketModel


def endpoint_of(props: Mapping[str, Any]) -> str:
    shop = str(props["shop"])
    return str(props.get("endpoint") or webhook_inputs.default_endpoint(shop)).rstrip("/")


def api_version_of(props: Mapping[str, Any]) -> str:
    return str(props.get("api_version") or webhook_inputs.latest_stable_api_version())


def api_of(props: Mapping[str, Any]) -> str:
    return str(props.get("api") or webhook_inputs.LEGACY_API)


def client_id_of(props: Mapping[str, Any]) -> str | None:
    value = props.get("client_id")
    return value if isinstance(value, str) and value else None


def token_source(props: Mapping[str, Any]) -> TokenSource:
    """Where this shop's tokens come from (raises credentials.CredentialsError; does no I/O)."""
    shop = str(props["shop"])
    client_id = client_id_of(props)
    if client_id is None:
        return tokens.StaticToken(credentials.token_for(shop))
    return tokens.client_credentials(
        endpoint_of(props),
        shop,
        client_id,
        credentials.client_secret_for(shop),
        secret_hint=credentials.client_secret_command(shop),
    )


def session_of(props: Mapping[str, Any], credential: str | TokenSource) -> ShopSession:
    """The process's session for this shop, app and API (one bucket and one list per shop).

    Keyed by the credential's identity: a token's digest, or the client id's for client credentials
    (stable while its tokens are renewed)."""
    api = api_of(props)
    model = BucketModel.for_graphql if api == "graphql" else BucketModel.for_rest
    identity = credential_digest(credential) if isinstance(credential, str) else credential.identity
    return session_for(endpoint_of(props), str(props["shop"]), identity, api, model=model)


def transport_of(
    props: Mapping[str, Any],
    source: TokenSource,
    session: ShopSession,
    *,
    policy: RetryPolicy | None = None,
) -> Transport:
    """The REST or GraphQL client of this shop, paced by its session."""
    shop = str(props["shop"])
    if api_of(props) == "graphql":
        return ShopifyGraphqlClient(
            endpoint_of(props), api_version_of(props), source, shop, policy=policy, pacer=session.pacer
        )
    return ShopifyAdminClient(
        endpoint_of(props), api_version_of(props), source, shop, policy=policy, pacer=session.pacer
    )


def shop_subscriptions(props: Mapping[str, Any], *, policy: RetryPolicy | None = None) -> ShopSubscriptions:
    """The shop of these inputs, ready to list, create, update and delete its subscriptions."""
    source = token_source(props)
    session = session_of(props, source)
    return ShopSubscriptions(transport_of(props, source, session, policy=policy), session)


def granted_scopes(props: Mapping[str, Any], *, policy: RetryPolicy | None = None) -> frozenset[str]:
    """The app's scopes on the shop, fetched once per shop session (raises ShopifyError and
    credentials.CredentialsError)."""
    return shop_subscriptions(props, policy=policy).scopes()


def known_scopes(props: Mapping[str, Any]) -> frozenset[str] | None:
    """The scopes this process already fetched for the shop, or None (no I/O)."""
    try:
        source = token_source(props)
    except credentials.CredentialsError:
        return None
    return session_of(props, source).scopes.peek()


def reset() -> None:
    """Forget cached client-credentials tokens (tests acting as a new provider process)."""
    tokens.reset()
