"""How to reach AEP: the connection inputs every AEP resource carries, their checks, and shared
input helpers (pure; no HTTP).

The connection inputs (ims_url, platform_url, ims_org, sandbox, client_id, scopes) say where and as
whom to call; like the Shopify provider's endpoint/api_version they are ignored by diff, so editing
them never updates or replaces an object.  The client secret is not an input: it comes from the stack
config (`aepClientSecret`) through shopstream.providers.credentials at call time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pulumi.runtime import rpc

from shopstream.aep_api import ids
from shopstream.aep_api import ims as ims_math
from shopstream.providers.aep.ims import TokenKey
from shopstream.providers.shopify.webhook_inputs import url_problem
from shopstream.providers.unknowns import is_unknown

CONNECTION_KEYS = ("ims_url", "platform_url", "ims_org", "sandbox", "client_id", "scopes")

# Typical AEP scope set (UNCONFIRMED as an exact requirement, reference §3); the Developer Console
# credential shows the authoritative list, which the stack file can set.
DEFAULT_SCOPES = "openid,session,AdobeID,read_organizations,additional_info.projectedProductContext"
DEFAULT_SANDBOX = "prod"
SANDBOX_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")  # sandbox names are all lowercase (§2)


@dataclass(frozen=True)
class Failure:
    property: str
    reason: str


@dataclass(frozen=True)
class ApiSettings:
    """Checked connection inputs; holds no secret."""

    ims_url: str
    platform_url: str
    ims_org: str
    sandbox: str
    client_id: str
    scopes: str  # comma-separated

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> ApiSettings:
        return cls(
            ims_url=str(props.get("ims_url") or ids.DEFAULT_IMS_URL).rstrip("/"),
            platform_url=str(props.get("platform_url") or ids.DEFAULT_PLATFORM_URL).rstrip("/"),
            ims_org=str(props.get("ims_org") or ""),
            sandbox=str(props.get("sandbox") or DEFAULT_SANDBOX),
            client_id=str(props.get("client_id") or ""),
            scopes=ims_math.normalise_scopes(_scopes_value(props.get("scopes"))),
        )

    def token_key(self) -> TokenKey:
        """Which cached IMS token these settings use."""
        return TokenKey(self.ims_url, self.client_id, self.ims_org, self.scopes)


def unwrap(value: object) -> object:
    """A value with Pulumi's RPC secret wrapper removed (plain values pass through)."""
    return rpc.unwrap_rpc_secret(value)


def _scopes_value(value: object) -> str | list[str]:
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return DEFAULT_SCOPES


def _base_url(name: str, value: object, default: str, failures: list[Failure]) -> object:
    if value is None or value == "":
        return default
    if is_unknown(value):
        return value
    if not isinstance(value, str):
        failures.append(Failure(name, f"{name} must be a URL such as {default}"))
        return value
    value = value.rstrip("/")
    problem = url_problem(value)
    if problem is None and (urlsplit(value).query or urlsplit(value).fragment):
        problem = "must not have a query or fragment"
    if problem:
        failures.append(Failure(name, f"{name} {problem}"))
    return value


def _required_text(name: str, value: object, example: str, failures: list[Failure]) -> object:
    if is_unknown(value):
        return value
    if not isinstance(value, str) or not value.strip() or any(c.isspace() for c in value.strip()):
        failures.append(Failure(name, f"{name} is required, without spaces (e.g. {example})"))
        return value
    return value.strip()


def normalise_connection(news: Mapping[str, Any], failures: list[Failure]) -> dict[str, Any]:
    """The checked connection inputs with defaults filled in (CONNECTION_KEYS only)."""
    out: dict[str, Any] = {
        "ims_url": _base_url("ims_url", news.get("ims_url"), ids.DEFAULT_IMS_URL, failures),
        "platform_url": _base_url(
            "platform_url", news.get("platform_url"), ids.DEFAULT_PLATFORM_URL, failures
        ),
        "ims_org": _required_text(
            "ims_org", news.get("ims_org"), "0123456789ABCDEF01234567@AdobeOrg", failures
        ),
        "client_id": _required_text(
            "client_id", news.get("client_id"), "the OAuth credential's client id", failures
        ),
    }
    sandbox = news.get("sandbox") or DEFAULT_SANDBOX
    if not is_unknown(sandbox) and not (isinstance(sandbox, str) and SANDBOX_NAME.match(sandbox)):
        failures.append(Failure("sandbox", "sandbox must be an AEP sandbox name in lowercase (e.g. prod)"))
    out["sandbox"] = sandbox
    scopes = news.get("scopes")
    if is_unknown(scopes):
        out["scopes"] = scopes
    elif scopes is None or scopes == "" or scopes == []:
        out["scopes"] = DEFAULT_SCOPES
    elif isinstance(scopes, str) or (
        isinstance(scopes, (list, tuple)) and all(isinstance(s, str) for s in scopes)
    ):
        out["scopes"] = ims_math.normalise_scopes(scopes)
    else:
        failures.append(Failure("scopes", "scopes must be a comma-separated string or a list of strings"))
        out["scopes"] = scopes
    return out


def name_input(news: Mapping[str, Any], failures: list[Failure], key: str = "name") -> object:
    value = news.get(key)
    if is_unknown(value):
        return value
    if not isinstance(value, str) or not value.strip():
        failures.append(Failure(key, f"{key} is required (the object's name in AEP)"))
        return value
    return value.strip()


def description_input(news: Mapping[str, Any], failures: list[Failure]) -> object:
    value = news.get("description")
    if value is None:
        return ""  # always sent, so a later change is a plain `replace /description`
    if is_unknown(value):
        return value
    if not isinstance(value, str):
        failures.append(Failure("description", "description must be a string"))
        return value
    return value.strip()


def id_input(news: Mapping[str, Any], key: str, what: str, failures: list[Failure]) -> object:
    value = news.get(key)
    if is_unknown(value):
        return value
    if not isinstance(value, str) or not value.strip() or any(c.isspace() for c in value.strip()):
        failures.append(Failure(key, f"{key} must be the id of the {what}"))
        return value
    return value.strip()


def changed_keys(olds: Mapping[str, Any], news: Mapping[str, Any], keys: tuple[str, ...]) -> list[str]:
    """Keys whose values differ; an unknown new value always counts as a change."""
    return [
        key for key in keys if is_unknown(news.get(key)) or unwrap(olds.get(key)) != unwrap(news.get(key))
    ]
