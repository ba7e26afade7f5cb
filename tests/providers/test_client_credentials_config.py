"""shopstream.providers.credentials: the client secret of the client credentials grant, per shop or for every
shop."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from pulumi.dynamic import Config

from shopstream.providers import credentials

SECRET_SHOP = "acme-eu"


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("SHOPSTREAM_SHOPIFY_CLIENT_SECRET", "SHOPSTREAM_SHOPIFY_CLIENT_SECRET_ACME_EU"):
        monkeypatch.delenv(name, raising=False)
    credentials.clear()
    yield
    credentials.clear()


def configure(**values: object) -> None:
    credentials.configure_from_config(Config({f"shopstream:{k}": v for k, v in values.items()}, "shopstream"))


def test_the_per_shop_secret_beats_the_app_wide_one_which_beats_the_signing_secret() -> None:
    configure(
        shopifyClientSecrets=json.dumps({SECRET_SHOP: "per-shop"}),
        shopifyClientSecret="app-wide",
        shopifyAppSecret="signing",
    )
    assert credentials.client_secret_for(SECRET_SHOP) == "per-shop"
    assert credentials.client_secret_for("acme-us") == "app-wide"
    configure(shopifyAppSecret="signing")
    assert credentials.client_secret_for("acme-us") == "signing"


def test_a_missing_or_malformed_client_secret_is_one_sentence_with_the_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure()
    with pytest.raises(credentials.MissingClientSecretError) as missing:
        credentials.client_secret_for(SECRET_SHOP)
    assert "shopifyClientSecrets.acme-eu" in str(missing.value)
    configure(shopifyClientSecrets="not an object")
    with pytest.raises(credentials.CredentialsError) as malformed:
        credentials.client_secret_for(SECRET_SHOP)
    assert "not an object" not in str(malformed.value) and "shopifyClientSecrets" in str(malformed.value)
    monkeypatch.setenv("SHOPSTREAM_SHOPIFY_CLIENT_SECRET_ACME_EU", "from-env")
    assert credentials.client_secret_for(SECRET_SHOP) == "from-env"
