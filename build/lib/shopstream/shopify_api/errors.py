"""Shopify Admin API error responses mapped to typed exceptions with one-sentence messages.

Sans-I/O (in the style of gidgethub): the caller hands in the HTTP status, the parsed body and the
context of the call; this module decides which `ShopifyError` subclass it is and words a message
that names the shop, the topic and what to do next. Nothing here performs I/O.

Messages never contain an access token: every Shopify-provided text is scrubbed of the token values
the caller passes in and of anything shaped like a Shopify token before it is quoted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from shopstream.shopify_api import ratelimit, topics

PULUMI_PROJECT = "shopstream"
TOKENS_CONFIG_KEY = "shopifyTokens"

# Shopify token prefixes: shpat_ (admin), shpca_ (custom app), shppa_ (private app), shpss_ (shared
# secret), shpua_ (user).  Anything matching is scrubbed even if the caller forgot to pass it in.
_TOKEN_SHAPE = re.compile(r"shp[a-z]{2}_[A-Za-z0-9]+")
_REDACTED = "[redacted]"
_MAX_DETAIL = 240

_OPERATION_PHRASES: dict[str, str] = {
    "list": "listing webhook subscriptions",
    "count": "counting webhook subscriptions",
    "get": "reading the webhook subscription",
    "create": "creating the webhook subscription",
    "update": "updating the webhook subscription",
    "delete": "deleting the webhook subscription",
    "scopes": "reading the token's access scopes",
}


def token_config_command(shop: str) -> str:
    """The exact command that stores the Admin API token for `shop` in the stack config. It prompts for
    the value (or reads it from stdin), so the token never sits on a command line or in shell history."""
    return f"pulumi config set --secret --path '{TOKENS_CONFIG_KEY}.{shop}'"


@dataclass(frozen=True)
class ErrorContext:
    """What the caller was doing when Shopify answered; used only to word the message."""

    shop: str
    operation: str  # one of _OPERATION_PHRASES' keys, or a free verb phrase
    topic: str | None = None
    address: str | None = None
    webhook_id: int | None = None
    api_version: str | None = None

    def doing(self) -> str:
        """A verb phrase such as 'creating the webhook subscription for topic orders/create'."""
        phrase = _OPERATION_PHRASES.get(self.operation, self.operation)
        if self.webhook_id is not None and self.operation in {"get", "update", "delete"}:
            phrase += f" {self.webhook_id}"
        if self.topic:
            phrase += f" for topic {self.topic}"
        return phrase

    def subject(self) -> str:
        """'topic orders/create' or 'the request', for sentences that need a noun."""
        return f"topic {self.topic}" if self.topic else "the request"


class ShopifyError(Exception):
    """Base class: str() is one sentence naming the shop, the topic and what to do."""

    retryable = False

    def __init__(
        self, message: str, *, context: ErrorContext, status: int | None = None, detail: str = ""
    ) -> None:
        super().__init__(message)
        self.message = message
        self.context = context
        self.status = status
        self.detail = detail  # Shopify's own (scrubbed) text, for programmatic inspection

    def __str__(self) -> str:
        return self.message


class AuthError(ShopifyError):
    """401 (bad, revoked or expired token) or a 403 that is not about a scope or the shop."""


class ScopeError(ShopifyError):
    """The token lacks the access scope a topic or action needs (403, or 422 for a known topic)."""

    def __init__(
        self,
        message: str,
        *,
        context: ErrorContext,
        status: int | None = None,
        detail: str = "",
        scopes: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(message, context=context, status=status, detail=detail)
        self.scopes = scopes


class InvalidTopic(ShopifyError):
    """422 'Invalid topic specified' for a topic that does not exist in that API version."""


class DuplicateError(ShopifyError):
    """422 'address for this topic has already been taken'."""


class NotFound(ShopifyError):
    """404."""


class RateLimited(ShopifyError):
    """429; `retry_after` is in seconds (Shopify sends e.g. 'Retry-After: 2.0')."""

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        context: ErrorContext,
        status: int | None = None,
        detail: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, context=context, status=status, detail=detail)
        self.retry_after = retry_after


class ValidationError(ShopifyError):
    """400, or a 422 that is neither a topic nor a duplicate problem."""


class ServerError(ShopifyError):
    """5xx."""

    retryable = True


class ShopUnavailable(ShopifyError):
    """402 (plan/payment), 423 (locked) or 403 'Unavailable Shop'."""


class ConnectionFailed(ShopifyError):
    """No HTTP answer at all (refused, DNS, TLS, timeout)."""

    retryable = True


class UnexpectedResponse(ShopifyError):
    """A status or body shape this module does not know (e.g. HTML from a proxy)."""


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with the given secret values and anything token-shaped replaced by '[redacted]'."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, _REDACTED)
    return _TOKEN_SHAPE.sub(_REDACTED, text)


def error_messages(body: object) -> list[str]:
    """Shopify's error texts from a REST error body, flattened.

    Shapes seen: {"errors": "text"}, {"errors": {"field": ["msg", ...]}}, {"errors": ["msg"]},
    {"error": "text"} (OAuth), or a bare string (non-JSON body).  Field errors come back as
    "field msg", the way ActiveResource words them ("address for this topic has already been taken").
    """
    if isinstance(body, str):
        text = body.strip()
        # An HTML error page (proxy, load balancer) says nothing useful in one sentence.
        return [text] if text and not text.startswith("<") else []
    if not isinstance(body, Mapping):
        return []
    errors = body.get("errors", body.get("error"))
    if isinstance(errors, str):
        return [errors]
    if isinstance(errors, list):
        return [str(item) for item in errors]
    if isinstance(errors, Mapping):
        out: list[str] = []
        for field, value in errors.items():
            items = value if isinstance(value, list) else [value]
            for item in items:
                text = str(item)
                # "base" errors and messages that already start with the field read fine on their own.
                out.append(text if field == "base" or text.startswith(str(field)) else f"{field} {text}")
        return out
    return []


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_DETAIL else text[: _MAX_DETAIL - 1] + "…"


def _no_final_period(text: str) -> str:
    return text.rstrip().rstrip(".")


_SCOPE_IN_403 = re.compile(r"\b((?:read|write|unauthenticated_read|unauthenticated_write)_[a-z_]+)\b")


def error_from_response(
    status: int,
    body: object,
    context: ErrorContext,
    *,
    headers: Mapping[str, str] | None = None,
    secrets: Iterable[str] = (),
) -> ShopifyError:
    """Map one non-2xx Shopify REST answer to a `ShopifyError` subclass with a clear message.

    `body` is the parsed JSON (or the raw text when it was not JSON); `headers` is only used for
    `Retry-After`; `secrets` are values (the token) that must never appear in the message.
    """
    secrets = tuple(secrets)
    messages = [_clip(redact(m, secrets)) for m in error_messages(body)]
    detail = "; ".join(messages)
    shop = context.shop
    said = f" ({status} {_no_final_period(detail)})" if detail else f" (HTTP {status})"

    if status == 401:
        return AuthError(
            f"Shopify shop {shop} rejected the access token while {context.doing()}{said}: the token is "
            f"wrong, revoked or expired; store a valid Admin API token with `{token_config_command(shop)}`.",
            context=context,
            status=status,
            detail=detail,
        )
    if status == 403:
        return _forbidden(context, status, detail, said)
    if status == 404:
        return _not_found(context, status, detail)
    if status == 422:
        return _unprocessable(context, status, detail, messages)
    if status == 429:
        retry_after = _retry_after(headers)
        wait = f", Retry-After {retry_after:g} s" if retry_after is not None else ""
        return RateLimited(
            f"Shopify shop {shop} kept throttling requests (HTTP 429{wait}) while {context.doing()}: "
            "the app's request budget for this shop is used up; wait a minute and run the command again "
            "(a lower `--parallel` helps).",
            context=context,
            status=status,
            detail=detail,
            retry_after=retry_after,
        )
    if status in (402, 423):
        reason = (
            "the shop's plan or billing does not allow this"
            if status == 402
            else "the shop is locked (frozen, paused or closed)"
        )
        return ShopUnavailable(
            f"Shopify shop {shop} is unavailable while {context.doing()}{said}: {reason}; check the "
            "shop's status in the Shopify admin and run the command again once it is active.",
            context=context,
            status=status,
            detail=detail,
        )
    if status >= 500:
        return ServerError(
            f"Shopify shop {shop} failed with HTTP {status} while {context.doing()}"
            f"{' (' + _no_final_period(detail) + ')' if detail else ''}: this is a problem on Shopify's "
            "side; run the command again later (https://www.shopifystatus.com shows incidents).",
            context=context,
            status=status,
            detail=detail,
        )
    if status == 400:
        return ValidationError(
            f"Shopify shop {shop} rejected the request as malformed while {context.doing()}{said}: "
            "check the values in the stack file and the endpoint/api_version settings.",
            context=context,
            status=status,
            detail=detail,
        )
    quoted = f" ({_no_final_period(detail)})" if detail else ""
    return UnexpectedResponse(
        f"Shopify shop {shop} answered with unexpected HTTP {status} while {context.doing()}{quoted}: "
        "check that the endpoint in the stack file points at the Shopify Admin API.",
        context=context,
        status=status,
        detail=detail,
    )


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    if not headers:
        return None
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return ratelimit.retry_after_seconds(value)
            except ValueError:
                return None
    return None


def _forbidden(context: ErrorContext, status: int, detail: str, said: str) -> ShopifyError:
    shop = context.shop
    lowered = detail.lower()
    if "unavailable shop" in lowered:
        return ShopUnavailable(
            f"Shopify shop {shop} is unavailable while {context.doing()}{said}: Shopify has blocked the "
            "shop; check the shop's status in the Shopify admin.",
            context=context,
            status=status,
            detail=detail,
        )
    if "scope" in lowered:
        scopes = frozenset(_SCOPE_IN_403.findall(detail))
        needed = " or ".join(sorted(scopes)) if scopes else "an access scope"
        return ScopeError(
            f"Shopify shop {shop} refused {context.subject()}: the access token lacks {needed} ({status} "
            f"{_no_final_period(detail)}); re-install the app with that scope and update the token with "
            f"`{token_config_command(shop)}`.",
            context=context,
            status=status,
            detail=detail,
            scopes=scopes,
        )
    return AuthError(
        f"Shopify shop {shop} denied access while {context.doing()}{said}: the token is not allowed to "
        f"manage webhook subscriptions; re-install the app and update the token with "
        f"`{token_config_command(shop)}`.",
        context=context,
        status=status,
        detail=detail,
    )


def _not_found(context: ErrorContext, status: int, detail: str) -> ShopifyError:
    shop = context.shop
    if context.webhook_id is not None:
        return NotFound(
            f"Shopify shop {shop} has no webhook subscription {context.webhook_id}"
            f"{' for topic ' + context.topic if context.topic else ''}: it was deleted outside Pulumi; "
            "run `pulumi refresh` to forget it and then `pulumi up` to create it again.",
            context=context,
            status=status,
            detail=detail,
        )
    return NotFound(
        f"Shopify shop {shop} answered 404 Not Found while {context.doing()}: the shop or the API path "
        "does not exist; check the shop name, the endpoint and the api_version in the stack file.",
        context=context,
        status=status,
        detail=detail,
    )


def _unprocessable(context: ErrorContext, status: int, detail: str, messages: list[str]) -> ShopifyError:
    shop = context.shop
    lowered = detail.lower()
    if "already been taken" in lowered:
        where = f" to {context.address}" if context.address else ""
        return DuplicateError(
            f"Shopify shop {shop} already has a webhook subscription for {context.subject()}{where}: "
            "remove the duplicate entry from the stack file, or run `pulumi refresh` and `pulumi up` "
            "so the existing subscription is adopted.",
            context=context,
            status=status,
            detail=detail,
        )
    if "invalid topic" in lowered or "could not find the webhook topic" in lowered:
        return _invalid_topic(context, status, detail)
    problems = "; ".join(_strip_allowed_list(m) for m in messages) or "no reason given"
    return ValidationError(
        f"Shopify shop {shop} rejected {context.doing()} ({_no_final_period(problems)}): fix the "
        "subscription's values in the stack file.",
        context=context,
        status=status,
        detail=detail,
    )


def _strip_allowed_list(message: str) -> str:
    # The "Topics allowed: …" tail lists every topic the token may use; far too long for one sentence.
    return re.split(r"\s*Topics allowed:", message, maxsplit=1)[0].strip()


def _invalid_topic(context: ErrorContext, status: int, detail: str) -> ShopifyError:
    """Shopify words 'unknown topic' and 'missing scope' identically; tell them apart locally.

    A topic that this API version knows, and that needs a scope, can only have been refused for the
    scope.  Anything else is a topic that does not exist (in that version).
    """
    shop = context.shop
    topic = context.topic or "(none)"
    version = context.api_version
    known = False
    scopes: frozenset[str] = frozenset()
    if context.topic:
        try:
            scopes = topics.scope_alternatives(context.topic)
            known = version is None or context.topic in topics.known_topics(version)
        except topics.UnknownTopicError:
            known = False
    if known and scopes:
        return missing_topic_scope(context, scopes, status=status, detail=detail)
    in_version = f" in Admin API version {version}" if version else ""
    return InvalidTopic(
        f"Shopify shop {shop} refused topic {topic}: it is not a webhook topic{in_version} that this app "
        "can subscribe to; fix the topic name in the stack file (REST form, e.g. orders/create) or "
        "choose an api_version that has it.",
        context=context,
        status=status,
        detail=detail,
    )


def missing_topic_scope(
    context: ErrorContext, scopes: frozenset[str], *, status: int | None = None, detail: str = ""
) -> ScopeError:
    """The token has none of `scopes` (any one of which grants `context.topic`)."""
    ordered = sorted(scopes, key=lambda s: (not s.startswith("read_"), len(s), s))
    alternatives = f" (any of {', '.join(ordered)} grants it)" if len(ordered) > 1 else ""
    return ScopeError(
        f"Shopify shop {context.shop} refused topic {context.topic}: the access token lacks the "
        f"{ordered[0]} scope{alternatives}; re-install the app with that scope and update the token with "
        f"`{token_config_command(context.shop)}`.",
        context=context,
        status=status,
        detail=detail,
        scopes=scopes,
    )


def connection_failed(context: ErrorContext, endpoint: str, reason: str) -> ConnectionFailed:
    """No HTTP answer: name the endpoint (never the token) and what to check."""
    return ConnectionFailed(
        f"Could not reach Shopify shop {context.shop} at {endpoint} while {context.doing()} "
        f"({_no_final_period(_clip(redact(reason)))}): check the endpoint in the stack file, the network, "
        "and that the shop (or the local emulator) is running.",
        context=context,
        detail=_clip(redact(reason)),
    )


def unexpected_body(context: ErrorContext, status: int, what: str) -> UnexpectedResponse:
    """A 2xx whose body is not the JSON shape the Admin API documents."""
    return UnexpectedResponse(
        f"Shopify shop {context.shop} answered HTTP {status} with {what} while {context.doing()}: check "
        "that the endpoint in the stack file points at the Shopify Admin API.",
        context=context,
        status=status,
        detail=what,
    )
