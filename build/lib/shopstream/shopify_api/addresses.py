"""Webhook destinations as Shopify accepts them (HTTPS, Pub/Sub, EventBridge), and which hosts are this
machine (plain http:// and the emulator are allowed only to them).

Every ``*_problems`` function returns sentences that follow the value in a message (``"<value>" uses plain
http; …``), empty when the value is fine. Rules cite the reference (``../shared/reference/
shopify-admin-api.md``); a rule marked UNCONFIRMED is ours, chosen because Shopify's exact check is not
documented and the value could not work anyway.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import urlsplit

ALLOWED_HTTP = "https:// URLs; plain http:// only for loopback hosts (127.0.0.0/8, localhost, [::1])"
ALLOWED_DESTINATIONS = (
    "an https:// URL, pubsub://{project}:{topic} or an EventBridge partner event source ARN "
    "arn:aws:events:{region}::event-source/aws.partner/shopify.com/{app id}/{name}"
)

# §4.5 "Address is too big (maximum is 64 KB)": from a third-party emulator, UNCONFIRMED live.
MAX_URI_BYTES = 64 * 1024
# RFC 1035 limits for DNS names.
_MAX_HOST_LENGTH = 253
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")

# §4.5 "Address cannot be a Shopify or an internal domain". shopify.com and myshopify.com are in the
# captures and the reference; the others are Shopify-owned domains we refuse too (UNCONFIRMED).
_SHOPIFY_DOMAINS = ("shopify.com", "myshopify.com", "shopify.dev", "shopifycloud.com", "shopifycdn.com")
# Names that never resolve publicly (RFC 6761/6762/8375 and common private suffixes); Shopify's own list
# of "internal" domains is UNCONFIRMED.
_INTERNAL_SUFFIXES = ("localhost", "local", "internal", "localdomain", "lan", "home.arpa", "intranet", "corp")

# Pub/Sub (§4.2: pubsub://{project-id}:{topic-id}). The id rules are Google Cloud's naming rules for
# project and topic ids; that Shopify checks them beyond the shape is UNCONFIRMED.
_PUBSUB = re.compile(r"pubsub://([^:/]*):(.*)", re.DOTALL)
_GCP_PROJECT = re.compile(r"[a-z][a-z0-9-]{4,28}[a-z0-9]")
_GCP_TOPIC = re.compile(r"[A-Za-z][A-Za-z0-9._~+%-]{2,254}")

# EventBridge (§9.1: arn:aws:events:<region>::event-source/aws.partner/shopify.com/<app_id>/<name>;
# Shopify validates the app id inside it). The region shape, a numeric app id and AWS's partner event
# source name characters ([.-_A-Za-z0-9], segments separated by /) are UNCONFIRMED details.
_ARN_PREFIX = "arn:aws:events:"
_ARN = re.compile(
    r"arn:aws:events:(?P<region>[a-z]{2}(?:-[a-z]+)+-[0-9]+)::event-source/aws\.partner/shopify\.com/"
    r"(?P<app>[0-9]+)/(?P<name>[.\-_A-Za-z0-9]+(?:/[.\-_A-Za-z0-9]+)*)"
)


def is_loopback_host(host: str) -> bool:
    """`localhost` or any loopback address (127.0.0.0/8, ::1), with or without IPv6 brackets."""
    host = host.strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def destination_kind(uri: str) -> str:
    """``"pubsub"``, ``"eventbridge"`` or ``"https"`` (anything else is checked as a URL)."""
    if uri.startswith("pubsub://"):
        return "pubsub"
    if uri.startswith("arn:"):
        return "eventbridge"
    return "https"


def destination_problems(uri: str) -> list[str]:
    """A subscription's ``uri``/``address`` of any kind (the API and format rules are the caller's)."""
    problem = _text_problem(uri)
    if problem is not None:
        return [problem]
    kind = destination_kind(uri)
    if kind == "pubsub":
        return pubsub_problems(uri)
    if kind == "eventbridge":
        return eventbridge_problems(uri)
    return url_problems(uri, public=True)


def _text_problem(text: str) -> str | None:
    """Characters no URL may carry, and the size limit."""
    if len(text) > MAX_URI_BYTES:  # before the scan, which would otherwise walk a megabyte
        return f"is longer than {MAX_URI_BYTES // 1024} KB, Shopify's limit for an address"
    if text.isascii() and text.isprintable() and " " not in text:
        return None if "\\" not in text else "contains a backslash; URLs use '/'"  # the usual case, fast
    for ch in text:
        if ch.isspace():
            return "contains whitespace; URLs must not"
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Cs", "Co", "Cn"):
            return f"contains the control or invalid character U+{ord(ch):04X}; URLs must not"
    if "\\" in text:
        return "contains a backslash; URLs use '/'"
    if len(text.encode("utf-8")) > MAX_URI_BYTES:
        return f"is longer than {MAX_URI_BYTES // 1024} KB, Shopify's limit for an address"
    return None


def url_problems(url: str, *, public: bool) -> list[str]:
    """An http(s) URL. ``public``: a webhook destination, where Shopify also refuses its own and internal
    domains; otherwise a service we call (Admin API endpoint, AEP), where any host is ours to choose."""
    problem = _text_problem(url)
    if problem is not None:
        return [problem]
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a non-numeric or out-of-range port
    except ValueError as exc:
        return [f"is not a valid URL ({exc})"]
    if parts.scheme not in ("https", "http"):
        # §4.5 "Address protocol ftp:// is not supported".
        scheme = f'"{parts.scheme}://"' if parts.scheme else "no scheme"
        return [f"has {scheme}; allowed: {ALLOWED_HTTP}"]
    host = parts.hostname
    if not host:
        # §4.5 "Address is invalid" (https with no host).
        return ["has no host; allowed: an absolute URL such as https://example.com/webhooks"]
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        # UNCONFIRMED as a Shopify rule; refused because the URL is stored in state and shown in previews.
        return ["has credentials (user:password@) in it; URLs in a stack file must not carry secrets"]
    if port == 0:
        return ["has port 0, which no server listens on; give a port from 1 to 65535 or none"]
    loopback = is_loopback_host(host)
    if parts.scheme == "http" and not loopback:
        # §4.5 "Address protocol http:// is not supported"; the emulator on loopback is our exception.
        return [f"uses plain http; allowed: {ALLOWED_HTTP}"]
    if loopback:
        return []
    problem = _host_problem(host, public=public)
    if problem is not None:
        return [problem]
    if public and parts.fragment:
        return ["has a #fragment, which is never sent to the server; remove it"]
    return []


def _host_problem(host: str, *, public: bool) -> str | None:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        if public and not address.is_global:
            # §4.5 "Address cannot be a Shopify or an internal domain"; private, link-local, reserved.
            return (
                f"points at the private, link-local or reserved address {host}; Shopify delivers only "
                "to public hosts"
            )
        return None
    name = host.removesuffix(".")
    if not name.isascii():
        return "has a non-ASCII host name; write it in its ASCII (xn--…) form"
    if len(name) > _MAX_HOST_LENGTH:
        return f"has a host name longer than {_MAX_HOST_LENGTH} characters"
    labels = name.split(".")
    if not all(_LABEL.fullmatch(label) for label in labels):
        return (
            "has an invalid host name (letters, digits and '-' in dot-separated parts of 1 to 63 characters)"
        )
    if labels[-1].isdigit() or labels[-1].startswith("0x"):
        # A numeric top-level label is an IPv4 address in another spelling (2130706433, 127.1, 0x7f.1).
        return "has a host that is neither a dotted IPv4 address nor a domain name"
    if not public:
        return None
    if any(name == domain or name.endswith("." + domain) for domain in _SHOPIFY_DOMAINS):
        return "points at a Shopify domain; webhook addresses must be your own endpoint"
    if len(labels) == 1 or any(name == s or name.endswith("." + s) for s in _INTERNAL_SUFFIXES):
        return "points at an internal host name; Shopify delivers only to public hosts"
    return None


def pubsub_problems(uri: str) -> list[str]:
    """``pubsub://{project-id}:{topic-id}`` (§4.2)."""
    found = _PUBSUB.fullmatch(uri)
    if found is None:
        # §4.5 (UNCONFIRMED live) "Address is not a valid GCP pub/sub format".
        return ["is not a Pub/Sub address; allowed: pubsub://{project-id}:{topic-id}"]
    project, topic = found.groups()
    problems: list[str] = []
    if _GCP_PROJECT.fullmatch(project) is None:
        problems.append(
            "has an invalid Google Cloud project id (6 to 30 lowercase letters, digits and '-', starting "
            "with a letter, not ending with '-')"
        )
    if _GCP_TOPIC.fullmatch(topic) is None or topic.startswith("goog"):
        problems.append(
            "has an invalid Pub/Sub topic id (3 to 255 letters, digits and . _ ~ + % -, starting with a "
            'letter, not with "goog")'
        )
    return problems


def eventbridge_problems(uri: str) -> list[str]:
    """The EventBridge partner event source ARN Shopify delivers to (§9.1)."""
    if _ARN.fullmatch(uri) is not None:
        return []
    if not uri.startswith(_ARN_PREFIX):
        return [f"is not an EventBridge event source ARN; allowed: {ALLOWED_DESTINATIONS}"]
    return [
        "is not a Shopify partner event source ARN; allowed: "
        "arn:aws:events:{region}::event-source/aws.partner/shopify.com/{app id}/{event source name}, "
        "e.g. arn:aws:events:us-east-1::event-source/aws.partner/shopify.com/1234567/orders"
    ]
