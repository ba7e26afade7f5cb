import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from shopstream.shopify_api.topics import known_topics
from shopstream.stackfile import SCHEMA_FILE
from shopstream.stackfile.schema import build_schema, load_schema, render_schema
from shopstream.stackfile.structure import _Validator


def test_schema_file_is_a_valid_draft_2020_12_schema() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_shipped_file_is_up_to_date_with_build_schema() -> None:
    # If this fails: python -m shopstream.stackfile schema > shopstream/stackfile/stackfile.schema.json
    assert SCHEMA_FILE.read_text(encoding="utf-8") == render_schema()
    assert load_schema() == build_schema()


def test_schema_follows_the_topics_module_and_not_the_date() -> None:
    schema = load_schema()
    version = schema["properties"]["shopify"]["properties"]["api_version"]
    assert "enum" not in version  # which versions are served is the loader's check, by date
    validator = Draft202012Validator({"type": "string", "pattern": version["pattern"]})
    for good in ("2026-10", "2031-01", "unstable"):
        assert validator.is_valid(good)
    for bad in ("2026-02", "latest", "26-10"):
        assert not validator.is_valid(bad)
    assert set(schema["$defs"]["topicName"]["examples"]) == known_topics("unstable")


def test_editor_view_accepts_the_documented_example(valid_text: str) -> None:
    import yaml

    errors = list(Draft202012Validator(load_schema()).iter_errors(yaml.safe_load(valid_text)))
    assert errors == []


def test_editor_view_rejects_unknown_keys_and_bad_shop_names() -> None:
    validator = Draft202012Validator(load_schema())
    bad = {
        "shopify": {"api_version": "2026-10", "platform": 1},
        "shops": {"Acme": {"topics": [{"topic": "orders/create", "adress": "x"}]}},
        "extra": True,
    }
    kinds = sorted(error.validator for error in validator.iter_errors(bad))
    assert kinds == ["additionalProperties", "additionalProperties", "additionalProperties", "pattern"]


def _patterns(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        return found + [p for value in node.values() for p in _patterns(value)]
    if isinstance(node, list):
        return [p for item in node for p in _patterns(item)]
    return []


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_anchored_patterns_refuse_a_trailing_newline_in_python_too(data: st.DataObject) -> None:
    """ECMA-262 `$` is the end of the text; jsonschema's Python `re` would also accept "x\\n"."""
    anchored = sorted({p for p in _patterns(load_schema()) if p.endswith("$")})
    assert len(anchored) >= 8
    for pattern in anchored:
        example = data.draw(st.from_regex(pattern[:-1], fullmatch=True).filter(lambda s: "\n" not in s))
        validator = _Validator({"type": "string", "pattern": pattern})
        assert validator.is_valid(example), (pattern, example)
        assert not validator.is_valid(example + "\n"), (pattern, example)
