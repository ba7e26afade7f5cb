"""Each kind of user mistake -> one `file:line: field: message` problem saying what is allowed."""

from pathlib import Path

import pytest

from shopstream.stackfile import Problem, StackFileError, load_stack_file

HEAD = 'shopify:\n  api_version: "2026-10"\n  address: https://example.com/webhooks\nshops:\n  acme-eu:\n'
# Lines 1-5 are HEAD; a shop's topic list starts on line 6.
# The same with shopify.api rest, one line longer (topics start on line 7).
REST_HEAD = HEAD.replace("  address:", "  api: rest\n  address:")


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_unknown_topic_suggests_close_match(write, problems_of) -> None:
    path = write(
        HEAD + "    topics:\n      - orders/create\n      - orders/paid\n      - order/create\n", "prod"
    )
    problem = only(problems_of(path))
    assert (problem.line, problem.field) == (9, "shops.acme-eu.topics[2]")
    assert str(problem) == (
        f'{path}:9: shops.acme-eu.topics[2]: unknown topic "order/create" for API version 2026-10; '
        'did you mean "orders/create", "draft_orders/create" or "orders/edited"? '
        "`python -m shopstream.stackfile topics --api-version 2026-10` lists every topic."
    )


def test_unknown_topic_without_close_match(write, problems_of) -> None:
    problem = only(problems_of(write(HEAD + "    topics: [{topic: zzzz}]\n")))
    assert problem.field == "shops.acme-eu.topics[0].topic"
    assert problem.line == 6
    assert problem.message == (
        'unknown topic "zzzz" for API version 2026-10; '
        "`python -m shopstream.stackfile topics --api-version 2026-10` lists every topic."
    )


def test_topic_of_a_newer_api_version(write, problems_of) -> None:
    text = HEAD.replace("2026-10", "2026-01") + "    topics: [tax_summaries/create]\n"
    problem = only(problems_of(write(text)))
    assert problem.line == 6
    assert problem.message == (
        'topic "tax_summaries/create" is not available in API version 2026-01; it exists in API versions '
        "2026-04, 2026-07, 2026-10, 2027-01, unstable"
    )


def test_compliance_topic(write, problems_of) -> None:
    problem = only(problems_of(write(HEAD + "    topics: [shop/redact]\n")))
    assert problem.field == "shops.acme-eu.topics[0]"
    assert "compliance topic" in problem.message
    assert "cannot be subscribed to with the Admin API" in problem.message
    assert "compliance_topics in shopify.app.toml" in problem.message


def test_filter_only_topic(write, problems_of) -> None:
    problem = only(problems_of(write(HEAD + "    topics: [metaobjects/update]\n")))
    assert 'needs a "type:<metaobject type>" filter' in problem.message


def test_duplicate_topic_for_a_shop(write, problems_of) -> None:
    text = HEAD + "    topics:\n      - orders/create\n      - topic: orders/create\n        fields: [id]\n"
    problem = only(problems_of(write(text)))
    assert (problem.line, problem.field) == (8, "shops.acme-eu.topics[1].topic")
    assert problem.message == (
        'topic "orders/create" is listed twice for shop "acme-eu" (first at line 7); list each topic '
        "once, with all its options on that one entry"
    )


def test_same_topic_in_two_shops_is_fine(write) -> None:
    text = HEAD + "    topics: [orders/create]\n  acme-us:\n    topics: [orders/create]\n"
    assert len(load_stack_file(write(text)).shops) == 2


@pytest.mark.parametrize("name", ["Acme", "acme_eu", "-acme", "acme.eu", "a" * 61, "ACME-EU"])
def test_bad_shop_name(write, problems_of, name: str) -> None:
    problems = problems_of(write(HEAD.replace("acme-eu", name) + "    topics: []\n"))
    assert problems
    for problem in problems:
        assert problem.line == 5
        assert problem.field == f"shops.{name}"
        assert problem.message.startswith(f'invalid name "{name}"; allowed: a shop handle: lowercase letters')
        assert "at most 60 characters" in problem.message


