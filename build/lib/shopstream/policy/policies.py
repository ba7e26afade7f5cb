"""The pack's policies: the pure rules of `shopstream.policy.addresses` and `shopstream.policy.scopes`,
wired into pulumi_policy.

Each policy looks at webhook subscriptions only (by type token, so no provider is imported) and gets
their post-check inputs: what the provider's check() returned, e.g. the normalised address and the
`granted_scopes` it read from Shopify.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from shopstream.plan import SUBSCRIPTION_TYPE as WEBHOOK_SUBSCRIPTION_TYPE
from shopstream.plan import is_unknown
from shopstream.policy import addresses, pack_config, scopes

Rule = Callable[[Mapping[str, Any], Mapping[str, Any]], str | None]


def _webhook_rule(rule: Rule) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    """A validate function that applies `rule(props, config)` to webhook subscriptions only."""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type != WEBHOOK_SUBSCRIPTION_TYPE:
            return
        problem = rule(args.props, args.get_config())
        if problem:
            report_violation(f"{args.name}: {problem}.", None)

    return validate


def _known_address(props: Mapping[str, Any]) -> str | None:
    """The address, unless it is not known yet (a preview of a new inlet): then there is nothing to judge,
    and the pack judges the real value when `up` registers the resource again."""
    address = props.get("address")
    return address if isinstance(address, str) and not is_unknown(address) else None


def _https(props: Mapping[str, Any], _config: Mapping[str, Any]) -> str | None:
    address = _known_address(props)
    return addresses.https_problem(address) if address is not None else None


def _production(props: Mapping[str, Any], config: Mapping[str, Any]) -> str | None:
    production, hosts = pack_config.production_settings(config)
    address = _known_address(props)
    if not production or address is None:
        return None
    return addresses.production_problem(address, hosts)


def _scope(props: Mapping[str, Any], _config: Mapping[str, Any]) -> str | None:
    # `granted_scopes` is added by the provider's check() when it could read the token's scopes; without
    # it (Shopify unreachable at preview) there is nothing to compare, and create() reports a refusal.
    # Lists arrive as pulumi_policy's read-only Sequence proxies, not as lists.
    granted = props.get("granted_scopes")
    shop, topic = props.get("shop"), props.get("topic")
    if not isinstance(granted, Sequence) or isinstance(granted, str):
        return None
    if not isinstance(shop, str) or not isinstance(topic, str):
        return None
    return scopes.scope_problem(shop, topic, [str(scope) for scope in granted])


POLICIES = [
    ResourceValidationPolicy(
        name=pack_config.HTTPS_ADDRESS,
        description="Webhook subscriptions deliver over https (plain http only to loopback: the emulator).",
        validate=_webhook_rule(_https),
    ),
    ResourceValidationPolicy(
        name=pack_config.PRODUCTION_ADDRESS,
        description="A production stack delivers only to https, non-loopback, production inlet hosts.",
        validate=_webhook_rule(_production),
        config_schema=PolicyConfigSchema(properties=pack_config.PRODUCTION_ADDRESS_SCHEMA),
    ),
    ResourceValidationPolicy(
        name=pack_config.TOPIC_SCOPE,
        description="Each subscription's topic is allowed by the access scopes granted to the shop's token.",
        validate=_webhook_rule(_scope),
    ),
]
