"""shopstream.providers.credentials: tokens from stack config (via configure) or the environment."""

import json
from collections.abc import Iterator

import pytest
from pulumi.dynamic import Config
from pulumi.runtime import rpc

from shopstream.providers import credentials

TOKEN = "shpat_aaaabbbbccccdddd"


@pytest.fixture(autouse=True)
def _clean_store(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    credentials.clear()
    monkeypatch.delenv("SHOPSTREAM_SHOPIFY_TOKEN_ACME_EU", raising=False)
    yield
    credentials.clear()


def test_env_var_name() -> None:
    assert credentials.env_var_name("acme-eu") == "SHOPSTREAM_SHOPIFY_TOKEN_ACME_EU"
    assert credentials.env_var_name("shop1") == "SHOPSTREAM_SHOPIFY_TOKEN_SHOP1"


def test_configure_from_stack_config_json_string() -> None:
    config = Config({"shopstream:shopifyTokens": json.dumps({"acme-eu": TOKEN})}, "shopstream")
    credentials.configure_from_config(config)
    assert credentials.token_for("acme-eu") == TOKEN


def test_configure_accepts_decoded_object_with_wrapped_secret_leaves() -> None:
    raw = {"acme-eu": rpc.wrap_rpc_secret(TOKEN)}
    credentials.configure_from_config(Config({"shopstream:shopifyTokens": raw}, "shopstream"))
    assert credentials.token_for("acme-eu") == TOKEN


def test_configure_replaces_previous_tokens() -> None:
    credentials.set_tokens({"old-shop": "shpat_old"})
    credentials.configure_from_config(Config({"shopstream:shopifyTokens": "{}"}, "shopstream"))
    with pytest.raises(credentials.MissingTokenError):
        credentials.token_for("old-shop")


def test_bad_config_value_is_reported_at_lookup_as_one_sentence_without_the_value() -> None:
    config = Config({"shopstream:shopifyTokens": TOKEN}, "shopstream")  # a bare token, not an object
    credentials.configure_from_config(config)  # never raises: configure() must not produce a traceback
    with pytest.raises(credentials.CredentialsError) as info:
        credentials.token_for("acme-eu")
    assert not isinstance(info.value, credentials.MissingTokenError)
    assert TOKEN not in str(info.value)
    assert "pulumi config set --secret --path 'shopifyTokens.<shop>'" in str(info.value)


def test_env_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPSTREAM_SHOPIFY_TOKEN_ACME_EU", TOKEN)
    assert credentials.token_for("acme-eu") == TOKEN


def test_config_wins_over_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPSTREAM_SHOPIFY_TOKEN_ACME_EU", "shpat_from_env")
    credentials.set_tokens({"acme-eu": TOKEN})
    assert credentials.token_for("acme-eu") == TOKEN


def test_missing_token_gives_the_exact_command() -> None:
    with pytest.raises(credentials.MissingTokenError) as info:
        credentials.token_for("acme-eu")
    message = str(info.value)
    assert "pulumi config set --secret --path 'shopifyTokens.acme-eu'" in message
    assert "SHOPSTREAM_SHOPIFY_TOKEN_ACME_EU" in message
    assert message.count(". ") == 0 and message.endswith(".")


def test_bad_config_value_still_allows_the_env_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    credentials.configure_from_config(Config({"shopstream:shopifyTokens": "[1, 2]"}, "shopstream"))
    monkeypatch.setenv("SHOPSTREAM_SHOPIFY_TOKEN_ACME_EU", TOKEN)
    assert credentials.token_for("acme-eu") == TOKEN


def test_parse_tokens_rejects_non_objects() -> None:
    for raw in ("[1]", "not json", '{"acme-eu": 5}'):
        with pytest.raises(credentials.CredentialsError):
            credentials.parse_tokens(raw)
    assert credentials.parse_tokens(None) == {}
    assert credentials.parse_tokens('{"a": "", "b": "shpat_x"}') == {"b": "shpat_x"}
