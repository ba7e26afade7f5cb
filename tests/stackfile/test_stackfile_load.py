from pathlib import Path

import pytest

from shopstream.stackfile import (
    ShopSpec,
    StackFileError,
    StackSpec,
    TopicSpec,
    load_stack_file,
    stack_file_path,
)
from shopstream.stackfile.__main__ import main


def test_valid_file_round_trips_with_defaults_applied(write, valid_text) -> None:
    path = write(valid_text)
    spec = load_stack_file(path)
    assert spec == StackSpec(
        path=path,
        api_version="2026-10",
        endpoint_template="http://127.0.0.1:8787/shops/{shop}",
        production=False,
        shops=(
            ShopSpec(
                name="acme-eu",
                topics=(
                    TopicSpec(
                        topic="orders/create",
                        address="https://example.com/webhooks",
                        format="json",
                        fields=("id", "updated_at"),
                        metafield_namespaces=(),
                    ),
                    TopicSpec(
                        topic="orders/updated",
                        address="https://other.example/x",
                        format="xml",
                        fields=("id", "updated_at"),
                        metafield_namespaces=("custom",),
                    ),
                ),
            ),
            ShopSpec(name="acme-us", topics=()),
        ),
    )
    assert spec.shops[0].domain == "acme-eu.myshopify.com"
    assert spec.shop_base_url("acme-eu") == "http://127.0.0.1:8787/shops/acme-eu"


def test_built_in_defaults(write) -> None:
    text = """\
shopify:
  api_version: unstable
shops:
  shop1:
    topics:
      - topic: app/uninstalled
        address: https://hooks.example/app
"""
    spec = load_stack_file(write(text))
    assert spec.endpoint_template == "https://{shop}.myshopify.com"
    assert spec.shop_base_url("shop1") == "https://shop1.myshopify.com"
    assert spec.production is False
    (topic,) = spec.shops[0].topics
    assert topic == TopicSpec("app/uninstalled", "https://hooks.example/app", "json", (), ())


def test_topic_option_overrides_default_even_when_empty(write, minimal) -> None:
    text = minimal(topics="[{topic: orders/paid, fields: []}, orders/create]") + "production: true\n"
    text = text.replace("shops:", "  defaults: {fields: [id], format: xml}\nshops:")
    spec = load_stack_file(write(text))
    paid, create = spec.shops[0].topics
    assert paid.fields == ()
    assert create.fields == ("id",)
    assert paid.format == create.format == "xml"
    assert spec.production is True


def test_numeric_looking_shop_name_stays_a_string(write, minimal) -> None:
    spec = load_stack_file(write(minimal().replace("  acme:", "  123:")))
    assert spec.shops[0].name == "123"


@pytest.mark.parametrize(
    "address",
    ["http://127.0.0.1:9000/h", "http://127.9.8.7/h", "http://localhost/h", "http://[::1]:8080/h"],
)
def test_plain_http_allowed_for_loopback(write, minimal, address: str) -> None:
    spec = load_stack_file(write(minimal(address=f'"{address}"')))
    assert spec.shops[0].topics[0].address == address


def test_shop_base_url_strips_trailing_slash(write, minimal) -> None:
    spec = load_stack_file(write(minimal(endpoint='"https://{shop}.example.test/"')))
    assert spec.shop_base_url("a") == "https://a.example.test"


def test_stack_file_path(tmp_path: Path) -> None:
    assert stack_file_path(tmp_path, "prod") == tmp_path / "stacks" / "prod.yaml"
    assert stack_file_path(tmp_path, "dev.eu-1") == tmp_path / "stacks" / "dev.eu-1.yaml"


@pytest.mark.parametrize("stack", ["../etc", "org/proj/prod", "", ".hidden", "a b"])
def test_stack_file_path_rejects_names_that_are_not_files(tmp_path: Path, stack: str) -> None:
    with pytest.raises(StackFileError, match="cannot map to a stack file"):
        stack_file_path(tmp_path, stack)


@pytest.mark.parametrize(
    "text",
    [
        "- a\n- b\n",
        "just a string\n",
        "42\n",
        "shopify: [1, 2]\nshops: 3\n",
        "shopify: {api_version: {a: 1}}\nshops: {x: {topics: [{topic: [1]}, {}, null, 1.5]}}\n",
        "shopify: {api_version: 2026-10-01, endpoint: 5, address: {}}\nshops: {a: null}\n",
        "shopify: {api_version: '2026-10', endpoint: 'https://{shop}{', address: 'https://[::1'}\n",
        "shopify: {api_version: '2026-10', endpoint: 'https://{0}{shop}', address: 'https://:80/x'}\n",
        "? [a, b]\n: c\n",
        "a: &x [*x]\n",
        "!!python/object:os.system {}\n",
        "key: !custom value\n",
        "---\na: 1\n---\nb: 2\n",
        "\t- tab\n",
        "shops: {'': {topics: []}, 'x' : {topics: ['', ' ']}}\nshopify: {api_version: '2026-10'}\n",
    ],
)
def test_user_mistakes_never_escape_as_other_exceptions(write, problems_of, text: str) -> None:
    problems = problems_of(write(text))
    for problem in problems:
        assert problem.message
        assert problem.file.endswith("test.yaml")


def test_cli_check_and_schema(write, valid_text, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(valid_text, "good")
    bad = write("shopify: {}\n", "bad")
    assert main(["check", str(good)]) == 0
    assert "OK (2 shops, 2 subscriptions, API 2026-10, graphql)" in capsys.readouterr().out
    assert main(["check", str(good), str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}: 2 problems" in err
    assert 'missing required key "api_version"' in err
    assert main(["schema"]) == 0
    assert '"$schema": "https://json-schema.org/draft/2020-12/schema"' in capsys.readouterr().out
