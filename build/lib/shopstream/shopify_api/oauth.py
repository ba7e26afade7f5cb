"""Shopify OAuth, authorization code grant (reference §7.1): the pure parts shared by CLI and emulator.

Sans-I/O: build the authorize URL, sign and verify a callback query (hex HMAC-SHA256 keyed by the app's
client secret), check ``state``, ``timestamp`` and the shop domain, parse the access-token response, and
work out which access scopes a set of webhook topics needs. Every refusal raises an :class:`OAuthError`
subclass whose message is one sentence meant for a person; none of them quotes a secret, a code or a token.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from shopstream.shopify_api.topics import grants_topic, scope_alternatives

AUTHORIZE_PATH = "/admin/oauth/authorize"
ACCESS_TOKEN_PATH = "/admin/oauth/access_token"
DEFAULT_MAX_SKEW_SECONDS = 90.0  # shopify-api-js refuses a callback timestamp further than this from now
# Shopify's documented shop-domain check for callbacks (reference §7.1 step 3), anchored at both ends.
SHOP_DOMAIN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9\-]*\.myshopify\.com$")
_UNSIGNED_KEYS = frozenset({"hmac", "signature"})
_REQUIRED_CALLBACK_KEYS = ("code", "hmac", "shop", "state", "timestamp")

Query = Sequence[tuple[str, str]] | Mapping[str, str | Sequence[str]]


# --- errors -----------------------------------------------------------------------------------------------


class OAuthError(ValueError):
    """A refused OAuth step; ``str()`` is one sentence saying what is wrong and what to do."""


class MissingParameterError(OAuthError):
    pass


class CallbackSignatureError(OAuthError):
    pass


class StateMismatchError(OAuthError):
    pass


class StaleTimestampError(OAuthError):
    pass


class ShopDomainError(OAuthError):
    pass


class TokenResponseError(OAuthError):
    pass


class MissingScopesError(OAuthError):
    def __init__(self, message: str, missing: Mapping[str, frozenset[str]]) -> None:
        super().__init__(message)
        self.missing = dict(missing)  # topic -> the scopes of which any one would grant it


# --- the authorize URL --------------------------------------------------------------------------------------


def authorize_url(
    admin_base_url: str,
    *,
    client_id: str,
    scopes: Iterable[str],
    redirect_uri: str,
    state: str,
    online: bool = False,
) -> str:
    """``{admin_base_url}/admin/oauth/authorize?client_id=…&scope=a,b&redirect_uri=…&state=…``.

    ``admin_base_url`` is the shop's base (``https://{shop}.myshopify.com``, or the emulator's
    ``http://127.0.0.1:8787/shops/{shop}``). Offline access omits ``grant_options[]``, as the reference
    says; ``online`` asks for a per-user token.
    """
    params = [
        ("client_id", client_id),
        ("scope", ",".join(scopes)),
        ("redirect_uri", redirect_uri),
        ("state", state),
    ]
    if online:
        params.append(("grant_options[]", "per-user"))
    return f"{admin_base_url.rstrip('/')}{AUTHORIZE_PATH}?{urlencode(params, safe=',')}"


# --- the callback HMAC --------------------------------------------------------------------------------------


def parse_query(text: str) -> list[tuple[str, str]]:
    """The pairs of a query string, or of the query part of a full URL (blank values kept)."""
    text = text.strip()
    if "?" in text or "://" in text:
        text = urlsplit(text).query
    return parse_qsl(text, keep_blank_values=True)


def _pairs(query: Query) -> list[tuple[str, str]]:
    if isinstance(query, Mapping):
        pairs: list[tuple[str, str]] = []
        for key, value in query.items():
            values = [value] if isinstance(value, str) else list(value)
            pairs.extend((key, item) for item in values)
        return pairs
    return list(query)


def _form_encode(text: str) -> str:
    # What URLSearchParams produces (shopify-api-js), with '+' for a space written as %20 (reference §7.1
    # step 4): letters, digits and "*-._" stay, everything else is percent-encoded ('~' too).
    return quote(text, safe="*").replace("~", "%7E")


def hmac_message(query: Query) -> str:
    """The signed message: without ``hmac`` and ``signature``, keys sorted, ``key=value`` joined by ``&``;
    a repeated key's values joined by ``,`` (in the order received)."""
    grouped: dict[str, list[str]] = {}
    for key, value in _pairs(query):
        if key not in _UNSIGNED_KEYS:
            grouped.setdefault(key, []).append(value)
    return "&".join(f"{_form_encode(key)}={_form_encode(','.join(grouped[key]))}" for key in sorted(grouped))


