"""URL values of a stack file as user-facing messages: destinations, the Admin API endpoint template and
the AEP service URLs. The rules themselves are ``shopstream.shopify_api.addresses``; here they get the value
in
front (``"http://x" uses plain http; …``)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from shopstream.shopify_api import addresses

from .findings import quoted_list, show

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_SAMPLE_SHOP = "example-shop"


def destination_problems(value: str) -> list[str]:
    """A subscription destination of any kind (https, Pub/Sub, EventBridge)."""
    return [f"{show(value)} {problem}" for problem in addresses.destination_problems(value)]


def service_url_problems(url: str) -> list[str]:
    """An AEP service base URL: credentials travel there, so https unless it is loopback."""
    return [f"{show(url)} {problem}" for problem in addresses.url_problems(url, public=False)]


def endpoint_problems(template: str) -> list[str]:
    """The Admin API base URL template: only the literal ``{shop}`` placeholder, no other braces."""
    names = _PLACEHOLDER.findall(template)
    others = sorted({name for name in names if name != "shop"})
    problems: list[str] = []
    if "{shop}" not in template:
        problems.append(
            f"{show(template)} does not contain {{shop}}; allowed: an http(s) URL template such as "
            "https://{shop}.myshopify.com or http://127.0.0.1:8787/shops/{shop}"
        )
    if others:
        problems.append(
            f"{show(template)} uses the placeholder(s) {quoted_list([show(n)[1:-1] for n in others[:5]])}; "
            "the only placeholder allowed is {shop}"
        )
        return problems
    rest = template.replace("{shop}", "")
    if "{" in rest or "}" in rest:
        problems.append(
            f"{show(template)} has a brace outside the {{shop}} placeholder (unbalanced braces?); the only "
            "placeholder allowed is {shop}, written exactly so"
        )
        return problems
    if problems:
        return problems
    url = template.replace("{shop}", _SAMPLE_SHOP)
    found = addresses.url_problems(url, public=False)
    if found:
        # Access tokens travel to this endpoint: the same rules as any service URL (https unless loopback).
        return [f"{show(template)} {problem.replace(_SAMPLE_SHOP, '{shop}')}" for problem in found]
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        problems.append(
            f"{show(template)} has a query or fragment; the client appends /admin/api/<version>/… "
            "to it, so give only scheme, host and path"
        )
    return problems
