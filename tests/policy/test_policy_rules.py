"""The policy pack's rules as pure functions, and as wired into pulumi_policy (no engine)."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.runtime.rpc import UNKNOWN
from pulumi_policy import ResourceValidationArgs, ResourceValidationPolicy
from pulumi_policy.proxy import unknown_checking_proxy

from shopstream.plan import SUBSCRIPTION_TYPE as WEBHOOK_SUBSCRIPTION_TYPE
from shopstream.policy import addresses, pack_config, policies, scopes
from shopstream.policy.policies import POLICIES

# ---- addresses.https_problem ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "https://hooks.example.com/shopify",
        "https://dcs.adobedc.net/collection/abc?synchronousValidation=false",
        "http://127.0.0.1:8787/hook",
        "http://127.8.9.10/hook",
        "http://localhost:9000/hook",
        "http://LOCALHOST/hook",
        "http://[::1]:9000/hook",
    ],
)
def test_https_or_loopback_http_is_fine(address: str) -> None:
    assert addresses.https_problem(address) is None


@pytest.mark.parametrize(
    ("address", "shown"),
    [
        ("http://hooks.example.com/shopify?secret=s3cr3t", "http://hooks.example.com"),
        ("http://10.0.0.5:8080/hook", "http://10.0.0.5:8080"),
        ("ftp://hooks.example.com/x", "ftp://hooks.example.com"),
        ("http://localhost.example.com/x", "http://localhost.example.com"),
    ],
)
def test_anything_else_must_use_https(address: str, shown: str) -> None:
    problem = addresses.https_problem(address)
    assert problem == (
        f"webhook address {shown} must use https "
        "(plain http is allowed only to 127.0.0.1/localhost, for the emulator)"
    )
    assert "s3cr3t" not in problem


@pytest.mark.parametrize("address", ["hooks.example.com/x", "https://", "https://h.example.com:99999/"])
def test_an_address_without_a_host_is_reported(address: str) -> None:
    assert addresses.https_problem(address) == "webhook address is not an absolute URL with a host"


# ---- addresses.production_problem ------------------------------------------------------------------

HOSTS = addresses.DEFAULT_NON_PRODUCTION_INLET_HOSTS


def test_production_accepts_https_to_a_production_inlet() -> None:
    assert addresses.production_problem("https://dcs.adobedc.net/collection/abc", HOSTS) is None
    assert addresses.production_problem("https://hooks.example.com/shopify", HOSTS) is None


@pytest.mark.parametrize(
    ("address", "fragment"),
    [
        ("http://127.0.0.1:8787/hook", "loopback address http://127.0.0.1:8787"),
        ("https://localhost/hook", "loopback address https://localhost"),
        ("http://[::1]/hook", "loopback address http://[::1]"),
        ("https://dcs-int.adobedc.net/collection/abc", "listed as dcs-int.adobedc.net"),
        ("https://DCS-STAGE.adobedc.net./collection/abc", "listed as dcs-stage.adobedc.net"),
        ("https://eu.dcs-int.adobedc.net/collection/abc", "listed as dcs-int.adobedc.net"),
        ("http://hooks.example.com/shopify", "over https, not to http://hooks.example.com"),
    ],
)
def test_production_refuses_loopback_non_production_and_http(address: str, fragment: str) -> None:
    problem = addresses.production_problem(address, HOSTS)
    assert problem is not None and fragment in problem
    assert problem.startswith("a production stack must")


def test_production_host_list_matches_whole_labels_only() -> None:
    assert addresses.production_problem("https://xdcs-int.adobedc.net/c", HOSTS) is None
    assert addresses.production_problem("https://hooks.example.com/", ["", "example.org"]) is None
    assert addresses.production_problem("https://hooks.example.com/", ["example.com"]) is not None


# ---- scopes.scope_problem ---------------------------------------------------------------------------


def test_a_granted_scope_allows_the_topic() -> None:
    assert scopes.scope_problem("acme-eu", "orders/create", ["read_orders"]) is None
    assert scopes.scope_problem("acme-eu", "orders/create", ["write_orders"]) is None  # write implies read


def test_a_missing_scope_names_the_needed_and_the_granted_scopes() -> None:
    problem = scopes.scope_problem("acme-eu", "inventory_levels/update", ["read_products", "read_orders"])
    assert problem == (
        "shop acme-eu cannot subscribe to inventory_levels/update: its token needs one of the access "
        "scopes read_inventory but was granted only read_orders, read_products"
    )
    assert scopes.scope_problem("acme-eu", "orders/create", []) == (
        "shop acme-eu cannot subscribe to orders/create: its token needs one of the access scopes "
        "read_marketplace_orders, read_orders but was granted none of them"
    )


def test_an_unknown_topic_is_left_to_the_provider() -> None:
    assert scopes.scope_problem("acme-eu", "orders/creat", []) is None


# ---- pack_config -----------------------------------------------------------------------------------


def test_config_for_a_stack() -> None:
    assert pack_config.config_for(True) == {
        "production-webhook-address": {"production": True, "nonProductionInletHosts": list(HOSTS)}
    }
    config = pack_config.config_for(False, ["dev.example.com"], check_scopes=False)
    assert config == {
        "production-webhook-address": {"production": False, "nonProductionInletHosts": ["dev.example.com"]},
        "topic-scope-granted": {"enforcementLevel": "disabled"},
    }


def test_production_settings_fill_defaults_and_reject_wrong_types() -> None:
    assert pack_config.production_settings({}) == (False, HOSTS)
    assert pack_config.production_settings({"production": True, "nonProductionInletHosts": ["a"]}) == (
        True,
        ("a",),
    )
    with pytest.raises(ValueError, match="production"):
        pack_config.production_settings({"production": "yes"})


def test_the_policy_names_are_those_the_config_uses() -> None:
    assert [policy.name for policy in POLICIES] == [
        pack_config.HTTPS_ADDRESS,
        pack_config.PRODUCTION_ADDRESS,
        pack_config.TOPIC_SCOPE,
    ]


# ---- the policies as pulumi_policy runs them ----------------------------------------------------------

GOOD: dict[str, Any] = {
    "shop": "acme-eu",
    "topic": "orders/create",
    "address": "https://hooks.example.com/shopify",
    "format": "json",
    "fields": [],
    "metafield_namespaces": [],
    "api_version": "2026-10",
    "endpoint": "https://acme-eu.myshopify.com",
    "granted_scopes": ["read_orders"],
}


def violations(
    props: dict[str, Any],
    config: dict[str, dict[str, Any]] | None = None,
    type_token: str = WEBHOOK_SUBSCRIPTION_TYPE,
) -> dict[str, list[str]]:
    """Policy name -> messages, calling each policy the way pulumi_policy's Analyze does (props behind
    its unknown-checking proxy, config per policy)."""
    found: dict[str, list[str]] = {}
    for policy in POLICIES:
        assert isinstance(policy, ResourceValidationPolicy)
        args = ResourceValidationArgs(
            type_token,
            unknown_checking_proxy(props),
            f"urn:pulumi:e2e::shopstream::{type_token}::acme-eu/orders/create",
            "acme-eu/orders/create",
            None,  # type: ignore[arg-type]  # options are not used by these policies
            None,
            (config or {}).get(policy.name, {}),
        )
        messages = found.setdefault(policy.name, [])

        def report(message: str, _urn: str | None, messages: list[str] = messages) -> None:
            messages.append(message)

        policy.validate(args, report)
    return {name: messages for name, messages in found.items() if messages}


def test_compliant_inputs_pass_every_policy() -> None:
    assert violations(GOOD) == {}
    assert violations(GOOD, pack_config.config_for(True)) == {}


def test_http_to_a_public_host_violates_the_https_policy() -> None:
    found = violations({**GOOD, "address": "http://hooks.example.com/shopify"})
    assert found == {
        "webhook-address-https": [
            "acme-eu/orders/create: webhook address http://hooks.example.com must use https "
            "(plain http is allowed only to 127.0.0.1/localhost, for the emulator)."
        ]
    }


def test_loopback_is_fine_unless_the_config_says_production() -> None:
    loopback = {**GOOD, "address": "http://127.0.0.1:8787/hook"}
    assert violations(loopback, pack_config.config_for(False)) == {}
    found = violations(loopback, pack_config.config_for(True))
    assert list(found) == ["production-webhook-address"]
    assert "loopback address http://127.0.0.1:8787" in found["production-webhook-address"][0]


def test_a_missing_scope_violates_the_scope_policy() -> None:
    found = violations({**GOOD, "topic": "customers/create", "granted_scopes": ["read_orders"]})
    assert list(found) == ["topic-scope-granted"]
    assert "needs one of the access scopes read_customers" in found["topic-scope-granted"][0]


def test_without_granted_scopes_the_scope_policy_has_nothing_to_compare() -> None:
    props = {key: value for key, value in GOOD.items() if key != "granted_scopes"}
    assert violations({**props, "topic": "customers/create"}) == {}


def test_other_resource_types_are_ignored() -> None:
    bad = {**GOOD, "address": "http://hooks.example.com/", "granted_scopes": []}
    assert violations(bad, type_token="pulumi-python:dynamic/aep:Dataflow") == {}


def test_an_address_not_known_yet_is_not_judged() -> None:
    # A preview of a new inlet: the address is Pulumi's unknown placeholder. pulumi_policy's proxy skips a
    # policy that reads an unknown; the rules themselves must not judge one either (plain mappings).
    unknown = {**GOOD, "address": UNKNOWN}
    production = pack_config.config_for(True)[pack_config.PRODUCTION_ADDRESS]
    assert policies._https(unknown, {}) is None
    assert policies._production(unknown, production) is None
    assert policies._production({**GOOD, "address": "http://127.0.0.1:1/x"}, production) is not None


def test_the_advisory_config_keeps_every_setting_and_only_lowers_the_enforcement() -> None:
    config = pack_config.config_for(True, advisory=True)
    assert {name: config[name]["enforcementLevel"] for name in pack_config.POLICY_NAMES} == dict.fromkeys(
        pack_config.POLICY_NAMES, "advisory"
    )
    assert config[pack_config.PRODUCTION_ADDRESS]["production"] is True
    assert "enforcementLevel" not in pack_config.config_for(True)[pack_config.PRODUCTION_ADDRESS]
