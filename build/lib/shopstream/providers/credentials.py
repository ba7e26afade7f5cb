"""Shop credentials for the dynamic providers, looked up at call time.

The provider object is pickled into the Pulumi state, so it must never hold a secret.  Instead the
secrets live here, in a module-level store that `ResourceProvider.configure()` fills from the stack
config (secrets already unwrapped by the engine):

* `shopstream:shopifyTokens`, a JSON object shop → static Admin API token (a custom app's `shpat_`);
  the environment variable `SHOPSTREAM_SHOPIFY_TOKEN_<SHOP>` (shop upper-cased, '-' → '_') is the
  fallback for ad-hoc use;
* the client secret of a Dev Dashboard app, for the client credentials grant (reference §7.2):
  `shopifyClientSecrets.<shop>` (per shop), else `shopifyClientSecret` (every shop of the stack's
  app), else `shopifyAppSecret` (a Dev Dashboard app's client secret is also its webhook signing
  secret, which the AEP pipeline already reads from there); `SHOPSTREAM_SHOPIFY_CLIENT_SECRET_<SHOP>`
  and `SHOPSTREAM_SHOPIFY_CLIENT_SECRET` are the ad-hoc fallbacks.  The tokens it yields are fetched
  and cached by shopstream.providers.shopify.tokens, never stored.

The store is guarded by a lock because the provider process serves several gRPC threads.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from typing import Protocol

from pulumi.runtime import rpc

from shopstream.shopify_api.errors import TOKENS_CONFIG_KEY, token_config_command

ENV_PREFIX = "SHOPSTREAM_SHOPIFY_TOKEN_"
CLIENT_SECRETS_CONFIG_KEY = "shopifyClientSecrets"  # shop -> client secret
CLIENT_SECRET_CONFIG_KEY = "shopifyClientSecret"  # every shop of the stack's app
APP_SECRET_CONFIG_KEY = "shopifyAppSecret"  # the same secret, as the webhook signing secret
CLIENT_SECRET_ENV = "SHOPSTREAM_SHOPIFY_CLIENT_SECRET"

_lock = threading.Lock()
_tokens: dict[str, str] = {}
_config_error: CredentialsError | None = None  # a malformed config value, reported at lookup time
_client_secrets: dict[str, str] = {}
_app_client_secret: str | None = None  # shopifyClientSecret, else shopifyAppSecret
_client_config_error: CredentialsError | None = None


class CredentialsError(Exception):
    """A user-fixable credentials problem; str() is one sentence with the command that fixes it."""


class MissingTokenError(CredentialsError, LookupError):
    pass


class ConfigLike(Protocol):
    """The part of `pulumi.dynamic.Config` used here (`get` adds the project namespace)."""

    def get(self, key: str) -> object: ...


def env_var_name(shop: str) -> str:
    """SHOPSTREAM_SHOPIFY_TOKEN_ACME_EU for shop acme-eu."""
    return ENV_PREFIX + shop.upper().replace("-", "_")


def client_secret_command(shop: str | None = None) -> str:
    """The command that stores the client secret for `shop` (None: for every shop of the app)."""
    if shop is None:
        return f"pulumi config set --secret {CLIENT_SECRET_CONFIG_KEY} <client secret>"
    return f"pulumi config set --secret --path '{CLIENT_SECRETS_CONFIG_KEY}.{shop}' <client secret>"


def client_secret_env_var_name(shop: str) -> str:
    """SHOPSTREAM_SHOPIFY_CLIENT_SECRET_ACME_EU for shop acme-eu."""
    return f"{CLIENT_SECRET_ENV}_{shop.upper().replace('-', '_')}"


def parse_tokens(raw: object) -> dict[str, str]:
    """The `shopifyTokens` config value (a JSON object string, or an already-decoded mapping)."""
    return _parse_shop_map(
        raw,
        f"Pulumi config shopstream:{TOKENS_CONFIG_KEY} must be an object of shop name to token; "
        f"set each token with `{token_config_command('<shop>')}`.",
    )


def parse_client_secrets(raw: object) -> dict[str, str]:
    """The `shopifyClientSecrets` config value: shop -> client secret."""
    return _parse_shop_map(
        raw,
        f"Pulumi config shopstream:{CLIENT_SECRETS_CONFIG_KEY} must be an object of shop name to "
        f"client secret; set each with `{client_secret_command('<shop>')}`.",
    )


def _parse_shop_map(raw: object, complaint: str) -> dict[str, str]:
    raw = rpc.unwrap_rpc_secret(raw)
    if raw is None or raw == "":
        return {}
    value = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except ValueError:
            value = None  # falls through to the error below; the raw text may be a token, never quote it
    if isinstance(value, Mapping):
        # With `--secret --path` each leaf may arrive still wrapped as an RPC secret.
        value = {k: rpc.unwrap_rpc_secret(v) for k, v in value.items()}
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise CredentialsError(complaint)
    return {str(k): str(v) for k, v in value.items() if v}


def _parse_secret_string(raw: object, key: str) -> str | None:
    raw = rpc.unwrap_rpc_secret(raw)
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise CredentialsError(
            f"Pulumi config shopstream:{key} must be a string; set it with "
            f"`pulumi config set --secret {key} <client secret>`."
        )
    return raw


def configure_from_config(config: ConfigLike) -> None:
    """Replace the stored tokens with those in the stack config (called from provider.configure()).

    Never raises: a malformed value is remembered and reported by token_for(), where the provider's
    check() turns it into a clean CheckFailure instead of a traceback from configure().
    """
    global _config_error
    configure_client_secrets_from_config(config)
    try:
        tokens = parse_tokens(config.get(TOKENS_CONFIG_KEY))
    except CredentialsError as err:
        set_tokens({})
        with _lock:
            _config_error = err
        return
    set_tokens(tokens)


def configure_client_secrets_from_config(config: ConfigLike) -> None:
    """Replace the stored client secrets with the stack config's; a malformed value is reported at lookup."""
    global _client_config_error
    try:
        per_shop = parse_client_secrets(config.get(CLIENT_SECRETS_CONFIG_KEY))
        app_wide = _parse_secret_string(config.get(CLIENT_SECRET_CONFIG_KEY), CLIENT_SECRET_CONFIG_KEY)
        if app_wide is None:
            app_wide = _parse_secret_string(config.get(APP_SECRET_CONFIG_KEY), APP_SECRET_CONFIG_KEY)
    except CredentialsError as err:
        set_client_secrets({}, None)
        with _lock:
            _client_config_error = err
        return
    set_client_secrets(per_shop, app_wide)


