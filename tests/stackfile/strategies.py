"""Hypothesis strategies of stack files, shared by the property tests and ``bench/fuzz_stackfiles.py``.

Every example is a ``Case``: the file's bytes and what the generator knows about it (the oracle):
``valid`` files are built from the rules (served version, known topics, allowed destinations per API and
format, unique names), ``invalid`` ones are valid files with one defect that is invalid whatever else the
file says, and ``hostile`` ones (random bytes, mutated text, deep or huge or aliased YAML) carry no verdict,
only the promise that loading them must end in a StackSpec or a StackFileError, quickly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml
from hypothesis import strategies as st

from shopstream.shopify_api import versions
from shopstream.shopify_api.topics import _BASE_TOPICS, FILTER_REQUIRED_TOPICS

# Topics every served version has, and that need nothing special (no filter, no cloud destination).
PLAIN_TOPICS = sorted(
    t for t in _BASE_TOPICS if t not in FILTER_REQUIRED_TOPICS and not t.startswith("audit")
)


@dataclass(frozen=True)
class Case:
    kind: str  # "valid", "invalid" or "hostile"
    data: bytes
    defect: str = ""  # what makes an invalid case invalid


_HOSTS = st.from_regex(r"[a-z][a-z0-9]{0,10}(-[a-z0-9]{1,5})?", fullmatch=True)
_HTTPS = st.builds(
    lambda host, path: f"https://{host}.example.com/{path}",
    _HOSTS,
    st.from_regex(r"[a-z0-9/]{0,12}", fullmatch=True),
)
_LOOPBACK = st.sampled_from(["http://127.0.0.1:9000/hooks", "https://localhost/h", "http://[::1]:8080/x"])
_PUBSUB = st.builds(
    lambda p, t: f"pubsub://{p}:{t}",
    st.from_regex(r"[a-z][a-z0-9-]{4,20}[a-z0-9]", fullmatch=True),
    st.from_regex(r"[A-Za-z][A-Za-z0-9._-]{2,20}", fullmatch=True).filter(lambda t: not t.startswith("goog")),
)
_ARN = st.builds(
    lambda region, app, name: f"arn:aws:events:{region}::event-source/aws.partner/shopify.com/{app}/{name}",
    st.sampled_from(["us-east-1", "eu-west-2", "ap-southeast-2"]),
    st.integers(1, 10**9),
    st.from_regex(r"[a-z][a-z0-9_.-]{0,15}", fullmatch=True),
)
_FIELD = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)
_NESTED_FIELD = st.builds(lambda a, b: f"{a}.{b}", _FIELD, _FIELD)
_LABEL = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,20}", fullmatch=True)
_SHOP = st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True)


@st.composite
def _topic_entry(draw: st.DrawFn, topic: str, api: str, named: bool) -> Any:
    if draw(st.booleans()):
        return topic if draw(st.booleans()) else topic.upper().replace("/", "_").replace(".", "_")
    entry: dict[str, Any] = {"topic": topic}
    cloud = False
    if draw(st.booleans()):
        choices = [_HTTPS, _LOOPBACK] + ([_PUBSUB, _ARN] if api == "graphql" else [])
        entry[draw(st.sampled_from(["address", "uri"]))] = draw(st.one_of(choices))
        cloud = not entry.get("address", entry.get("uri", "")).startswith("http")
    if not cloud and draw(st.booleans()):
        entry["format"] = draw(st.sampled_from(["json", "xml"]))
    names = st.one_of(_FIELD, _NESTED_FIELD) if api == "graphql" else _FIELD
    fields: list[str] = draw(st.lists(names, max_size=4, unique=True))
    keep_empty: bool = draw(st.booleans())
    if fields or keep_empty:
        entry[draw(st.sampled_from(["fields", "include_fields"]))] = fields
    if draw(st.booleans()):
        entry["metafield_namespaces"] = draw(
            st.lists(st.sampled_from(["custom", "loyalty", "$app:x"]), max_size=3, unique=True)
        )
    if api == "graphql" and draw(st.booleans()):
        field = fields[0] if fields else draw(_FIELD)
        entry["filter"] = f"{field}:{draw(st.integers(0, 100))}"
    if named and draw(st.booleans()):
        entry["name"] = draw(_LABEL)
    if draw(st.booleans()):
        entry["adopt"] = draw(st.booleans())
    return entry


@st.composite
def valid_documents(draw: st.DrawFn, today: date) -> dict[str, Any]:
    api = draw(st.sampled_from(["graphql", "rest"]))
    version = draw(st.sampled_from(versions.supported_versions(today)))
    named = api == "graphql" and versions.at_least(version, "2026-04")
    shopify: dict[str, Any] = {"api_version": version, "address": draw(_HTTPS)}
    if api == "rest" or draw(st.booleans()):
        shopify["api"] = api
    if draw(st.booleans()):
        shopify["endpoint"] = draw(
            st.sampled_from(["https://{shop}.myshopify.com", "http://127.0.0.1:8787/shops/{shop}"])
        )
    if draw(st.booleans()):
        shopify["client_id"] = draw(st.from_regex(r"[0-9a-f]{32}", fullmatch=True))
    shops: dict[str, Any] = {}
    for name in draw(st.lists(_SHOP, min_size=1, max_size=3, unique=True)):
        topics = draw(st.lists(st.sampled_from(PLAIN_TOPICS), max_size=6, unique=True))
        entries = [draw(_topic_entry(topic, api, named)) for topic in topics]
        # Names are unique per shop ignoring case, default labels included: drop clashing ones.
        labels: set[str] = set()
        for entry in entries:
            topic = entry if isinstance(entry, str) else entry["topic"]
            default = topic.lower().replace("/", "_").replace(".", "_")
            label = entry.get("name", default) if isinstance(entry, dict) else default
            if label.lower() in labels and isinstance(entry, dict):
                entry.pop("name", None)
                label = default
            labels.add(label.lower())
        shops[name] = {"topics": entries}
        if draw(st.booleans()):
            shops[name]["client_id"] = draw(st.from_regex(r"[a-z0-9-]{1,20}", fullmatch=True))
    document: dict[str, Any] = {"shopify": shopify, "shops": shops}
    if draw(st.booleans()):
        document["production"] = draw(st.booleans())
    return document


def _dump(document: Any) -> bytes:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True).encode("utf-8")


# Defects: (name, function that makes a valid document invalid). Each holds whatever else the file says.
def _first_shop(doc: dict[str, Any]) -> dict[str, Any]:
    shop: dict[str, Any] = next(iter(doc["shops"].values()))
    return shop


def _add_topic(doc: dict[str, Any], entry: Any) -> None:
    _first_shop(doc)["topics"].append(entry)


def _set(section: str, key: str, value: Any) -> Any:
    return lambda doc, salt: doc[section].__setitem__(key, value(salt) if callable(value) else value)


def _with_topic(entry: Any, **shopify: str) -> Any:
    def apply(doc: dict[str, Any], salt: str) -> None:
        doc["shopify"].update(shopify)
        _add_topic(doc, entry)

    return apply


def _duplicate_topic(doc: dict[str, Any], salt: str) -> None:
    _add_topic(doc, "shop/update")
    _add_topic(doc, "SHOP_UPDATE")


def _version_with_newline(doc: dict[str, Any], salt: str) -> None:
    doc["shopify"]["api_version"] += "\n"


_ARN_SAMPLE = "arn:aws:events:us-east-1::event-source/aws.partner/shopify.com/1/x"
_DEFECTS: dict[str, Any] = {
    "unknown top-level key": lambda doc, salt: doc.__setitem__("platfrom", {}),
    "unknown topic": lambda doc, salt: _add_topic(doc, "zz_unknown/" + salt),
    "compliance topic": _with_topic("customers/redact"),
    "duplicate topic": _duplicate_topic,
    "bad shop name": lambda doc, salt: doc["shops"].__setitem__("Bad_" + salt, {"topics": []}),
    "shop name with newline": lambda doc, salt: doc["shops"].__setitem__(
        salt.lower() + "x\n", {"topics": []}
    ),
    "retired api version": _set("shopify", "api_version", "2020-01"),
    "api version with newline": _version_with_newline,
    "plain http address": _set("shopify", "address", lambda salt: f"http://{salt.lower()}.example.com/x"),
    "credentials in address": _set("shopify", "address", "https://user:pw@example.com/x"),
    "port 0": _set("shopify", "address", "https://example.com:0/x"),
    "private address": _set("shopify", "address", "https://10.1.2.3/x"),
    "link-local address": _set("shopify", "address", "https://[fe80::1]/x"),
    "shopify domain": _set("shopify", "address", lambda salt: f"https://{salt.lower()}.myshopify.com./x"),
    "control character": _set("shopify", "address", lambda salt: f"https://example.com/\x01{salt}"),
    "both address and uri": _set("shopify", "uri", "https://other.example.com/"),
    "endpoint placeholder": _set("shopify", "endpoint", "https://{shop}.example.com/{store}"),
    "endpoint brace": _set("shopify", "endpoint", "https://{shop}.example.com/{{"),
    "pubsub with rest": _with_topic({"topic": "shop/update", "uri": "pubsub://my-project:topic"}, api="rest"),
    "xml to eventbridge": _with_topic({"topic": "shop/update", "format": "xml", "uri": _ARN_SAMPLE}),
    "filter with rest": _with_topic({"topic": "shop/update", "filter": "id:1"}, api="rest"),
    "name with rest": _with_topic({"topic": "shop/update", "name": "x"}, api="rest"),
    "fields and include_fields": _with_topic(
        {"topic": "shop/update", "fields": ["id"], "include_fields": ["id"]}
    ),
    "blank filter": _with_topic({"topic": "shop/update", "filter": "  "}, api="graphql"),
    "metaobject without filter": _with_topic("metaobjects/create"),
    "audit events to https": _with_topic(
        {"topic": "audit_events/admin_api_activity", "address": "https://a.example.com/"}
    ),
    "adopt as text": _with_topic({"topic": "shop/update", "adopt": "yes"}),
    "too many fields": _with_topic({"topic": "shop/update", "fields": [f"f{i}" for i in range(300)]}),
}
# Defects written into the text (YAML values Python cannot hold, or nesting past the cap).
_TEXT_DEFECTS: dict[str, Any] = {
    "impossible date": lambda text: text + b"production: 2026-02-30\n",
    "huge integer": lambda text: text + b"production: " + b"9" * 5000 + b"\n",
    "deep nesting": lambda text: text + b"production: " + b"[" * 500 + b"]" * 500 + b"\n",
    "billion laughs": lambda text: text + _LAUGHS,
    "second document": lambda text: text + b"---\nshops: {}\n",
    "invalid utf-8": lambda text: text + b"production: \xff\xfe\n",
    "lone surrogate bytes": lambda text: text + b"production: \xed\xa0\x80\n",
}


def _laughs() -> bytes:
    """Six levels of ten aliases each: a million values from a few hundred bytes."""
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 7):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 10)}]")
    return ("\n".join(lines) + "\n").encode()


_LAUGHS: bytes = _laughs()


@st.composite
def valid_cases(draw: st.DrawFn, today: date) -> Case:
    return Case("valid", _dump(draw(valid_documents(today))))


@st.composite
def invalid_cases(draw: st.DrawFn, today: date) -> Case:
    document = draw(valid_documents(today))
    salt = draw(st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,8}", fullmatch=True))
    if draw(st.integers(0, 4)) == 0:
        name = draw(st.sampled_from(sorted(_TEXT_DEFECTS)))
        return Case("invalid", _TEXT_DEFECTS[name](_dump(document)), name)
    name = draw(st.sampled_from(sorted(_DEFECTS)))
    _DEFECTS[name](document, salt)
    return Case("invalid", _dump(document), name)


_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | st.dates(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)


@st.composite
def hostile_cases(draw: st.DrawFn, today: date) -> Case:
    how = draw(st.sampled_from(["bytes", "text", "mutation", "tree", "graft", "big"]))
    if how == "bytes":
        return Case("hostile", draw(st.binary(max_size=2000)))
    if how == "text":
        return Case("hostile", draw(st.text(max_size=2000)).encode("utf-8", "surrogatepass"))
    if how == "tree":
        return Case("hostile", _dump(draw(_JSONISH)))
    base = _dump(draw(valid_documents(today)))
    if how == "mutation":
        text = bytearray(base)
        for _ in range(draw(st.integers(1, 8))):
            at = draw(st.integers(0, len(text)))
            if draw(st.booleans()) and at < len(text):
                del text[at]
            else:
                text[at:at] = draw(st.binary(min_size=1, max_size=4))
        return Case("hostile", bytes(text))
    if how == "graft":
        # A random value where the loader expects structure.
        document = yaml.safe_load(base)
        key = draw(st.sampled_from(["shopify", "shops", "production", "platform"]))
        document[key] = draw(_JSONISH)
        return Case("hostile", _dump(document))
    # big: many keys, long lists or long strings, up to about 1 MB.
    size = draw(st.integers(1, 60_000))
    shape = draw(st.sampled_from(["keys", "list", "string", "shops"]))
    if shape == "keys":
        tail = "".join(f"k{i}: {i}\n" for i in range(size))
    elif shape == "list":
        tail = "production: [" + ", ".join("x" for _ in range(size)) + "]\n"
    elif shape == "string":
        tail = "production: " + "a" * (size * 16) + "\n"
    else:
        tail = "".join(f"  s{i}:\n    topics: [orders/create]\n" for i in range(size // 8))
        return Case("hostile", base.replace(b"shops:\n", b"shops:\n" + tail.encode(), 1))
    return Case("hostile", base + tail.encode())


def cases(today: date) -> st.SearchStrategy[Case]:
    return st.one_of(valid_cases(today), invalid_cases(today), hostile_cases(today))
