"""GraphQL Admin API answers turned into decisions and sentences (sans-I/O; reference §3.2, §4.5).

GraphQL answers HTTP 200 for most failures, so the body decides:

* `extensions.cost` (every answer that was costed): the requested and actual cost and the bucket's
  `throttleStatus` — `cost_of` parses it, `throttle_wait` says how long a THROTTLED answer must wait;
* top-level `errors[]` with `extensions.code`: THROTTLED (wait and send again, never a failure by
  itself), MAX_COST_EXCEEDED, INVALID_VARIABLE / argumentLiteralsIncompatible for a topic enum the
  version does not have, INTERNAL_SERVER_ERROR, ACCESS_DENIED, and schema mismatches — `top_level_error`;
* a mutation's `userErrors[]` (`field`, `message`) — `user_error`.

Each becomes a shopstream.shopify_api.errors.ShopifyError subclass whose message is one sentence naming the
shop,
the topic and the fix, with Shopify's own text scrubbed of the secrets passed in.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shopstream.shopify_api import auth_errors, errors, topics
from shopstream.shopify_api.errors import ErrorContext

THROTTLED = "THROTTLED"
MAX_COST_EXCEEDED = "MAX_COST_EXCEEDED"
INVALID_VARIABLE = "INVALID_VARIABLE"
LITERAL_INCOMPATIBLE = "argumentLiteralsIncompatible"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
ACCESS_DENIED = "ACCESS_DENIED"
NAME_SINCE = "2026-04"  # `name` on WebhookSubscription and its input (reference §4.2)


class QueryCostExceeded(errors.ShopifyError):
    """MAX_COST_EXCEEDED: one query costs more than the shop allows for a single query."""


@dataclass(frozen=True)
class Cost:
    """`extensions.cost` of one answer."""

    requested: float | None
    actual: float | None
    maximum: float
    available: float
    restore_rate: float


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def cost_of(body: object) -> Cost | None:
    """The cost extension of a GraphQL answer, or None when it has none (or a malformed one)."""
    if not isinstance(body, Mapping):
        return None
    extensions = body.get("extensions")
    cost = extensions.get("cost") if isinstance(extensions, Mapping) else None
    status = cost.get("throttleStatus") if isinstance(cost, Mapping) else None
    if not isinstance(cost, Mapping) or not isinstance(status, Mapping):
        return None
    maximum = _number(status.get("maximumAvailable"))
    available = _number(status.get("currentlyAvailable"))
    rate = _number(status.get("restoreRate"))
    if maximum is None or available is None or rate is None:
        return None
    return Cost(
        _number(cost.get("requestedQueryCost")),
        _number(cost.get("actualQueryCost")),
        maximum,
        available,
        rate,
    )


def error_codes(body: object) -> list[str]:
    """The `extensions.code` of every top-level error ('' for an error without one)."""
    return [str(_extensions(e).get("code") or "") for e in top_level_errors(body)]


def top_level_errors(body: object) -> list[Mapping[str, Any]]:
    items = body.get("errors") if isinstance(body, Mapping) else None
    if isinstance(items, Mapping):  # the 400 shape {"errors": {"query": "..."}}
        return [{"message": f"{k} {v}"} for k, v in items.items()]
    if isinstance(items, str):
        return [{"message": items}]
    if not isinstance(items, list):
        return []
    return [item if isinstance(item, Mapping) else {"message": str(item)} for item in items]


def _extensions(error: Mapping[str, Any]) -> Mapping[str, Any]:
    extensions = error.get("extensions")
    return extensions if isinstance(extensions, Mapping) else {}


def is_throttled(body: object) -> bool:
    return THROTTLED in error_codes(body)


def throttle_wait(cost: Cost | None, fallback_cost: float) -> float:
    """Seconds until the bucket holds the query's requested cost again (at least a tenth of a second)."""
    if cost is None or cost.restore_rate <= 0:
        return 1.0
    needed = cost.requested if cost.requested is not None else fallback_cost
    return max(0.1, (min(needed, cost.maximum) - cost.available) / cost.restore_rate)


def _message(error: Mapping[str, Any], secrets: Sequence[str]) -> str:
    text = " ".join(str(error.get("message") or "").split())
    return _clip(errors.redact(text, secrets))


