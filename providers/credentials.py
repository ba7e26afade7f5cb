"""Shop access tokens for the dynamic providers, looked up at call time.

The provider object is pickled into the Pulumi state, so it must never hold a token.  Instead the
tokens live here, in a module-level store that `ResourceProvider.configure()` fills from the stack
config (key `shopstream:shopifyTokens`, a JSON object shop → token, secrets already unwrapped by the
engine).  An environment variable `SHOPSTREAM_SHOPIFY_TOKEN_<SHOP>` (shop upper-cased, '-' → '_')
is the fallback for ad-hoc use.  The store is guarded by a lock because the provider process serves
several gRPC threads.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from typing import Protocol

from pulumi.runtime import rpc

from shopify_api.errors import TOKENS_CONFIG_KEY, token_config_command

ENV_PREFIX = "SHOPSTREAM_SHOPIFY_TOKEN_"

_lock = threading.Lock()
_tokens: dict[str, str] = {}
_config_error: CredentialsError | None = None  # a malformed config value, reported at lookup time


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


def parse_tokens(raw: object) -> dict[str, str]:
    """The `shopifyTokens` config value (a JSON object string, or an already-decoded mapping)."""
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
        raise CredentialsError(
            f"Pulumi config shopstream:{TOKENS_CONFIG_KEY} must be an object of shop name to token; "
            f"set each token with `{token_config_command('<shop>')}`."
        )
    return {str(k): str(v) for k, v in value.items() if v}


def configure_from_config(config: ConfigLike) -> None:
    """Replace the stored tokens with those in the stack config (called from provider.configure()).

    Never raises: a malformed value is remembered and reported by token_for(), where the provider's
    check() turns it into a clean CheckFailure instead of a traceback from configure().
    """
    global _config_error
    try:
        tokens = parse_tokens(config.get(TOKENS_CONFIG_KEY))
    except CredentialsError as err:
        set_tokens({})
        with _lock:
            _config_error = err
        return
    set_tokens(tokens)


def set_tokens(tokens: Mapping[str, str]) -> None:
    global _config_error
    with _lock:
        _tokens.clear()
        _tokens.update(tokens)
        _config_error = None


def clear() -> None:
    set_tokens({})


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