def test_shop_name_of_exactly_60_characters_is_fine(write) -> None:
    name = "a" * 60
    spec = load_stack_file(write(HEAD.replace("acme-eu", name) + "    topics: []\n"))
    assert spec.shops[0].domain == f"{name}.myshopify.com"


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        (
            "http://example.com/h",
            '"http://example.com/h" uses plain http; allowed: https:// URLs; plain '
            "http:// only for loopback hosts (127.0.0.0/8, localhost, [::1])",
        ),
        ("http://128.0.0.1/h", "uses plain http"),
        ("http://localhost.example.com/h", "uses plain http"),
        ("ftp://example.com/h", '"ftp://example.com/h" is not valid; allowed: an https:// URL'),
        ("/webhooks", '"/webhooks" is not valid; allowed: an https:// URL'),
        ("https://example.com:99999/h", "is not a valid URL"),
        ("https:///nohost", "has no host"),
        ("https://exa mple.com/h", "contains whitespace"),
        ("https://acme-eu.myshopify.com/h", "points at a Shopify domain"),
    ],
)
def test_bad_topic_address(write, problems_of, address: str, expected: str) -> None:
    text = HEAD + f'    topics:\n      - topic: orders/create\n        address: "{address}"\n'
    problem = only(problems_of(write(text)))
    assert (problem.line, problem.field) == (8, "shops.acme-eu.topics[0].address")
    assert expected in problem.message


def test_bad_default_address(write, problems_of) -> None:
    text = HEAD.replace("https://example.com/webhooks", "http://10.0.0.1/x") + "    topics: []\n"
    problem = only(problems_of(write(text)))
    assert (problem.line, problem.field) == (3, "shopify.address")
    assert "uses plain http" in problem.message


def test_address_missing_everywhere(write, problems_of) -> None:
    text = HEAD.replace("  address: https://example.com/webhooks\n", "") + (
        "    topics:\n      - orders/create\n      - {topic: orders/paid, address: 'https://a.example'}\n"
        "      - orders/updated\n"
    )
    problem = only(problems_of(write(text)))
    assert (problem.line, problem.field) == (1, "shopify")
    assert problem.message == (
        'no "address": add a "platform" section (the AEP pipeline\'s inlet), set a default destination '
        'in "shopify.address", or "address" on every topic '
        "(shops.acme-eu.topics[0], shops.acme-eu.topics[2] have none)"
    )


def test_address_may_be_omitted_when_every_topic_has_one(write) -> None:
    text = HEAD.replace("  address: https://example.com/webhooks\n", "") + (
        "    topics: [{topic: orders/paid, address: 'https://a.example'}]\n"
    )
    assert load_stack_file(write(text)).shops[0].topics[0].address == "https://a.example"


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        (
            "https://example.com/shops",
            '"https://example.com/shops" is not valid; allowed: an http(s) URL template containing {shop}',
        ),
        ("ftp://{shop}.example.com", "is not valid; allowed: an http(s) URL template containing {shop}"),
        ("{shop}.myshopify.com", "is not valid; allowed: an http(s) URL template"),
        (
            "https://{shop}.example.com/{store}",
            'uses the placeholder(s) "store"; the only placeholder allowed is {shop}',
        ),
        ("https://{shop}.example.com/{", "unbalanced braces"),
        (
            "http://{shop}.example.com",
            "uses plain http; allowed: https:// URLs; plain http:// only for loopback hosts",
        ),
        ("https://{shop}.example.com/?x=1", "has a query or fragment"),
    ],
)
def test_bad_endpoint_template(write, problems_of, endpoint: str, expected: str) -> None:
    text = HEAD.replace("shops:", f'  endpoint: "{endpoint}"\nshops:') + "    topics: []\n"
    problem = only(problems_of(write(text)))
    assert (problem.line, problem.field) == (4, "shopify.endpoint")
    assert expected in problem.message


@pytest.mark.parametrize("version", ["2025-10", "2026-02", "latest", "2027-04"])
def test_bad_api_version_lists_allowed(write, problems_of, version: str) -> None:
    problem = only(problems_of(write(HEAD.replace("2026-10", version) + "    topics: [orders/create]\n")))
    assert (problem.line, problem.field) == (2, "shopify.api_version")
    assert problem.message == (
        f'unsupported API version "{version}"; '
        "supported: 2026-01, 2026-04, 2026-07, 2026-10, 2027-01, unstable"
    )


