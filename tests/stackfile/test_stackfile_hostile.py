"""Issue 9: every hostile input gives clean findings (a StackFileError whose text is printable UTF-8),
never another exception, and quickly. Bounds are CPU seconds and generous: this is not a timing test."""

import time
from pathlib import Path

import pytest

from shopstream.stackfile import Problem, StackFileError, load_stack_file
from shopstream.stackfile.__main__ import main

HEAD = 'shopify:\n  api_version: "2026-10"\n  address: https://example.com/webhooks\nshops:\n  acme:\n'
TOPICS = "    topics: [orders/create]\n"
GENEROUS_CPU_SECONDS = 5.0


def refused(path: Path) -> StackFileError:
    started = time.process_time()
    with pytest.raises(StackFileError) as info:
        load_stack_file(path)
    assert time.process_time() - started < GENEROUS_CPU_SECONDS
    error = info.value
    assert error.problems
    text = str(error)
    text.encode("utf-8")  # what Pulumi's log (gRPC) needs; raises on a lone surrogate
    for problem in error.problems:
        assert all(ch >= " " for ch in str(problem)), str(problem)
    return error


def only(error: StackFileError) -> Problem:
    assert len(error.problems) == 1 and not error.omitted, str(error)
    return error.problems[0]


def write_bytes(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "stacks" / "test.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("tail", "fragment"),
    [
        ("production: " + "[" * 500 + "]" * 500 + "\n", "more than 32 levels deep"),
        ("production: " + "{a: " * 500 + "1" + "}" * 500 + "\n", "more than 32 levels deep"),
        ("x:\n" + "".join("  " * i + "- \n" for i in range(1, 400)), "more than 32 levels deep"),
        ("deep: &d " + "[" * 20 + "]" * 20 + "\nmore: " + "[" * 20 + "*d" + "]" * 20 + "\n", "levels deep"),
    ],
)
def test_deep_nesting_is_one_finding(write, tail: str, fragment: str) -> None:
    problem = only(refused(write(HEAD + TOPICS + tail)))
    assert fragment in problem.message
    assert problem.line is not None and problem.line >= 7


def test_billion_laughs(write) -> None:
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 9)]
    problem = only(refused(write(HEAD + TOPICS + "\n".join(lines) + "\n")))
    assert "more than 25,000 values after expanding anchors and aliases" in problem.message


@pytest.mark.parametrize(
    ("tail", "field", "fragment"),
    [
        ("production: 2026-02-30\n", "production", "2026-02-30 looks like a date but is not a valid one"),
        ("production: 2026-13-01 10:00:00\n", "production", "looks like a date but is not a valid one"),
        ("production: " + "9" * 5000 + "\n", "production", "is too large to use (5000 characters)"),
    ],
)
def test_values_python_cannot_hold(write, tail: str, field: str, fragment: str) -> None:
    problem = only(refused(write(HEAD + TOPICS + tail)))
    assert (problem.line, problem.field) == (7, field)
    assert fragment in problem.message


def test_huge_hex_integer(write) -> None:
    problem = only(refused(write(HEAD + TOPICS + "production: 0x" + "f" * 200_000 + "\n")))
    assert problem.field == "production"
    assert "is too large to use (200002 characters)" in problem.message


def test_huge_integer_as_a_topic(write) -> None:
    problem = only(refused(write(HEAD + "    topics: [" + "9" * 5000 + "]\n")))
    assert problem.field == "shops.acme.topics[0]"


def test_unknown_keys_are_capped(write) -> None:
    error = refused(write(HEAD + TOPICS + "".join(f"k{i}: 1\n" for i in range(2_000))))
    assert len(error.problems) == 50
    assert error.omitted == 1_950 and error.count == 2_000
    assert str(error).endswith("… and 1950 more problems (not shown; fix the ones above first)")
    assert error.problems[0].message.startswith('unknown key "k0"; allowed keys here:')


def test_fifty_thousand_unknown_keys(write) -> None:
    problem = only(refused(write(HEAD + TOPICS + "".join(f"k{i}: 1\n" for i in range(50_000)))))
    assert "more than 25,000 values" in problem.message


