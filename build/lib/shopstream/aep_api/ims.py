"""Adobe IMS OAuth Server-to-Server tokens: request form, response parsing and expiry math
(aep-platform-api.md §3).  Pure functions; the HTTP call and the cache live in
shopstream/providers/aep/ims.py.

v3 answers `expires_in` in seconds (~86399); the legacy JWT exchange answered milliseconds
(86399992).  A value above MS_THRESHOLD is taken as milliseconds so a legacy-style server does not
yield a 2.7-year token.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

REFRESH_MARGIN_MAX = 300.0  # refresh at most 5 min early …
REFRESH_MARGIN_FRACTION = 0.1  # … or 10 % of the lifetime for short-lived tokens, whichever is smaller
MS_THRESHOLD = 10_000_000  # 115 days in seconds; anything larger is milliseconds
DEFAULT_LIFETIME = 3600.0  # when expires_in is missing: assume an hour, refresh on 401 anyway


def normalise_scopes(scopes: str | Iterable[str]) -> str:
    """Comma-separated scopes, trimmed, de-duplicated, in the given order."""
    items = scopes.split(",") if isinstance(scopes, str) else list(scopes)
    seen: list[str] = []
    for item in items:
        item = str(item).strip()
        if item and item not in seen:
            seen.append(item)
    return ",".join(seen)


def token_request_form(client_id: str, client_secret: str, scopes: str) -> dict[str, str]:
    """The form-encoded body of POST /ims/token/v3 (secrets in the body, never in the URL)."""
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
    if scopes:
        form["scope"] = scopes
    return form


def lifetime_seconds(expires_in: object) -> float:
    """`expires_in` as seconds (see the module docstring); ValueError when not a positive number."""
    if isinstance(expires_in, bool):
        raise ValueError("expires_in is not a number")
    if isinstance(expires_in, str):
        expires_in = float(expires_in)
    if not isinstance(expires_in, (int, float)) or expires_in <= 0:
        raise ValueError("expires_in is not a positive number")
    value = float(expires_in)
    return value / 1000.0 if value > MS_THRESHOLD else value


def refresh_margin(lifetime: float) -> float:
    return min(REFRESH_MARGIN_MAX, max(0.0, lifetime) * REFRESH_MARGIN_FRACTION)


def refresh_at(obtained_at: float, lifetime: float) -> float:
    """The (monotonic) time after which a token obtained at `obtained_at` should be replaced."""
    return obtained_at + max(0.0, lifetime - refresh_margin(lifetime))


@dataclass(frozen=True, repr=False)
class Grant:
    """A parsed token answer; repr never shows the token."""

    access_token: str
    lifetime: float  # seconds

    def __repr__(self) -> str:
        return f"Grant(lifetime={self.lifetime:g})"


def parse_token_response(body: object) -> Grant:
    """`{"access_token", "token_type": "bearer", "expires_in"}` → Grant; ValueError on another shape."""
    if not isinstance(body, Mapping):
        raise ValueError("not a JSON object")
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        raise ValueError("no access_token")
    token_type = body.get("token_type", "bearer")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise ValueError("token_type is not bearer")
    raw = body.get("expires_in")
    lifetime = DEFAULT_LIFETIME if raw is None else lifetime_seconds(raw)
    return Grant(token, lifetime)
