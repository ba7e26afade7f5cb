"""Semantic checks the JSON Schema cannot express: topics per API version, duplicate topics, URL rules.

They run on the raw data even when the schema found problems (so that every problem is reported at
once), and therefore guard every access with isinstance.
"""

from __future__ import annotations

import difflib
import string
from collections.abc import Iterator
from typing import Any
from urllib.parse import SplitResult, urlsplit

from shopify_api.addresses import is_loopback_host
from shopify_api.topics import (
    COMPLIANCE_TOPICS,
    FILTER_REQUIRED_TOPICS,
    SUPPORTED_API_VERSIONS,
    UNSTABLE,
    known_topics,
)

from .findings import Finding, format_path, quoted_list, show
from .yamldoc import DataPath, Document

_ALLOWED_URLS = "https:// URLs; plain http:// only for loopback hosts (127.0.0.0/8, localhost, [::1])"


def semantic_findings(doc: Document) -> list[Finding]:
    data = doc.data
    if not isinstance(data, dict):
        return []
    shopify = data.get("shopify")
    shopify = shopify if isinstance(shopify, dict) else {}
    findings: list[Finding] = []

    endpoint = shopify.get("endpoint")
    if isinstance(endpoint, str):
        findings.extend(Finding(("shopify", "endpoint"), m) for m in endpoint_problems(endpoint))
    default_address = shopify.get("address")
    if isinstance(default_address, str):
        findings.extend(Finding(("shopify", "address"), m) for m in address_problems(default_address))

    platform = data.get("platform")
    if isinstance(platform, dict):
        findings.extend(platform_findings(platform))
        if "address" in shopify:
            findings.append(
                Finding(
                    ("shopify", "address"),
                    'a stack with a "platform" section delivers to its pipeline\'s inlet URL; remove '
                    '"shopify.address" (a topic may still set its own "address")',
                )
            )

    version = shopify.get("api_version")
    api_version = version if isinstance(version, str) and version in SUPPORTED_API_VERSIONS else None
    # With a platform section, a topic without an address delivers to the pipeline's inlet.
    has_default_address = "address" in shopify or isinstance(platform, dict)
    missing_address: list[DataPath] = []

    shops = data.get("shops")
    if isinstance(shops, dict):
        for shop, shop_data in shops.items():
            topics = shop_data.get("topics") if isinstance(shop_data, dict) else None
            if isinstance(topics, list):
                base: DataPath = ("shops", shop, "topics")
                findings.extend(
                    _topic_findings(
                        doc, base, shop, topics, api_version, has_default_address, missing_address
                    )
                )
    if missing_address:
        # One problem, not one per topic: the usual fix is the single default address.
        listed = ", ".join(format_path(path) for path in missing_address[:5])
        more = f" and {len(missing_address) - 5} more" if len(missing_address) > 5 else ""
        verb = "has" if len(missing_address) == 1 else "have"
        findings.append(
            Finding(
                ("shopify",) if "shopify" in data else (),
                f'no "address": add a "platform" section (the AEP pipeline\'s inlet), set a default '
                f'destination in "shopify.address", or "address" on every topic ({listed}{more} {verb} none)',
            )
        )
    return findings


def _topic_findings(
    doc: Document,
    base: DataPath,
    shop: str,
    topics: list[Any],
    api_version: str | None,
    has_default_address: bool,
    missing_address: list[DataPath],
) -> Iterator[Finding]:
    """Findings for one shop's topics; appends topics lacking any address to ``missing_address``."""
    first_line: dict[str, int | None] = {}
    for index, entry in enumerate(topics):
        if isinstance(entry, str):
            topic, topic_path, options = entry, (*base, index), {}
        elif isinstance(entry, dict) and isinstance(entry.get("topic"), str):
            topic, topic_path, options = entry["topic"], (*base, index, "topic"), entry
        else:
            continue  # wrong shape: the schema reports it

        for message in topic_problems(topic, api_version):
            yield Finding(topic_path, message)
        if topic in first_line:
            where = f" (first at line {first_line[topic]})" if first_line[topic] else ""
            yield Finding(
                topic_path,
                f'topic "{topic}" is listed twice for shop "{shop}"{where}; list each topic once, '
                "with all its options on that one entry",
            )
        else:
            first_line[topic] = doc.line(topic_path)

        address = options.get("address")
        if isinstance(address, str):
            for message in address_problems(address):
                yield Finding((*base, index, "address"), message)
        elif "address" not in options and not has_default_address:
            missing_address.append((*base, index))


def platform_findings(platform: dict[str, Any]) -> Iterator[Finding]:
    for key in ("ims_url", "platform_url"):
        url = platform.get(key)
        if isinstance(url, str):
            for message in service_url_problems(url):
                yield Finding(("platform", key), message)
    mapping = platform.get("mapping")
    for index, item in enumerate(mapping if isinstance(mapping, list) else []):
        if isinstance(item, dict) and ("source" in item) == ("expression" in item):
            yield Finding(
                ("platform", "mapping", index),
                'give exactly one of "source" (a payload path) or "expression" (a Data Prep expression)',
            )