@pytest.mark.parametrize(
    ("snippet", "field", "message"),
    [
        (
            "    topics:\n      - topic: orders/create\n        fields: ["
            + ", ".join(f"f{i}" for i in range(5000))
            + "]\n",
            "shops.acme.topics[0].fields",
            "lists 5000 items; at most 250 are allowed",
        ),
        (
            "    topics: [" + ", ".join(["orders/create"] * 20_000) + "]\n",
            "shops.acme.topics",
            "lists 20000 items; at most 500",
        ),
    ],
)
def test_huge_lists(write, snippet: str, field: str, message: str) -> None:
    problem = only(refused(write(HEAD + snippet)))
    assert problem.field == field and problem.message.startswith(message)


def test_many_unknown_enum_topics_get_few_suggestions(write) -> None:
    error = refused(write(HEAD + "    topics: [" + ", ".join(f"ORDERS_CR{i}" for i in range(400)) + "]\n"))
    assert error.count == 400 and len(error.problems) == 50
    assert sum("did you mean" in problem.message for problem in error.problems) <= 20


def test_file_over_one_mebibyte(write) -> None:
    problem = only(refused(write(HEAD + TOPICS + "# " + "x" * (1024 * 1024) + "\n")))
    assert problem.line is None and "larger than 1 MiB" in problem.message


def test_control_character_in_a_value_is_escaped(write) -> None:
    problem = only(
        refused(write(HEAD.replace("https://example.com/webhooks", '"https://e.example/\\u0007x"') + TOPICS))
    )
    assert problem.field == "shopify.address"
    assert problem.message == '"https://e.example/\\u0007x" contains the control character U+0007; remove it'


def test_raw_control_character_names_its_line(tmp_path: Path) -> None:
    problem = only(refused(write_bytes(tmp_path, (HEAD + TOPICS + "production: a\x01b\n").encode())))
    assert problem.line == 7
    assert "U+0001, which YAML does not allow" in problem.message


@pytest.mark.parametrize(
    "data",
    [b"production: \xff\n", b"production: \xed\xa0\x80\n", b"production: \xc3\n"],
    ids=["ff", "surrogate", "cut"],
)
def test_invalid_utf8_and_lone_surrogate_bytes(tmp_path: Path, data: bytes) -> None:
    problem = only(refused(write_bytes(tmp_path, (HEAD + TOPICS).encode() + data)))
    assert (problem.line, problem.message.split(" (")[0]) == (7, "the stack file is not UTF-8 text")


def test_surrogate_escape_is_refused(write) -> None:
    problem = only(refused(write(HEAD + TOPICS + 'production: "\\ud800"\n')))
    assert problem.line == 7


def test_keys_with_control_characters_are_escaped_in_field_paths(write) -> None:
    error = refused(write(HEAD + TOPICS + '"a\\u0000\\u202eb": 1\n'))
    assert only(error).field == "a\\u0000\\u202eb"


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("shop", '"acme\\n"'),
        ("api_version", '"2026-10\\n"'),
        ("name", '"main\\n"'),
        ("client_id", '"abc\\n"'),
    ],
)
def test_anchored_patterns_refuse_a_trailing_newline(write, where: str, value: str) -> None:
    if where == "shop":
        text = HEAD.replace("  acme:", f"  {value}:") + TOPICS
    elif where == "api_version":
        text = HEAD.replace('"2026-10"', value) + TOPICS
    elif where == "name":
        text = HEAD + f"    topics:\n      - topic: orders/create\n        name: {value}\n"
    else:
        text = HEAD.replace("shops:", f"  client_id: {value}\nshops:") + TOPICS
    refused(write(text))