def set_client_secrets(per_shop: Mapping[str, str], app_wide: str | None = None) -> None:
    global _app_client_secret, _client_config_error
    with _lock:
        _client_secrets.clear()
        _client_secrets.update(per_shop)
        _app_client_secret = app_wide or None
        _client_config_error = None


class MissingClientSecretError(CredentialsError, LookupError):
    pass


def client_secret_for(shop: str) -> str:
    """The client secret of the app for `shop`: per shop, else app-wide (see the module docstring)."""
    with _lock:
        secret = _client_secrets.get(shop) or _app_client_secret
        config_error = _client_config_error
    if not secret:
        secret = os.environ.get(client_secret_env_var_name(shop)) or os.environ.get(CLIENT_SECRET_ENV, "")
    if not secret and config_error is not None:
        raise config_error
    if not secret:
        raise MissingClientSecretError(
            f"No client secret for shop {shop}, whose stack file entry names a client_id (tokens by the "
            f"client credentials grant): store the app's client secret with "
            f"`{client_secret_command(shop)}`, or once for every shop with `{client_secret_command()}` "
            f"(or export {CLIENT_SECRET_ENV} for a one-off run)."
        )
    return secret


def set_tokens(tokens: Mapping[str, str]) -> None:
    global _config_error
    with _lock:
        _tokens.clear()
        _tokens.update(tokens)
        _config_error = None


def clear() -> None:
    set_tokens({})
    set_client_secrets({}, None)


def token_for(shop: str) -> str:
    """The shop's token from the stack config, else from the environment; never logged."""
    with _lock:
        token = _tokens.get(shop)
        config_error = _config_error
    if not token:
        token = os.environ.get(env_var_name(shop), "")
    if not token and config_error is not None:
        raise config_error
    if not token:
        raise MissingTokenError(
            f"No Shopify access token for shop {shop}: store it with "
            f"`{token_config_command(shop)}` (or export {env_var_name(shop)} for a one-off run)."
        )
    return token


# ---- AEP client secret (stack config `aepClientSecret`, secret) -------------------------------------
# Same pattern as the shop tokens: filled from configure(), read at call time, never on a provider.

AEP_SECRET_ENV = "SHOPSTREAM_AEP_CLIENT_SECRET"
AEP_SECRET_CONFIG_KEY = "aepClientSecret"
AEP_SECRET_COMMAND = f"pulumi config set --secret {AEP_SECRET_CONFIG_KEY} <client secret>"

_aep_secret: str | None = None
_aep_config_error: CredentialsError | None = None


class MissingAepSecretError(CredentialsError, LookupError):
    pass


def configure_aep_from_config(config: ConfigLike) -> None:
    """Store the AEP client secret from the stack config; a malformed value is reported at lookup."""
    global _aep_config_error
    raw = rpc.unwrap_rpc_secret(config.get(AEP_SECRET_CONFIG_KEY))
    if raw is not None and not isinstance(raw, str):
        set_aep_client_secret(None)
        with _lock:
            _aep_config_error = CredentialsError(
                f"Pulumi config shopstream:{AEP_SECRET_CONFIG_KEY} must be a string; set it with "
                f"`{AEP_SECRET_COMMAND}`."
            )
        return
    set_aep_client_secret(raw or None)


def set_aep_client_secret(secret: str | None) -> None:
    global _aep_secret, _aep_config_error
    with _lock:
        _aep_secret = secret
        _aep_config_error = None


def aep_client_secret() -> str:
    """The AEP OAuth client secret from the stack config, else from the environment; never logged."""
    with _lock:
        secret = _aep_secret
        config_error = _aep_config_error
    if not secret:
        secret = os.environ.get(AEP_SECRET_ENV, "")
    if not secret and config_error is not None:
        raise config_error
    if not secret:
        raise MissingAepSecretError(
            f"No AEP client secret: store the OAuth Server-to-Server credential's secret with "
            f"`{AEP_SECRET_COMMAND}` (or export {AEP_SECRET_ENV} for a one-off run)."
        )
    return secret