def sign_query(query: Query, secret: str) -> str:
    """The ``hmac`` value Shopify puts on the query: hex HMAC-SHA256 of :func:`hmac_message`."""
    return hmac.new(secret.encode("utf-8"), hmac_message(query).encode("utf-8"), hashlib.sha256).hexdigest()


def query_hmac_is_valid(query: Query, secret: str) -> bool:
    """Constant-time check of the query's ``hmac``; a missing hmac or an empty secret never verifies."""
    pairs = _pairs(query)
    received = [value for key, value in pairs if key == "hmac"]
    if len(received) != 1 or not received[0] or not secret:
        return False
    expected = sign_query(pairs, secret).encode("ascii")
    return hmac.compare_digest(expected, received[0].strip().lower().encode("utf-8", "replace"))


# --- the callback as a whole --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Callback:
    """A verified callback. ``code`` is a one-time credential: don't print it."""

    code: str = field(repr=False)
    shop: str  # the shop domain, lower case: acme.myshopify.com
    state: str
    timestamp: int
    host: str | None


def check_shop_domain(domain: str) -> str:
    """The domain in lower case, or ShopDomainError unless it is ``{handle}.myshopify.com``."""
    if not SHOP_DOMAIN.match(domain):
        raise ShopDomainError(
            f"The callback names the shop {domain!r}, which is not a {{shop}}.myshopify.com domain, "
            "so it was not sent by Shopify for your store."
        )
    return domain.lower()


def check_timestamp(value: str, now: float, max_skew: float = DEFAULT_MAX_SKEW_SECONDS) -> int:
    """The Unix timestamp, or StaleTimestampError when it is not a number or is more than ``max_skew``
    seconds away from ``now`` (either way: a future timestamp is as suspicious as an old one)."""
    try:
        timestamp = int(value)
    except ValueError:
        raise StaleTimestampError(
            "The callback timestamp is not a Unix time, so the callback is not from Shopify."
        ) from None
    if abs(now - timestamp) > max_skew:
        raise StaleTimestampError(
            f"The callback timestamp is {int(abs(now - timestamp))} seconds away from now (more than "
            f"{max_skew:g} allowed), so it is stale or replayed: start the authorization again "
            "(and check this computer's clock)."
        )
    return timestamp


def verify_callback(
    query: Query,
    *,
    secret: str,
    expected_state: str,
    now: float,
    max_skew: float = DEFAULT_MAX_SKEW_SECONDS,
    expected_shop: str | None = None,
) -> Callback:
    """Every check on a redirect back from Shopify, in this order: required parameters, the HMAC, the
    state (constant-time), the timestamp, the shop domain pattern, and (if given) the expected shop
    domain. Returns the verified callback or raises the first refusal."""
    pairs = _pairs(query)
    values: dict[str, str] = {}
    for key, value in pairs:
        values.setdefault(key, value)
    if "error" in values and "code" not in values:
        raise MissingParameterError(
            f"Shopify redirected back with the error {values['error']!r} instead of a code, so nothing "
            "was authorized."
        )
    missing = [key for key in _REQUIRED_CALLBACK_KEYS if not values.get(key)]
    if missing:
        raise MissingParameterError(
            f"The callback lacks {', '.join(missing)}: paste the whole URL the browser was sent back to."
        )
    if not query_hmac_is_valid(pairs, secret):
        raise CallbackSignatureError(
            "The callback's hmac does not match its parameters under the app's client secret, so it was "
            "altered or signed with another secret."
        )
    if not hmac.compare_digest(values["state"].encode("utf-8"), expected_state.encode("utf-8")):
        raise StateMismatchError(
            "The callback's state does not match the one this authorization sent, so it belongs to "
            "another attempt (or a forged request): start the authorization again."
        )
    timestamp = check_timestamp(values["timestamp"], now, max_skew)
    shop = check_shop_domain(values["shop"])
    if expected_shop is not None and shop != expected_shop.lower():
        raise ShopDomainError(
            f"The callback is for the shop {shop}, not {expected_shop.lower()}: authorize the shop you named."
        )
    return Callback(
        code=values["code"], shop=shop, state=values["state"], timestamp=timestamp, host=values.get("host")
    )


