"""A webhook subscription's declared inputs: validation, normalisation and diff (pure functions).

Used by the dynamic provider's check() and diff(); kept free of Pulumi and HTTP so it is easy to test.
Values may be Pulumi's "unknown" sentinel during preview (e.g. an address computed from another
resource); such values are passed through unvalidated and count as changed in a diff.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from shopstream.providers.unknowns import is_unknown
from shopstream.shopify_api import topics
from shopstream.shopify_api.addresses import is_loopback_host

SHOP_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
API_VERSION = re.compile(r"^(\d{4}-(01|04|07|10)|unstable)$")
FORMATS = ("json", "xml")
DEFAULT_FORMAT = "json"

APIS = ("graphql", "rest")
# States written before the GraphQL transport existed have no `api`: they were made over REST.
LEGACY_API = "rest"

INPUT_KEYS = (
    "shop",
    "topic",
    "address",
    "format",
    "fields",
    "metafield_namespaces",
    "filter",
    "name",
    "api",
    "api_version",
    "endpoint",
    "client_id",
    "may_adopt",
)
# Changing these needs a new subscription: the topic is immutable (GraphQL has no topic in the update
# input, Terraform marks it ForceNew); another shop is another object.  The REST PUT documents only
# address, fields and metafield_namespaces (reference §1.3), so over REST a format change replaces too;
# webhookSubscriptionUpdate takes the format (§4.2), so over GraphQL it is an update.
REPLACE_KEYS = ("shop", "topic")
REST_REPLACE_KEYS = ("format",)
# What Shopify holds and an update changes in place.
SHOPIFY_KEYS = ("address", "format", "fields", "metafield_namespaces", "filter", "name")
# Shown as updates but sent nowhere: the Admin API version and flavour only say how to talk to Shopify
# (a subscription's payload version is the app's setting, reference §0), so switching them converts
# the state in place; the preview shows them so a reviewer sees the change.
LOCAL_UPDATE_KEYS = ("api_version", "api")
# Everything else is ignored by diff: endpoint and client_id only say where and as whom to connect,
# may_adopt only matters to a create, and `__provider` changes with every code change.


def default_endpoint(shop: str) -> str:
    return f"https://{shop}.myshopify.com"


def latest_stable_api_version() -> str:
    return topics.STABLE_API_VERSIONS[-1]


def all_known(values: Mapping[str, Any], keys: tuple[str, ...]) -> bool:
    """True when none of `keys` is Pulumi's unknown sentinel (i.e. not computed later)."""
    return not any(is_unknown(values.get(key)) for key in keys)


def url_problem(value: str) -> str | None:
    """Why `value` is not an https URL (or an http URL on a loopback host); None if it is fine."""
    if value != value.strip() or any(c.isspace() for c in value):
        return "must not contain whitespace"
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return "is not a valid URL"
    if parts.username or parts.password:
        return "must not contain credentials"
    if not host:
        return "must be an absolute https URL with a host"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and is_loopback_host(host):
        return None
    if parts.scheme == "http":
        return "must use https (plain http is only allowed for 127.0.0.1/localhost)"
    return "must be an https URL"


def destination_problem(value: object, api: object) -> str | None:
    """Why `value` cannot be a subscription's destination: HTTPS everywhere; over GraphQL also a
    Google Pub/Sub URI or an EventBridge event source ARN (reference §4.2; the stack-file validator
    checks their exact forms)."""
    if not isinstance(value, str) or not value:
        return "is missing"
    if value.startswith(("pubsub://", "arn:aws:events:")):
        if api != "graphql":
            return "can be a Pub/Sub or EventBridge destination only with the GraphQL Admin API"
        return "must not contain whitespace" if any(c.isspace() for c in value) else None
    return url_problem(value)


def _optional_string(name: str, value: object, failures: list[Failure]) -> object:
    if value is None or value == "" or is_unknown(value):
        return None if value == "" else value
    if not isinstance(value, str):
        failures.append(Failure(name, f"{name} must be a string"))
    return value


@dataclass(frozen=True)
class Failure:
    property: str
    reason: str


def _string_list(name: str, value: object, failures: list[Failure]) -> object:
    """Sorted, de-duplicated list of non-empty strings (order and repeats are not meaningful)."""
    if value is None:
        return []
    if is_unknown(value):
        return value
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        failures.append(Failure(name, f"{name} must be a list of strings"))
        return value
    cleaned = [item.strip() for item in value]
    if any(not item for item in cleaned):
        failures.append(Failure(name, f"{name} must not contain empty strings"))
        return value
    return sorted(set(cleaned))