@pytest.mark.parametrize(
    ("address", "fragment"),
    [
        ("https://user:secret@example.com/h", "has credentials (user:password@) in it"),
        ("https://token@example.com/h", "has credentials"),
        ("https://example.com:0/h", "has port 0"),
        ("https://10.1.2.3/h", "private, link-local or reserved address 10.1.2.3"),
        ("https://192.168.0.10/h", "private, link-local or reserved"),
        ("https://169.254.169.254/latest", "private, link-local or reserved"),
        ("https://[fe80::1]/h", "private, link-local or reserved"),
        ("https://[::ffff:10.0.0.1]/h", "private, link-local or reserved"),
        ("https://0.0.0.0/h", "private, link-local or reserved"),
        ("https://webhooks/h", "internal host name"),
        ("https://printer.local/h", "internal host name"),
        ("https://api.internal/h", "internal host name"),
        ("https://a.localhost/h", "internal host name"),
        ("https://2130706433/h", "neither a dotted IPv4 address nor a domain name"),
        ("https://127.1/h", "neither a dotted IPv4 address nor a domain name"),
        ("https://acme.myshopify.com./h", "points at a Shopify domain"),
        ("https://shopify.com/h", "points at a Shopify domain"),
        ("https://x.shopify.dev/h", "points at a Shopify domain"),
        ("https://example.com/a\\\\b", "contains a backslash"),
        ("https://example.com/h#part", "has a #fragment"),
        ("https://exämple.com/h", "non-ASCII host name"),
        ("https://" + "a" * 64 + ".example.com/h", "invalid host name"),
        ("https://ex_ample.com/h", "invalid host name"),
        ("https://example.com/\\t", "contains the control character U+0009"),
        ("https://example.com/a b", "contains whitespace"),
        ("pubsub://Bad:topic", "invalid Google Cloud project id"),
        ("pubsub://my-project:goog-x", "invalid Pub/Sub topic id"),
        ("pubsub://my-project", "is not a Pub/Sub address"),
        (
            "arn:aws:events:us-east-1::event-source/aws.partner/other.com/1/x",
            "not a Shopify partner event source",
        ),
        ("arn:aws:sqs:us-east-1:123:queue", "not an EventBridge event source ARN"),
    ],
)
def test_addresses_refused_as_shopify_refuses_them(write, address: str, fragment: str) -> None:
    text = HEAD + f'    topics:\n      - topic: orders/create\n        address: "{address}"\n'
    problem = only(refused(write(text)))
    assert problem.field == "shops.acme.topics[0].address"
    assert fragment in problem.message


def test_address_over_64_kb(write) -> None:
    problem = only(
        refused(
            write(
                HEAD.replace("https://example.com/webhooks", "https://example.com/" + "a" * 70_000) + TOPICS
            )
        )
    )
    assert "longer than 64 KB" in problem.message


@pytest.mark.parametrize(
    ("endpoint", "fragment"),
    [
        ("https://{shop}.example.com/{", "brace outside the {shop} placeholder"),
        ("https://{{shop}}.example.com", "brace outside the {shop} placeholder"),
        ("https://{shop!r}.example.com", "is not valid; allowed: an http(s) URL template containing {shop}"),
        ("https://{shop:x}.example.com/{shop}", 'uses the placeholder(s) "shop:x"'),
        ("https://{0}{shop}.example.com", 'uses the placeholder(s) "0"'),
        ("https://{shop}.example.com}", "brace outside"),
        ("https://u:p@{shop}.example.com", "has credentials"),
        ("https://{shop}.example.com:0", "has port 0"),
    ],
)
def test_endpoint_templates_take_only_the_literal_shop_placeholder(
    write, endpoint: str, fragment: str
) -> None:
    text = HEAD.replace("shops:", f'  endpoint: "{endpoint}"\nshops:') + TOPICS
    problem = only(refused(write(text)))
    assert problem.field == "shopify.endpoint"
    assert fragment in problem.message


def test_cli_check_reports_hostile_files_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_bytes(tmp_path, (HEAD + TOPICS + "production: " + "[" * 600 + "]" * 600 + "\n").encode())
    nul = tmp_path / "stacks" / "a\x00b.yaml"
    assert main(["check", str(path), str(nul)]) == 1
    err = capsys.readouterr().err
    assert "1 problem:" in err and "levels deep" in err
    assert "a\\u0000b.yaml" in err and "cannot read the stack file" in err
