"""Validation of a webhook subscription ``address`` (reference §4.5, §10 item 4).

Messages are Shopify's GraphQL userError texts without the leading attribute name, which is how the REST
API reports attribute errors (``{"errors":{"address":["for this topic has already been taken"]}}``).
Only the duplicate message is captured from REST; the REST bodies of the others are derived (UNCONFIRMED).
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

MAX_ADDRESS_BYTES = 64 * 1024

# EMULATOR ALLOWANCE: Shopify accepts only https:// and rejects local hosts. The emulator also accepts
# http:// and https:// to loopback hosts so that it can deliver webhooks to a receiver on this machine.
LOOPBACK_HOSTS: frozenset[str] = frozenset({"127.0.0.1", "localhost", "::1"})

# Shopify's own and internal domains (the shop's *.myshopify.com domain among them) are refused.
_SHOPIFY_DOMAINS: tuple[str, ...] = (
    "myshopify.com",
    "shopify.com",
    "shopifycloud.com",
    "shopifycdn.com",
    "shopifysvc.com",
    "shopifypreview.com",
    "shopify.io",
    "myshopify.io",
    "shopify.dev",
    "shop.app",
)
_INTERNAL_SUFFIXES: tuple[str, ...] = ("localhost", "local", "internal", "localdomain")

_PUBSUB = re.compile(r"^pubsub://([a-z][a-z0-9-]{4,28}[a-z0-9]):([A-Za-z][A-Za-z0-9._~+%-]{2,254})$")
# arn:aws:events:<region>::event-source/aws.partner/shopify.com/<app_id>/<event_source_name>
_EVENTBRIDGE = re.compile(
    r"^arn:aws:events:[a-z0-9-]+::event-source/aws\.partner/shopify\.com/\d+/[A-Za-z0-9._/-]+$"
)

BLANK = "can't be blank"
INVALID = "is invalid"
INTERNAL_DOMAIN = "cannot be a Shopify or an internal domain"
TOO_BIG = "is too big (maximum is 64 KB)"
BAD_PUBSUB = "is not a valid GCP pub/sub format. Format should be pubsub://project:topic"
BAD_EVENTBRIDGE = (  # UNCONFIRMED wording
    "is not a valid AWS EventBridge event source ARN. Format should be "
    "arn:aws:events:<region>::event-source/aws.partner/shopify.com/<app_id>/<event_source_name>"
)
CLOUD_NEEDS_JSON = "can only be used with format: 'json'"


def protocol_not_supported(scheme: str) -> str:
    return f"protocol {scheme}:// is not supported"


def is_cloud_address(address: str) -> bool:
    """Pub/Sub or EventBridge rather than HTTP."""
    return address.startswith(("pubsub://", "arn:"))


def is_loopback_host(host: str) -> bool:
    return host.lower().strip("[]") in LOOPBACK_HOSTS


def _is_internal_host(host: str) -> bool:
    name = host.lower().rstrip(".")
    try:
        ip = ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        if "." not in name:  # a bare intranet name
            return True
        return any(name == d or name.endswith("." + d) for d in (*_SHOPIFY_DOMAINS, *_INTERNAL_SUFFIXES))
    return not ip.is_global


def address_errors(address: str) -> list[str]:
    """Error messages for ``address`` (empty when valid). The caller checks presence and type first."""
    if len(address.encode()) > MAX_ADDRESS_BYTES:
        return [TOO_BIG]
    if address.startswith("pubsub://"):
        return [] if _PUBSUB.match(address) else [BAD_PUBSUB]
    if address.startswith("arn:"):
        return [] if _EVENTBRIDGE.match(address) else [BAD_EVENTBRIDGE]
    if "://" not in address:  # relative paths, bare hosts
        return [INVALID]
    try:
        parts = urlsplit(address)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return [INVALID]
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return [protocol_not_supported(scheme or address.split("://", 1)[0])]
    if not host:
        return [INVALID]
    if is_loopback_host(host):
        return []  # emulator allowance, see LOOPBACK_HOSTS
    if scheme == "http":
        return [protocol_not_supported("http")]
    if _is_internal_host(host):
        return [INTERNAL_DOMAIN]
    return []