def test_bad_api_version_still_checks_topic_names(write, problems_of) -> None:
    problems = problems_of(write(HEAD.replace("2026-10", "2025-10") + "    topics: [orders/craete]\n"))
    assert [p.field for p in problems] == ["shopify.api_version", "shops.acme-eu.topics[0]"]
    assert problems[1].message.startswith('unknown topic "orders/craete"; did you mean "orders/create"')


@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [
        (
            "    topics: []\nplatfrom: {}\n",
            7,
            "platfrom",
            'unknown key "platfrom"; allowed keys here: "production", "shopify", "platform", "shops"',
        ),
        (
            "    topics: []\n    colour: red\n",
            7,
            "shops.acme-eu.colour",
            'unknown key "colour"; allowed keys here: "topics", "client_id"',
        ),
    ],
)
def test_unknown_keys_name_the_allowed_keys(write, problems_of, text, line, field, message) -> None:
    problem = only(problems_of(write(HEAD + text)))
    assert (problem.line, problem.field, problem.message) == (line, field, message)


def test_unknown_key_in_topic_and_defaults(write, problems_of) -> None:
    text = HEAD.replace("shops:", "  defaults: {fromat: json}\nshops:") + (
        "    topics:\n      - topic: orders/create\n        adress: https://x.example\n"
    )
    problems = problems_of(write(text))
    assert [(p.line, p.field, p.message) for p in problems] == [
        (
            4,
            "shopify.defaults.fromat",
            'unknown key "fromat"; allowed keys here: "format", "fields", "include_fields", '
            '"metafield_namespaces"',
        ),
        (
            9,
            "shops.acme-eu.topics[0].adress",
            'unknown key "adress"; allowed keys here: "topic", "address", "uri", "format", "fields", '
            '"include_fields", "metafield_namespaces", "filter", "name", "adopt"',
        ),
    ]


@pytest.mark.parametrize(
    ("snippet", "line", "field", "message"),
    [
        ("    topics: orders/create\n", 6, "shops.acme-eu.topics", "must be a list, not a string"),
        (
            "    topics:\n",
            6,
            "shops.acme-eu.topics",
            "must be a list, not empty (null: nothing after the colon)",
        ),
        ("    topics: [42]\n", 6, "shops.acme-eu.topics[0]", "must be a string or a mapping, not a number"),
        (
            "    topics:\n      - topic: orders/create\n        fields: id\n",
            8,
            "shops.acme-eu.topics[0].fields",
            "must be a list, not a string",
        ),
        (
            "    topics:\n      - topic: orders/create\n        format: yaml\n",
            8,
            "shops.acme-eu.topics[0].format",
            '"yaml" is not allowed; allowed: json, xml',
        ),
        (
            "    topics:\n      - topic: orders/create\n        fields: [id, id]\n",
            8,
            "shops.acme-eu.topics[0].fields",
            'lists "id" more than once; list each value once',
        ),
        ("    topics:\n      - fields: [id]\n", 7, "shops.acme-eu.topics[0]", 'missing required key "topic"'),
        (
            "    topics:\n      - topic: 7\n",
            7,
            "shops.acme-eu.topics[0].topic",
            "must be a string, not a number",
        ),
        ("    topics: []\nproduction: yes please\n", 7, "production", "must be true or false, not a string"),
    ],
)
def test_wrong_types(write, problems_of, snippet, line, field, message) -> None:
    problem = only(problems_of(write(HEAD + snippet)))
    assert (problem.line, problem.field) == (line, field)
    assert message in problem.message


def test_nested_fields_need_graphql(write, problems_of) -> None:
    snippet = "    topics:\n      - topic: orders/create\n        fields: [id, line_items.price]\n"
    problem = only(problems_of(write(REST_HEAD + snippet)))
    assert (problem.line, problem.field) == (9, "shops.acme-eu.topics[0].fields[1]")
    assert problem.message == (
        '"line_items.price" is a nested path; with shopify.api rest only top-level fields can be selected '
        "(shopify.api graphql allows nested paths such as variants.price)"
    )
    spec = load_stack_file(write(HEAD + snippet))
    assert spec.api == "graphql"
    assert spec.shops[0].topics[0].fields == ("id", "line_items.price")


