"""Credential and scope checks run from check(), so user mistakes show up in `pulumi preview`.

Why in check(): an error raised from create/update reaches the CLI wrapped in a (short) Python
traceback — the dynamic-provider server formats every exception that way — whereas a CheckFailure is
printed as a plain "property X has a problem: <reason>".  It also stops a replacement before its
delete-before-replace step removes the old subscription only for the create to fail on a scope.

Only problems that are certain block: a missing token, a rejected token (401/403), an unknown shop (404)
and a topic none of whose scopes the token holds.  An unreachable, throttled or failing Shopify is left
to create/update to report, so `pulumi preview` does not need Shopify to be up.  Granted scopes are
fetched once per shop session (shopstream.providers.shopify.session) for the life of the provider process:
concurrent checks of one shop wait for the one fetch.  The session holds no token.  The scopes come
over the stack's API (shopstream.providers.shopify.connect); with a `client_id` the token is fetched by client
credentials first, and a refused grant is a rejected credential like a 401.
Set SHOPSTREAM_SKIP_SCOPE_CHECK=1 if the local topic→scope table is ever wrong for a topic.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from shopstream.providers import credentials
from shopstream.providers.retry import RetryPolicy
from shopstream.providers.shopify import connect, session
from shopstream.providers.shopify.webhook_inputs import Failure
from shopstream.shopify_api import auth_errors, errors, topics

SKIP_SCOPE_CHECK_ENV = "SHOPSTREAM_SKIP_SCOPE_CHECK"
# Preview should stay quick: one retry, little waiting.
PREFLIGHT_POLICY = RetryPolicy(max_attempts=2, backoff_base=0.5, max_total_wait=5.0, max_throttle_wait=30.0)


def granted_scopes(inputs: Mapping[str, Any]) -> frozenset[str]:
    """The app's scopes on the shop, fetched once per shop session over the stack's API (raises
    ShopifyError; with client credentials this fetches the token first)."""
    return connect.granted_scopes(inputs, policy=PREFLIGHT_POLICY)


def granting_scopes(inputs: Mapping[str, Any]) -> list[str] | None:
    """The fetched scopes that serve this topic (sorted; empty when none does), or None if unknown; no I/O.

    check() records them as `granted_scopes` so the policy pack can compare each topic with them
    (shopstream/policy/scopes.py) without the state repeating the shop's whole scope list per subscription;
    diff
    ignores the key, so a change of scopes never updates a subscription.
    """
    scopes = connect.known_scopes(inputs)
    if scopes is None:
        return None
    topic = str(inputs["topic"])
    try:
        if not topics.scope_alternatives(topic):
            return []  # the topic needs no scope
    except topics.UnknownTopicError:
        return []
    return sorted(scope for scope in scopes if topics.grants_topic({scope}, topic))


def forget() -> None:
    """Drop every shop session, scopes and client-credentials tokens included (tests acting as a new
    provider process)."""
    session.reset()
    connect.reset()


def problems(inputs: Mapping[str, Any]) -> list[Failure]:
    """Certain credential/scope problems for checked, fully known inputs (see the module docstring)."""
    shop, topic = str(inputs["shop"]), str(inputs["topic"])
    api_version = str(inputs["api_version"])
    try:
        connect.token_source(inputs)
    except credentials.CredentialsError as err:  # missing, or a malformed shopifyTokens value
        return [Failure("shop", str(err))]
    try:
        scopes = granted_scopes(inputs)
    except (errors.AuthError, errors.ScopeError) as err:
        return [Failure("shop", str(err))]
    except errors.NotFound as err:
        return [Failure("endpoint", str(err))]
    except errors.ShopifyError:
        return []  # unreachable / throttled / 5xx: not certain, create/update will say so
    if os.environ.get(SKIP_SCOPE_CHECK_ENV) == "1":
        return []
    try:
        needed = topics.scope_alternatives(topic)
    except topics.UnknownTopicError:
        return []  # already reported by the static checks
    if needed and not topics.grants_topic(scopes, topic):
        context = errors.ErrorContext(shop, "create", topic=topic, api_version=api_version)
        if connect.client_id_of(inputs):  # the app's scopes are fixed in its configuration
            return [Failure("topic", str(auth_errors.missing_app_scope(context, needed)))]
        return [Failure("topic", str(errors.missing_topic_scope(context, needed)))]
    return []
