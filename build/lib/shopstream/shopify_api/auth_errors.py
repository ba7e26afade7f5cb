"""Refused credentials as sentences that fit how the token was obtained (sans-I/O; reference §0, §7.2).

A 401 from the Admin API means something different for each kind of credential, and so does its fix:

* a static token (`shopifyTokens.<shop>`, a custom app's `shpat_`): wrong, revoked or expired —
  store a valid one (shopstream.shopify_api.errors words this case already);
* a token from the client credentials grant: it was fetched a moment ago and refused again after a
  fresh fetch, so the app's access to the shop changed (uninstalled, or the shop is gone);
* a public app's non-expiring token after 2027-01-01, which Shopify refuses with its own message:
  say what changed and what to do instead (client credentials, or an expiring offline token).

The token endpoint's refusals of the client credentials grant (`invalid_client`, an app not installed
on the shop) get their sentences here too.  Every Shopify text is scrubbed of the secrets passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from shopstream.shopify_api import errors
from shopstream.shopify_api.errors import ErrorContext

STATIC = "static"
CLIENT_CREDENTIALS = "client_credentials"

_NON_EXPIRING_MARKERS = ("non-expiring", "non expiring", "nonexpiring")
EXPIRING_TOKENS_DOC = (
    "https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/offline-access-tokens"
)


def is_non_expiring_refusal(detail: str) -> bool:
    """Whether a 401's text is Shopify's refusal of a non-expiring token (public apps, 2027-01-01)."""
    lowered = detail.lower()
    return any(marker in lowered for marker in _NON_EXPIRING_MARKERS)


def _detail(body: object, secrets: Iterable[str]) -> str:
    return "; ".join(errors.redact(m, secrets) for m in errors.error_messages(body))


def rejected_token(
    context: ErrorContext,
    body: object,
    *,
    kind: str,
    secret_hint: str,
    client_id: str | None = None,
    secrets: Iterable[str] = (),
) -> errors.AuthError:
    """The AuthError for a 401 while using a `kind` credential.

    `secret_hint` is the command that stores the credential the user would fix (the token, or the
    client secret).
    """
    secrets = tuple(secrets)
    detail = _detail(body, secrets)
    shop = context.shop
    if is_non_expiring_refusal(detail):
        return errors.AuthError(
            f"Shopify shop {shop} refused the stored non-expiring access token while {context.doing()}: "
            "since 2027-01-01 Shopify rejects non-expiring tokens of public apps; give the shop's entry in "
            "the stack file the app's client_id and store its client secret with "
            f"`{secret_hint}` (tokens by the client credentials grant), or store an expiring offline "
            f"token ({EXPIRING_TOKENS_DOC}).",
            context=context,
            status=401,
            detail=detail,
        )
    if kind == CLIENT_CREDENTIALS:
        return errors.AuthError(
            f"Shopify shop {shop} rejected a freshly fetched client-credentials token of app {client_id} "
            f"while {context.doing()} (401): the app is no longer installed on the shop or lost access; "
            "install it again from the Dev Dashboard, then run `shopstream shop connect "
            "--client-credentials` to check it.",
            context=context,
            status=401,
            detail=detail,
        )
    return errors.AuthError(
        f"Shopify shop {shop} rejected the access token while {context.doing()} (401): the token is "
        f"wrong, revoked or expired; store a valid Admin API token with `{secret_hint}`.",
        context=context,
        status=401,
        detail=detail,
    )


def grant_refused(
    shop: str,
    client_id: str,
    status: int,
    body: object,
    *,
    secret_hint: str,
    secrets: Iterable[str] = (),
) -> errors.ShopifyError:
    """The token endpoint refused the client credentials grant (HTTP `status`, OAuth error `body`)."""
    context = ErrorContext(shop, f"fetching an access token for app {client_id} by client credentials")
    secrets = tuple(secrets)
    code = body.get("error") if isinstance(body, Mapping) else None
    description = body.get("error_description") if isinstance(body, Mapping) else None
    text = ": ".join(str(part) for part in (code, description) if part) or f"HTTP {status}"
    said = errors.redact(text, secrets).rstrip(".")
    if code == "invalid_client":
        return errors.AuthError(
            f"Shopify shop {shop} refused the client credentials of app {client_id} ({said}): the client "
            "id or the client secret is wrong (a rotated secret?); store the app's current client secret "
            f"with `{secret_hint}`.",
            context=context,
            status=status,
            detail=said,
        )
    if code in ("shop_not_permitted", "app_not_installed") or "not installed" in said.lower():
        return errors.AuthError(
            f"Shopify shop {shop} does not let app {client_id} fetch tokens ({said}): the app is not "
            "installed on this shop, or is not an app of the shop's organisation (the client credentials "
            "grant is only for those); install it from the Dev Dashboard and run the command again.",
            context=context,
            status=status,
            detail=said,
        )
    if status >= 500:
        return errors.ServerError(
            f"Shopify shop {shop} failed with HTTP {status} while {context.doing()}: this is a problem "
            "on Shopify's side; run the command again later.",
            context=context,
            status=status,
            detail=said,
        )
    return errors.AuthError(
        f"Shopify shop {shop} refused the client credentials grant of app {client_id} (HTTP {status}, "
        f"{said}): check the client_id in the stack file and the client secret stored with "
        f"`{secret_hint}`.",
        context=context,
        status=status,
        detail=said,
    )


# A client-credentials token carries the scopes of the app's installation, so a missing scope is fixed
# in the app's configuration, not by storing another token.
APP_SCOPE_FIX = (
    "add the scope to the app's configuration in the Dev Dashboard, release the new version and approve "
    "it on the shop (the next client-credentials token carries it)"
)


def missing_app_scope(
    context: ErrorContext, scopes: frozenset[str], *, detail: str = ""
) -> errors.ScopeError:
    """The app (tokens by client credentials) has none of `scopes`, any one of which grants the topic."""
    ordered = sorted(scopes, key=lambda s: (not s.startswith("read_"), len(s), s))
    needs = f"the {ordered[0]} scope" if ordered else "the access scope this topic needs"
    alternatives = f" (any of {', '.join(ordered)} grants it)" if len(ordered) > 1 else ""
    return errors.ScopeError(
        f"Shopify shop {context.shop} refused topic {context.topic}: the app lacks {needs}{alternatives}; "
        f"{APP_SCOPE_FIX}.",
        context=context,
        detail=detail,
        scopes=scopes,
    )
