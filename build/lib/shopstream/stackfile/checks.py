"""Semantic checks the JSON Schema cannot express: served API versions, topics per version, duplicates,
destinations per API and format, filters, names and the owner marker.

They run on the raw data even when the schema found problems (so that every problem is reported at
once), and therefore guard every access with isinstance.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shopstream.shopify_api import addresses, ownership, versions
from shopstream.shopify_api.topics import FILTER_REQUIRED_TOPICS

from .filters import filter_problems, metaobject_type
from .findings import Finding, format_path, show
from .schema import MAX_FILTER_LENGTH, MAX_SHOPS, MAX_TOPICS
from .structure import unsupported_version_message
from .topicnames import canonical, topic_problems
from .urls import destination_problems, endpoint_problems, service_url_problems
from .yamldoc import DataPath, Document

# Topics Shopify delivers only to Pub/Sub or EventBridge (reference §5).
CLOUD_ONLY_TOPICS = frozenset({"audit_events/admin_api_activity"})
# "did you mean" costs a difflib pass over ~250 topics: only the first unknown topics get one.
_SUGGESTIONS = 20


@dataclass(frozen=True)
class Context:
    """What the checks need besides the data: the date (served versions) and the owner-marker parts."""

    today: date
    stack: str
    project: str | None = None  # None: unknown, so only the stack's part of the marker is checked


@dataclass
class _State:
    """Values of the ``shopify`` section the topic checks depend on."""

    api: str
    api_version: str | None  # None: invalid, so version-specific checks are skipped
    default_address: str | None
    default_format: str
    default_fields: tuple[str, ...] | None
    has_default_address: bool
    missing_address: list[DataPath] = field(default_factory=list)
    suggestions_left: int = _SUGGESTIONS


def _synonyms(options: dict[str, Any], base: DataPath, first: str, second: str) -> tuple[Any, list[Finding]]:
    """The value of a key that has a synonym; a finding when both are given."""
    if first in options and second in options:
        return options[first], [
            Finding((*base, second), f'give either "{first}" or "{second}" (they mean the same), not both')
        ]
    return options.get(first, options.get(second)), []


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    return None


def semantic_findings(doc: Document, context: Context) -> list[Finding]:
    data = doc.data
    if not isinstance(data, dict):
        return []
    shopify = data.get("shopify")
    shopify = shopify if isinstance(shopify, dict) else {}
    findings: list[Finding] = []

    endpoint = shopify.get("endpoint")
    if isinstance(endpoint, str):
        findings.extend(Finding(("shopify", "endpoint"), m) for m in endpoint_problems(endpoint))

    api = shopify.get("api", "graphql")
    api = api if api in ("graphql", "rest") else "graphql"
    version = shopify.get("api_version")
    api_version: str | None = None
    if isinstance(version, str) and versions.is_version_handle(version):
        if versions.is_served(version, context.today):
            api_version = version
        else:
            # Shopify itself would silently fall forward to the oldest stable version instead.
            findings.append(
                Finding(("shopify", "api_version"), unsupported_version_message(version, context.today))
            )

    defaults = shopify.get("defaults")
    defaults = defaults if isinstance(defaults, dict) else {}
    default_format = defaults.get("format", "json")
    default_fields, problems = _synonyms(defaults, ("shopify", "defaults"), "fields", "include_fields")
    findings.extend(problems)
    fields_key = "fields" if "fields" in defaults else "include_fields"
    findings.extend(_fields_findings(default_fields, ("shopify", "defaults", fields_key), api))

    default_address, problems = _synonyms(shopify, ("shopify",), "address", "uri")
    findings.extend(problems)
    address_key = "address" if "address" in shopify else "uri"
    if isinstance(default_address, str):
        findings.extend(
            _destination_findings(default_address, ("shopify", address_key), api, default_format, None)
        )

    platform = data.get("platform")
    if isinstance(platform, dict):
        findings.extend(platform_findings(platform))
        if default_address is not None:
            findings.append(
                Finding(
                    ("shopify", address_key),
                    f'a stack with a "platform" section delivers to its pipeline\'s inlet URL; remove '
                    f'"shopify.{address_key}" (a topic may still set its own "address")',
                )
            )

    if api == "graphql":
        findings.extend(_marker_findings(context))

    state = _State(
        api=api,
        api_version=api_version,
        default_address=default_address if isinstance(default_address, str) else None,
        default_format=default_format if isinstance(default_format, str) else "json",
        default_fields=_strings(default_fields),
        # With a platform section, a topic without an address delivers to the pipeline's inlet.
        has_default_address=default_address is not None or isinstance(platform, dict),
    )
    shops = data.get("shops")
    # Past the schema's limits, its one finding says enough (and checking each entry would cost more).
    if isinstance(shops, dict) and len(shops) <= MAX_SHOPS:
        for shop, shop_data in shops.items():
            topics = shop_data.get("topics") if isinstance(shop_data, dict) else None
            if isinstance(topics, list) and len(topics) <= MAX_TOPICS:
                findings.extend(_shop_findings(doc, ("shops", shop, "topics"), shop, topics, state, context))
    if state.missing_address:
        # One problem, not one per topic: the usual fix is the single default address.
        missing = state.missing_address
        listed = ", ".join(format_path(path) for path in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        verb = "has" if len(missing) == 1 else "have"
        findings.append(
            Finding(
                ("shopify",) if "shopify" in data else (),
                f'no "address": add a "platform" section (the AEP pipeline\'s inlet), set a default '
                f'destination in "shopify.address", or "address" on every topic ({listed}{more} {verb} none)',
            )
        )
    return findings


def _marker_findings(context: Context) -> Iterator[Finding]:
    """With GraphQL the subscription name marks the owner: the stack (and project) must fit in it."""
    if context.project is not None:
        problem = ownership.prefix_problem(context.project, context.stack)
    else:
        problem = ownership.part_problem("stack", context.stack)
    if problem is not None:
        yield Finding(
            ("shopify",),
            f"stack {show(context.stack)} cannot own GraphQL subscriptions: {problem} (subscription names "
            "are <project>--<stack>--<label>, at most 50 characters); rename the stack or use "
            "shopify.api rest",
        )


def _fields_findings(value: Any, path: DataPath, api: str) -> Iterator[Finding]:
    fields = _strings(value)
    if fields is None or api != "rest":
        return
    for index, name in enumerate(fields):
        if "." in name:
            yield Finding(
                (*path, index),
                f"{show(name)} is a nested path; with shopify.api rest only top-level fields can be "
                "selected (shopify.api graphql allows nested paths such as variants.price)",
            )


def _destination_findings(
    address: str, path: DataPath, api: str, format_: Any, topic: str | None
) -> Iterator[Finding]:
    problems = destination_problems(address)
    if problems:
        yield from (Finding(path, message) for message in problems)
        return
    kind = addresses.destination_kind(address)
    if kind != "https" and api != "graphql":
        what = "a Pub/Sub" if kind == "pubsub" else "an EventBridge"
        yield Finding(
            path,
            f"{show(address)} is {what} destination; Pub/Sub and EventBridge need shopify.api graphql",
        )
    if kind != "https" and format_ == "xml":
        # §4.5 "Format can only be used with format: 'json'".
        yield Finding(path, f"{show(address)} delivers json only; remove format: xml for this destination")
    if kind == "https" and topic in CLOUD_ONLY_TOPICS:
        yield Finding(
            path,
            f'topic "{topic}" is delivered only to Pub/Sub or EventBridge; give a pubsub:// or '
            "arn:aws:events: destination",
        )


def _shop_findings(
    doc: Document, base: DataPath, shop: str, topics: list[Any], state: _State, context: Context
) -> Iterator[Finding]:
    first_line: dict[str, int | None] = {}
    labels: dict[str, tuple[str, int | None]] = {}  # lower-cased label -> (label, line)
    for index, entry in enumerate(topics):
        if isinstance(entry, str):
            text, topic_path, options = entry, (*base, index), {}
        elif isinstance(entry, dict) and isinstance(entry.get("topic"), str):
            text, topic_path, options = entry["topic"], (*base, index, "topic"), entry
        else:
            continue  # wrong shape: the schema reports it
        if len(text) > 100:
            continue  # the schema's maxLength reports it; no topic is this long
        entry_path: DataPath = (*base, index)

        topic, problems = canonical(text, suggest=state.suggestions_left > 0)
        if topic is not None:
            problems = topic_problems(
                topic, state.api_version, context.today, suggest=state.suggestions_left > 0
            )
        if problems:
            state.suggestions_left -= 1
        yield from (Finding(topic_path, message) for message in problems)
        if topic is None:
            continue

        duplicate = topic in first_line
        if duplicate:
            where = f" (first at line {first_line[topic]})" if first_line[topic] else ""
            spelled = f'"{topic}"' if text == topic else f"{show(text)} ({topic})"
            yield Finding(
                topic_path,
                f'topic {spelled} is listed twice for shop "{shop}"{where}; list each topic once, '
                "with all its options on that one entry",
            )
        else:
            first_line[topic] = doc.line(topic_path)

        yield from _options_findings(entry_path, topic, options, state)

        if duplicate or state.api != "graphql":
            continue  # names exist only with GraphQL; a repeated topic is already reported
        label = options.get("name")
        label = label if isinstance(label, str) else ownership.default_label(topic)
        key = label.lower()
        if key in labels:
            other, line = labels[key]
            where = f" (first at line {line})" if line else ""
            yield Finding(
                (*entry_path, "name") if "name" in options else topic_path,
                f'subscription name "{label}" is used twice for shop "{shop}"{where}: names are unique per '
                f'shop, ignoring case (a topic without "name" is named after its topic, here "{other}"); '
                'give one of them another "name"',
            )
        else:
            labels[key] = (label, doc.line(entry_path))


def _options_findings(
    entry_path: DataPath, topic: str, options: dict[str, Any], state: _State
) -> Iterator[Finding]:
    """A topic's own options, and the stack defaults as they apply to it."""
    format_ = options.get("format", state.default_format)
    address, problems = _synonyms(options, entry_path, "address", "uri")
    yield from problems
    if isinstance(address, str):
        key = "address" if "address" in options else "uri"
        yield from _destination_findings(address, (*entry_path, key), state.api, format_, topic)
    elif address is None:
        if not state.has_default_address:
            state.missing_address.append(entry_path)
        elif state.default_address is not None:
            inherited = addresses.destination_kind(state.default_address)
            if inherited != "https" and format_ == "xml" and "format" in options:
                yield Finding(
                    (*entry_path, "format"),
                    "the stack's default destination delivers json only; remove format: xml",
                )
            if inherited == "https" and topic in CLOUD_ONLY_TOPICS:
                yield Finding(
                    entry_path,
                    f'topic "{topic}" is delivered only to Pub/Sub or EventBridge; give it a pubsub:// or '
                    "arn:aws:events: address",
                )
        elif topic in CLOUD_ONLY_TOPICS:
            yield Finding(
                entry_path,
                f'topic "{topic}" is delivered only to Pub/Sub or EventBridge, not to the pipeline\'s inlet; '
                "give it a pubsub:// or arn:aws:events: address",
            )

    fields, problems = _synonyms(options, entry_path, "fields", "include_fields")
    yield from problems
    fields_key = "fields" if "fields" in options else "include_fields"
    yield from _fields_findings(fields, (*entry_path, fields_key), state.api)
    included = _strings(fields) if fields is not None else state.default_fields

    filter_ = options.get("filter")
    if isinstance(filter_, str):
        yield from _filter_findings(filter_, (*entry_path, "filter"), included or (), state)
    if topic in FILTER_REQUIRED_TOPICS:
        type_ = metaobject_type(filter_) if isinstance(filter_, str) else None
        if type_ is None or "*" in type_:
            yield Finding(
                entry_path,
                f'topic "{topic}" needs a "type:<metaobject type>" filter (one type, no wildcards): add '
                'filter: "type:<your metaobject type>"'
                + ("" if state.api == "graphql" else ", which needs shopify.api graphql"),
            )

    name = options.get("name")
    if isinstance(name, str):
        path = (*entry_path, "name")
        if state.api != "graphql":
            yield Finding(path, 'subscriptions have a "name" only with shopify.api graphql; remove it')
        elif state.api_version is not None and not ownership.names_supported(state.api_version):
            yield Finding(
                path,
                f"subscription names need API version {ownership.NAME_SINCE} or later "
                f"(shopify.api_version is {state.api_version})",
            )
        problem = ownership.label_problem(name)
        if problem is not None:
            yield Finding(path, f"{show(name)}: {problem}")


def _filter_findings(
    text: str, path: DataPath, included: tuple[str, ...], state: _State
) -> Iterator[Finding]:
    if state.api != "graphql":
        yield Finding(path, 'filters need shopify.api graphql (the REST webhook has no "filter"); remove it')
        return
    if len(text) > MAX_FILTER_LENGTH:
        return  # the schema's maxLength reports it
    for message in filter_problems(text, included):
        yield Finding(path, f"{show(text)} {message}")


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