def test_missing_required_sections(write, problems_of) -> None:
    problems = problems_of(write("production: false\n"))
    assert [(p.line, p.field, p.message) for p in problems] == [
        (1, "", 'missing required key "shopify"'),
        (1, "", 'missing required key "shops"'),
    ]
    problem = only(problems_of(write("shopify: {address: 'https://a.example'}\nshops: {}\n")))
    assert (problem.line, problem.field, problem.message) == (
        1,
        "shopify",
        'missing required key "api_version"',
    )


def test_top_level_must_be_a_mapping(write, problems_of) -> None:
    path = write("- shopify\n- shops\n")
    problem = only(problems_of(path))
    assert str(problem) == f"{path}:1: must be a mapping, not a list"


def test_yaml_syntax_error_has_line(write, problems_of) -> None:
    path = write(HEAD + "    topics: [orders/create\n  acme-us:\n    topics: []\n")
    problem = only(problems_of(path))
    assert problem.line is not None and problem.line >= 6
    assert problem.message.startswith("YAML syntax error: ")
    assert str(problem).startswith(f"{path}:{problem.line}: YAML syntax error: ")


def test_yaml_indentation_error_has_line(write, problems_of) -> None:
    problem = only(problems_of(write('shopify:\n  api_version: "2026-10"\n address: x\n')))
    assert problem.line == 3
    assert problem.message.startswith("YAML syntax error: ")


def test_duplicate_yaml_key(write, problems_of) -> None:
    text = HEAD + "    topics: [orders/create]\n  acme-eu:\n    topics: [orders/paid]\n"
    problem = only(problems_of(write(text)))
    assert (problem.line, problem.field) == (7, "shops.acme-eu")
    assert problem.message == 'duplicate key "acme-eu" (first at line 5); each key may appear once'


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_file(write, problems_of, text: str) -> None:
    path = write(text, "staging")
    problem = only(problems_of(path))
    assert problem.line is None
    assert str(problem) == (
        f'{path}: the stack file is empty; stack "staging" maps to this file, which must declare at least '
        '"shopify" (with "api_version") and "shops"'
    )


def test_missing_file_names_the_expected_path(tmp_path: Path, problems_of) -> None:
    path = tmp_path / "stacks" / "prod.yaml"
    problem = only(problems_of(path))
    assert str(problem) == (
        f'{path}: no stack file found; stack "prod" maps to {path} (stacks/<stack>.yaml in the project '
        "directory): create it, or select another stack"
    )


def test_relative_display_path(write, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, problems_of) -> None:
    path = write("shops: {}\n", "prod")
    monkeypatch.chdir(tmp_path)
    problem = only(problems_of(path))
    assert str(problem) == 'stacks/prod.yaml:1: missing required key "shopify"'


def test_all_problems_reported_at_once_in_file_order(write) -> None:
    text = """\
production: maybe
shopify:
  api_version: "2025-01"
  endpoint: "https://example.com/no-placeholder"
  address: "http://example.com/hooks"
shops:
  Bad_Name:
    topics: []
  acme-eu:
    topics:
      - orders/create
      - orders/create
      - order/create
      - topic: orders/paid
        address: "http://10.1.2.3/x"
        colour: blue
"""
    path = write(text)
    with pytest.raises(StackFileError) as info:
        load_stack_file(path)
    problems = info.value.problems
    assert [(p.line, p.field) for p in problems] == [
        (1, "production"),
        (3, "shopify.api_version"),
        (4, "shopify.endpoint"),
        (5, "shopify.address"),
        (7, "shops.Bad_Name"),
        (12, "shops.acme-eu.topics[1]"),
        (13, "shops.acme-eu.topics[2]"),
        (15, "shops.acme-eu.topics[3].address"),
        (16, "shops.acme-eu.topics[3].colour"),
    ]
    assert all(p.file == str(path) for p in problems)
    # One paragraph per problem, each a complete `file:line: field: message`.
    paragraphs = str(info.value).split("\n\n")
    assert paragraphs == [str(p) for p in problems]
    assert paragraphs[0] == f"{path}:1: production: must be true or false, not a string"
