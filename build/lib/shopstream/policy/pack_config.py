"""Names and configuration of the pack's policies, and the `--policy-pack-config` file for a stack.

pulumi_policy configures each policy separately (the file maps policy name -> properties), so the
stack-level switch `production` belongs to the one policy that uses it; `config_for` hides that.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from shopstream.policy.addresses import DEFAULT_NON_PRODUCTION_INLET_HOSTS

PACK_NAME = "shopstream-guardrails"
PACK_DIR = Path(__file__).resolve().parent

HTTPS_ADDRESS = "webhook-address-https"
PRODUCTION_ADDRESS = "production-webhook-address"
TOPIC_SCOPE = "topic-scope-granted"
POLICY_NAMES = (HTTPS_ADDRESS, PRODUCTION_ADDRESS, TOPIC_SCOPE)

PRODUCTION_ADDRESS_SCHEMA: dict[str, dict[str, Any]] = {
    "production": {
        "type": "boolean",
        "default": False,
        "description": "The stack is production (stack file `production: true`).",
    },
    "nonProductionInletHosts": {
        "type": "array",
        "items": {"type": "string"},
        "default": list(DEFAULT_NON_PRODUCTION_INLET_HOSTS),
        "description": "Hosts (and their subdomains) a production stack must never deliver to.",
    },
}


def config_for(
    production: bool,
    non_production_inlet_hosts: Iterable[str] | None = None,
    *,
    check_scopes: bool = True,
    advisory: bool = False,
) -> dict[str, Any]:
    """The JSON for `--policy-pack-config` of a stack.

    `check_scopes=False` disables the scope rule, for when the local topic->scope table is wrong for a
    topic: SHOPSTREAM_SKIP_SCOPE_CHECK=1 skips only the provider's preflight, not this rule.
    `advisory=True` reports every violation without failing the run: `shopstream preview` uses it to show
    the whole plan with the violations at the top (`up` keeps the pack mandatory).
    """
    hosts = (
        DEFAULT_NON_PRODUCTION_INLET_HOSTS
        if non_production_inlet_hosts is None
        else non_production_inlet_hosts
    )
    config: dict[str, Any] = {
        PRODUCTION_ADDRESS: {"production": production, "nonProductionInletHosts": list(hosts)}
    }
    if advisory:
        for name in POLICY_NAMES:
            config.setdefault(name, {})["enforcementLevel"] = "advisory"
    if not check_scopes:
        config[TOPIC_SCOPE] = {"enforcementLevel": "disabled"}
    return config


def production_settings(config: Mapping[str, Any]) -> tuple[bool, tuple[str, ...]]:
    """(production, non-production hosts) from a policy's config, with the defaults filled in.

    Defensive about types: a config file written by hand is validated by the engine against the schema
    only when it is given, and a wrong type must not turn the guardrail off silently.
    """
    production = config.get("production", False)
    hosts = config.get("nonProductionInletHosts")
    if hosts is None:
        hosts = DEFAULT_NON_PRODUCTION_INLET_HOSTS
    if not isinstance(production, bool) or not isinstance(hosts, (list, tuple)):
        raise ValueError(
            f"policy {PRODUCTION_ADDRESS}: `production` must be true/false and "
            "`nonProductionInletHosts` a list of host names"
        )
    return production, tuple(str(host) for host in hosts)
