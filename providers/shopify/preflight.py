"""Credential and scope checks run from check(), so user mistakes show up in `pulumi preview`.

Why in check(): an error raised from create/update reaches the CLI wrapped in a (short) Python
traceback — the dynamic-provider server formats every exception that way — whereas a CheckFailure is
printed as a plain "property X has a problem: <reason>".  It also stops a replacement before its
delete-before-replace step removes the old subscription only for the create to fail on a scope.

Only problems that are certain block: a missing token, a rejected token (401/403), an unknown shop (404)
and a topic none of whose scopes the token holds.  An unreachable, throttled or failing Shopify is left
to create/update to report, so `pulumi preview` does not need Shopify to be up.  Granted scopes are
cached per (endpoint, shop, token digest) for the life of the provider process; the cache holds no
token.  Set SHOPSTREAM_SKIP_SCOPE_CHECK=1 if the local topic→scope table is ever wrong for a topic.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Mapping
from typing import Any

from providers import credentials
from providers.retry import RetryPolicy
from providers.shopify.client import ShopifyAdminClient
from providers.shopify.webhook_inputs import Failure
from shopify_api import errors, topics

SKIP_SCOPE_CHECK_ENV = "SHOPSTREAM_SKIP_SCOPE_CHECK"
# Preview should stay quick: one retry, little waiting.
PREFLIGHT_POLICY = RetryPolicy(max_attempts=2, backoff_base=0.5, max_total_wait=5.0)

_lock = threading.Lock()
_scopes: dict[tuple[str, str, str], frozenset[str]] = {}


def _key(endpoint: str, shop: str, token: str) -> tuple[str, str, str]:
    return endpoint, shop, hashlib.sha256(token.encode()).hexdigest()


def granted_scopes(endpoint: str, shop: str, token: str, api_version: str) -> frozenset[str]:
    """The token's scopes, fetched once per process (raises ShopifyError)."""
    key = _key(endpoint, shop, token)
    with _lock:
        cached = _scopes.get(key)
    if cached is not None:
        return cached
    client = ShopifyAdminClient(endpoint, api_version, token, shop, policy=PREFLIGHT_POLICY)
    scopes = client.access_scopes()
    with _lock:
        _scopes[key] = scopes
    return scopes


def known_scopes(inputs: Mapping[str, Any]) -> list[str] | None:
    """The scopes `problems()` fetched for these inputs' shop (sorted), or None if it could not; no I/O.

    check() adds them to the inputs as `granted_scopes` so the policy pack can compare each topic with
    them (policy/scopes.py); diff ignores the key, so a change of scopes never updates a subscription.
    """
    try:
        token = credentials.token_for(str(inputs["shop"]))
    except credentials.CredentialsError:
        return None
    with _lock:
        scopes = _scopes.get(_key(str(inputs["endpoint"]), str(inputs["shop"]), token))
    return sorted(scopes) if scopes is not None else None


def forget() -> None:
    """Drop cached scopes (tests; a re-installed app in a long-lived process)."""
    with _lock:
        _scopes.clear()


def problems(inputs: Mapping[str, Any]) -> list[Failure]:
    """Certain credential/scope problems for checked, fully known inputs (see the module docstring)."""
    shop, topic = str(inputs["shop"]), str(inputs["topic"])
    endpoint, api_version = str(inputs["endpoint"]), str(inputs["api_version"])
    try:
        token = credentials.token_for(shop)
    except credentials.CredentialsError as err:  # missing, or a malformed shopifyTokens value
        return [Failure("shop", str(err))]
    try:
        scopes = granted_scopes(endpoint, shop, token, api_version)
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
        return [Failure("topic", str(errors.missing_topic_scope(context, needed)))]
    return []