def normalise(news: Mapping[str, Any]) -> tuple[dict[str, Any], list[Failure]]:
    """Checked and normalised inputs (only INPUT_KEYS) and one failure per bad field."""
    failures: list[Failure] = []
    out: dict[str, Any] = {}

    shop = news.get("shop")
    if not is_unknown(shop) and (not isinstance(shop, str) or not SHOP_NAME.match(shop)):
        failures.append(
            Failure("shop", f"shop must be a Shopify shop handle matching {SHOP_NAME.pattern} (e.g. acme-eu)")
        )
    out["shop"] = shop

    api_version = news.get("api_version") or latest_stable_api_version()
    if not is_unknown(api_version) and not (isinstance(api_version, str) and API_VERSION.match(api_version)):
        reason = "api_version must look like 2026-10 (a quarter: -01/-04/-07/-10) or unstable"
        failures.append(Failure("api_version", reason))
    out["api_version"] = api_version

    topic = news.get("topic")
    if not is_unknown(topic):
        problem = _topic_problem(topic, api_version)
        if problem:
            failures.append(Failure("topic", problem))
    out["topic"] = topic

    address = news.get("address")
    if not is_unknown(address):
        address_problem = destination_problem(address, news.get("api") or LEGACY_API)
        if address_problem:
            failures.append(Failure("address", f"address {address_problem}"))
    out["address"] = address

    fmt = news.get("format") or DEFAULT_FORMAT
    if isinstance(fmt, str) and not is_unknown(fmt):
        fmt = fmt.lower()
        if fmt not in FORMATS:
            failures.append(Failure("format", "format must be json or xml"))
    elif not is_unknown(fmt):
        failures.append(Failure("format", "format must be json or xml"))
    out["format"] = fmt

    out["fields"] = _string_list("fields", news.get("fields"), failures)
    namespaces = news.get("metafield_namespaces")
    out["metafield_namespaces"] = _string_list("metafield_namespaces", namespaces, failures)

    api = news.get("api") or LEGACY_API
    if api not in APIS:
        failures.append(Failure("api", "api must be graphql or rest"))
    out["api"] = api
    out["filter"] = _optional_string("filter", news.get("filter"), failures)
    if out["filter"] is not None and api == "rest":
        failures.append(Failure("filter", "filter needs the GraphQL Admin API (shopify.api: graphql)"))
    out["name"] = _optional_string("name", news.get("name"), failures)
    out["client_id"] = _optional_string("client_id", news.get("client_id"), failures)
    out["may_adopt"] = bool(news.get("may_adopt", False))

    endpoint = news.get("endpoint")
    if endpoint is None and isinstance(shop, str) and not is_unknown(shop):
        endpoint = default_endpoint(shop)
    if not is_unknown(endpoint):
        if not isinstance(endpoint, str):
            failures.append(
                Failure("endpoint", "endpoint must be a URL such as https://acme-eu.myshopify.com")
            )
        else:
            endpoint = endpoint.rstrip("/")
            endpoint_problem = url_problem(endpoint)
            if endpoint_problem is None and (urlsplit(endpoint).query or urlsplit(endpoint).fragment):
                endpoint_problem = "must not have a query or fragment"
            if endpoint_problem:
                failures.append(Failure("endpoint", f"endpoint {endpoint_problem}"))
    out["endpoint"] = endpoint
    return out, failures


def _topic_problem(topic: object, api_version: object) -> str | None:
    if not isinstance(topic, str) or not topic:
        return "topic is missing (REST form, e.g. orders/create)"
    known_version = isinstance(api_version, str) and not is_unknown(api_version)
    version = api_version if known_version and isinstance(api_version, str) else topics.UNSTABLE
    resolved = topics.resolve_api_version(version)
    known = topics.known_topics(resolved)
    if topic in known:
        return None
    if topic in topics.COMPLIANCE_TOPICS:
        return (
            f"topic {topic} is a compliance topic; it is declared in shopify.app.toml, "
            "not subscribed via the API"
        )
    hint = difflib.get_close_matches(topic, sorted(known), n=1)
    suggestion = f" (did you mean {hint[0]}?)" if hint else ""
    return f"topic {topic} is not a webhook topic in Admin API version {resolved}{suggestion}"


def _comparable(key: str, value: Any) -> Any:
    if key in ("fields", "metafield_namespaces"):
        if value is None:
            return []
        if isinstance(value, list) and not is_unknown(value):
            return sorted(set(value))
    if key == "format":
        return (value or DEFAULT_FORMAT).lower() if isinstance(value, str) or value is None else value
    return value


def changed_keys(olds: Mapping[str, Any], news: Mapping[str, Any], keys: tuple[str, ...]) -> list[str]:
    """Keys whose normalised values differ; an unknown new value always counts as a change."""
    changed = []
    for key in keys:
        new = news.get(key)
        if is_unknown(new) or _comparable(key, olds.get(key)) != _comparable(key, new):
            changed.append(key)
    return changed


@dataclass(frozen=True)
class Diff:
    replaces: list[str]
    updates: list[str]

    @property
    def changes(self) -> bool:
        return bool(self.replaces or self.updates)


def diff(olds: Mapping[str, Any], news: Mapping[str, Any]) -> Diff:
    olds = {**olds, "api": olds.get("api") or LEGACY_API}
    news = {**news, "api": news.get("api") or LEGACY_API}
    over_rest = news["api"] == "rest"
    replace_keys = REPLACE_KEYS + (REST_REPLACE_KEYS if over_rest else ())
    update_keys = tuple(k for k in SHOPIFY_KEYS + LOCAL_UPDATE_KEYS if k not in replace_keys)
    if news.get("name") is None:
        update_keys = tuple(k for k in update_keys if k != "name")  # REST: Shopify keeps no name
    return Diff(changed_keys(olds, news, replace_keys), changed_keys(olds, news, update_keys))


def shopify_changes(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """The keys whose change needs a request to Shopify (an update of only LOCAL_UPDATE_KEYS needs none)."""
    keys = tuple(k for k in SHOPIFY_KEYS if k != "name" or news.get("name") is not None)
    return changed_keys(olds, news, keys)