def _clip(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _no_period(text: str) -> str:
    return text.rstrip().rstrip(".")


def throttled_too_long(context: ErrorContext, waited: float) -> errors.RateLimited:
    return errors.RateLimited(
        f"Shopify shop {context.shop} kept throttling GraphQL requests (THROTTLED for {waited:.0f} s) "
        f"while {context.doing()}: the app's points budget for this shop is used up by other work; wait "
        "a minute and run the command again (a lower `--parallel` helps).",
        context=context,
        detail=THROTTLED,
    )


def top_level_error(
    body: object, context: ErrorContext, *, secrets: Iterable[str] = ()
) -> errors.ShopifyError:
    """The error for an answer with top-level `errors` (THROTTLED is waited out before this is asked)."""
    secrets = tuple(secrets)
    found = top_level_errors(body)
    detail = "; ".join(m for m in (_message(e, secrets) for e in found) if m) or "no message"
    shop = context.shop
    for error in found:
        extensions = _extensions(error)
        code = str(extensions.get("code") or "")
        if code == MAX_COST_EXCEEDED:
            cost, limit = extensions.get("cost"), extensions.get("maxCost")
            figures = f" (cost {cost}, limit {limit})" if cost is not None and limit is not None else ""
            return QueryCostExceeded(
                f"Shopify shop {shop} refused a GraphQL query as too expensive{figures} while "
                f"{context.doing()}: the shop's single-query limit is lower than Shopify's usual 1,000 "
                "points; raise the app's rate-limit plan or use `shopify.api: rest` for this stack.",
                context=context,
                detail=detail,
            )
        if code in (INVALID_VARIABLE, LITERAL_INCOMPATIBLE) and _about_topic(error, extensions):
            return _invalid_topic(context, detail)
        if code == INTERNAL_SERVER_ERROR:
            return errors.ServerError(
                f"Shopify shop {shop} failed with an internal error while {context.doing()} "
                f"({_no_period(detail)}): this is a problem on Shopify's side; run the command again later "
                "(https://www.shopifystatus.com shows incidents).",
                context=context,
                detail=detail,
            )
        if code == ACCESS_DENIED:
            return errors.ScopeError(
                f"Shopify shop {shop} denied access while {context.doing()} ({_no_period(detail)}): the "
                "app lacks an access scope this needs; add it to the app and approve it on the shop.",
                context=context,
                detail=detail,
            )
        if code == THROTTLED:
            return throttled_too_long(context, 0.0)
    version = f" {context.api_version}" if context.api_version else ""
    return errors.ValidationError(
        f"Shopify shop {shop}'s GraphQL Admin API{version} refused the request while {context.doing()} "
        f"({_no_period(detail)}): check the subscription's values in the stack file and choose a "
        f"supported api_version ({NAME_SINCE} or later for subscription names).",
        context=context,
        detail=detail,
    )


def _about_topic(error: Mapping[str, Any], extensions: Mapping[str, Any]) -> bool:
    if extensions.get("argumentName") == "topic":
        return True
    message = str(error.get("message") or "")
    return "$topic" in message or "WebhookSubscriptionTopic" in message


def _invalid_topic(context: ErrorContext, detail: str) -> errors.InvalidTopic:
    topic = context.topic or "(none)"
    version = f" {context.api_version}" if context.api_version else ""
    return errors.InvalidTopic(
        f"Shopify shop {context.shop} refused topic {topic}: GraphQL Admin API version{version} has no "
        f"webhook topic {topics.graphql_enum(topic)}; fix the topic in the stack file (orders/create or "
        "ORDERS_CREATE) or choose an api_version that has it.",
        context=context,
        detail=detail,
    )


def user_error_messages(user_errors: object, secrets: Sequence[str] = ()) -> list[tuple[str, str]]:
    """(field path joined by '.', message) for each userError."""
    if not isinstance(user_errors, list):
        return []
    found: list[tuple[str, str]] = []
    for item in user_errors:
        if not isinstance(item, Mapping):
            continue
        field = item.get("field")
        path = ".".join(str(p) for p in field) if isinstance(field, list) else ""
        found.append((path, _message(item, secrets)))
    return found


def user_error(
    user_errors: object,
    context: ErrorContext,
    *,
    name: str | None = None,
    credential: str = auth_errors.STATIC,
    secrets: Iterable[str] = (),
) -> errors.ShopifyError:
    """The error for a mutation's non-empty `userErrors` (reference §4.5).

    `name` is the subscription name that was sent; `credential` (auth_errors.STATIC or
    CLIENT_CREDENTIALS) decides how a missing scope is to be fixed.
    """
    secrets = tuple(secrets)
    found = user_error_messages(user_errors, secrets)
    detail = "; ".join(message for _, message in found) or "no message"
    lowered = detail.lower()
    shop = context.shop
    if "already been taken" in lowered:
        if any(path.endswith("name") and "taken" in message.lower() for path, message in found):
            return errors.DuplicateError(
                f"Shopify shop {shop} already has a webhook subscription named {name!r} (the marker this "
                f"stack gives its {context.subject()} subscription) while {context.doing()}: run "
                "`pulumi refresh` and `pulumi up` so the existing subscription is adopted, or delete it if "
                "another copy of this stack made it.",
                context=context,
                detail=detail,
            )
        where = f" to {context.address}" if context.address else ""
        return errors.DuplicateError(
            f"Shopify shop {shop} already has a webhook subscription for {context.subject()}{where}: "
            "remove the duplicate entry from the stack file, or run `pulumi refresh` and `pulumi up` "
            "so the existing subscription is adopted.",
            context=context,
            detail=detail,
        )
    if "cannot create a webhook subscription with the specified topic" in lowered:
        return _missing_scope(context, detail, credential)
    if "does not exist" in lowered and any(path == "id" for path, _ in found):
        return errors.NotFound(
            f"Shopify shop {shop} has no webhook subscription {context.webhook_id}"
            f"{' for topic ' + context.topic if context.topic else ''}: it was deleted outside Pulumi; "
            "run `pulumi refresh` to forget it and then `pulumi up` to create it again.",
            context=context,
            detail=detail,
        )
    return errors.ValidationError(
        f"Shopify shop {shop} rejected {context.doing()} ({_no_period(detail)}): fix the subscription's "
        "values in the stack file.",
        context=context,
        detail=detail,
    )


def _missing_scope(context: ErrorContext, detail: str, credential: str) -> errors.ScopeError:
    scopes: frozenset[str] = frozenset()
    if context.topic:
        try:
            scopes = topics.scope_alternatives(context.topic)
        except topics.UnknownTopicError:
            scopes = frozenset()
    if credential == auth_errors.CLIENT_CREDENTIALS:
        return auth_errors.missing_app_scope(context, scopes, detail=detail)
    if scopes:
        return errors.missing_topic_scope(context, scopes, detail=detail)
    return errors.ScopeError(
        f"Shopify shop {context.shop} refused topic {context.topic}: the access token lacks the scope this "
        f"topic needs; re-install the app with that scope and update the token with "
        f"`{errors.token_config_command(context.shop)}`.",
        context=context,
        detail=detail,
    )