def topic_list_hint(api_version: str | None) -> str:
    version = f" --api-version {api_version}" if api_version else ""
    return f"`python -m stackfile topics{version}` lists every topic."


def topic_problems(topic: str, api_version: str | None) -> list[str]:
    """What is wrong with subscribing to ``topic`` (``api_version`` None: the version itself is invalid,
    so only check that the topic exists in some version)."""
    label = f" for API version {api_version}" if api_version else ""
    if topic in COMPLIANCE_TOPICS:
        return [
            f'"{topic}" is a compliance topic{label}: it cannot be subscribed to with the Admin API; '
            "configure it under compliance_topics in shopify.app.toml or in the Partner Dashboard"
        ]
    available = known_topics(api_version or UNSTABLE)
    if topic not in available:
        in_versions = [v for v in SUPPORTED_API_VERSIONS if topic in known_topics(v)]
        if in_versions:
            return [
                f'topic "{topic}" is not available in API version {api_version}; it exists in API '
                f"versions {', '.join(in_versions)}"
            ]
        matches = difflib.get_close_matches(topic, sorted(available), n=3, cutoff=0.6)
        if matches:
            options = [show(match) for match in matches]
            spelled = options[0] if len(options) == 1 else f"{', '.join(options[:-1])} or {options[-1]}"
            hint = f"did you mean {spelled}? {topic_list_hint(api_version)}"
        else:
            hint = topic_list_hint(api_version)
        return [f'unknown topic "{topic}"{label}; {hint}']
    if topic in FILTER_REQUIRED_TOPICS:
        # Shopify only accepts these with a `type:{type}` filter, which stack files cannot express yet.
        return [
            f'topic "{topic}" needs a "type:<metaobject type>" filter, which stack files do not '
            "support yet; remove it from the list"
        ]
    return []


def _split(url: str) -> tuple[SplitResult | None, str | None]:
    """urlsplit plus the checks every URL here needs; returns (parts, None) or (None, problem)."""
    if any(ch.isspace() for ch in url):
        return None, f"{show(url)} contains whitespace; URLs must not"
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a non-numeric or out-of-range port
    except ValueError as exc:
        return None, f"{show(url)} is not a valid URL ({exc})"
    if parts.scheme not in ("https", "http"):
        scheme = f'"{parts.scheme}://"' if parts.scheme else "no scheme"
        return None, f"{show(url)} has {scheme}; allowed: {_ALLOWED_URLS}"
    if not parts.hostname:
        return None, f"{show(url)} has no host; allowed: an absolute URL such as https://example.com/webhooks"
    return parts, None


def address_problems(address: str) -> list[str]:
    parts, problem = _split(address)
    if parts is None:
        return [problem or "invalid URL"]
    host = parts.hostname or ""
    if parts.scheme == "http" and not is_loopback_host(host):
        return [f"{show(address)} uses plain http; allowed: {_ALLOWED_URLS}"]
    if host == "shopify.com" or host.endswith((".shopify.com", ".myshopify.com")):
        # Shopify rejects webhook addresses on its own domains.
        return [f"{show(address)} points at a Shopify domain; webhook addresses must be your own endpoint"]
    return []


def service_url_problems(url: str) -> list[str]:
    """An AEP service base URL: credentials travel there, so https unless it is loopback."""
    parts, problem = _split(url)
    if parts is None:
        return [problem or "invalid URL"]
    if parts.scheme == "http" and not is_loopback_host(parts.hostname or ""):
        return [f"{show(url)} uses plain http; allowed: {_ALLOWED_URLS}"]
    return []


def endpoint_problems(template: str) -> list[str]:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError:
        return [f"{show(template)} has unbalanced braces; the only placeholder allowed is {{shop}}"]
    problems: list[str] = []
    if "shop" not in names:
        problems.append(
            f"{show(template)} does not contain {{shop}}; allowed: an http(s) URL template such as "
            "https://{shop}.myshopify.com or http://127.0.0.1:8787/shops/{shop}"
        )
    if names - {"shop"}:
        problems.append(
            f"{show(template)} uses the placeholder(s) {quoted_list(sorted(names - {'shop'}))}; "
            "the only placeholder allowed is {shop}"
        )
        return problems
    parts, problem = _split(template.replace("{shop}", "example-shop"))
    if parts is None:
        problems.append((problem or "invalid URL").replace("example-shop", "{shop}"))
        return problems
    if parts.scheme == "http" and not is_loopback_host(parts.hostname or ""):
        # Access tokens travel to this endpoint: never in clear text over a network.
        problems.append(f"{show(template)} uses plain http; allowed: {_ALLOWED_URLS}")
    if parts.query or parts.fragment:
        problems.append(
            f"{show(template)} has a query or fragment; the client appends /admin/api/<version>/… "
            "to it, so give only scheme, host and path"
        )
    return problems