# --- the access-token response ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccessToken:
    """A parsed access-token answer. ``value`` is a secret: the repr leaves it out."""

    value: str = field(repr=False)
    scopes: tuple[str, ...]
    expires_in: int | None = None


def split_scopes(text: str) -> tuple[str, ...]:
    """``"read_orders, write_products"`` -> ("read_orders", "write_products"), blanks and repeats dropped."""
    return tuple(dict.fromkeys(item.strip() for item in text.split(",") if item.strip()))


def parse_access_token_response(body: object) -> AccessToken:
    """The JSON body of ``POST /admin/oauth/access_token`` (reference §7.1 step 5)."""
    if isinstance(body, Mapping) and isinstance(body.get("error"), str):
        description = body.get("error_description")
        detail = f": {description}" if isinstance(description, str) and description else ""
        raise TokenResponseError(f"Shopify refused the code exchange ({body['error']}{detail}).")
    if not isinstance(body, Mapping):
        raise TokenResponseError("Shopify's access-token answer is not a JSON object.")
    token, scope = body.get("access_token"), body.get("scope")
    if not isinstance(token, str) or not token:
        raise TokenResponseError("Shopify's access-token answer has no access_token.")
    if not isinstance(scope, str):
        raise TokenResponseError("Shopify's access-token answer has no scope list.")
    expires_in = body.get("expires_in")
    return AccessToken(
        value=token,
        scopes=split_scopes(scope),
        expires_in=expires_in if isinstance(expires_in, int) and not isinstance(expires_in, bool) else None,
    )


# --- scopes for topics --------------------------------------------------------------------------------------

# Tie-breaker when several scopes would grant the same topics: a merchant's own general scopes before
# the marketplace / buyer-membership / fulfillment-service variants that only some apps can request.
_PREFERRED_SCOPES = (
    "read_orders",
    "read_products",
    "read_customers",
    "read_inventory",
    "read_fulfillments",
    "read_returns",
    "read_merchant_managed_fulfillment_orders",
    "read_shipping",
)


def _preference(scope: str) -> int:
    try:
        return _PREFERRED_SCOPES.index(scope)
    except ValueError:
        return len(_PREFERRED_SCOPES)


def required_scopes(topics: Iterable[str]) -> tuple[str, ...]:
    """A small set of scopes that grants every topic: one of each topic's alternatives, chosen greedily
    (the scope granting the most still-uncovered topics first, then the preferred one, then by name).
    Raises UnknownTopicError for a topic the table does not know."""
    needs = [alternatives for alternatives in map(scope_alternatives, topics) if alternatives]
    chosen: list[str] = []
    while True:
        uncovered = [alternatives for alternatives in needs if alternatives.isdisjoint(chosen)]
        if not uncovered:
            return tuple(sorted(chosen))
        candidates = set().union(*uncovered)
        best = min(
            candidates,
            key=lambda s: (-sum(s in alternatives for alternatives in uncovered), _preference(s), s),
        )
        chosen.append(best)


def missing_scopes(granted: Iterable[str], topics: Iterable[str]) -> dict[str, frozenset[str]]:
    """Topics the granted scopes do not cover (write_x implies read_x), each with the scopes of which
    any one would grant it; empty when everything is covered."""
    granted = list(granted)
    return {
        topic: scope_alternatives(topic)
        for topic in dict.fromkeys(topics)
        if not grants_topic(granted, topic)
    }


def check_scopes_cover(granted: Iterable[str], topics: Iterable[str], *, shop: str) -> None:
    """MissingScopesError naming what is missing, unless ``granted`` covers every topic."""
    granted = list(granted)
    missing = missing_scopes(granted, topics)
    if not missing:
        return
    needs = "; ".join(f"{topic} needs {' or '.join(sorted(alts))}" for topic, alts in missing.items())
    shown = ", ".join(granted) or "none"
    raise MissingScopesError(
        f"Shop {shop} granted only the scopes {shown}, which do not cover the stack's topics ({needs}): "
        "authorize again and approve every requested scope.",
        missing,
    )
