"""Turns a validated StackSpec into Pulumi resources: the AEP pipeline (when the stack has a `platform:`
section) and one webhook subscription per shop and topic, delivering to the pipeline's inlet unless the
topic names its own address.

Subscriptions are declared interleaved across shops (the first topic of every shop, then the second…):
the engine hands operations to the provider's four threads roughly in that order, so the threads work
on different shops' rate-limit buckets instead of all waiting on one.  Before declaring, the other
stacks' claims are read (shopstream.program.ownership), so a subscription another stack manages is a conflict
at
preview time and an existing one may only be adopted when no stack holds it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi

from shopstream.program import ownership
from shopstream.providers.aep.pipeline import ShopifyStreamingPipeline
from shopstream.providers.shopify.webhook import WebhookSubscription
from shopstream.shopify_api import ownership as marker
from shopstream.stackfile.model import ShopSpec, StackSpec, TopicSpec

PIPELINE_NAME = "pipeline"
APP_SECRET_KEY = "shopifyAppSecret"


class MissingSecret(pulumi.RunError):
    pass


def marker_name(spec: StackSpec, wanted: TopicSpec) -> str | None:
    """The GraphQL subscription `name` that marks it as this project's and stack's (issue 8); None where
    Shopify keeps no names (REST, or an API version before names)."""
    if spec.api != "graphql" or not marker.names_supported(spec.api_version):
        return None
    label = wanted.name or marker.default_label(wanted.topic)
    return marker.subscription_name(pulumi.get_project(), pulumi.get_stack(), label)


def scan_claims(project_dir: Path) -> ownership.Claims | None:
    claims = ownership.scan(project_dir, pulumi.get_stack())
    if claims is None:
        pulumi.log.warn(
            "Could not read the other stacks of this backend: an existing subscription without an owner "
            'marker will only be adopted where the stack file says "adopt: true".'
        )
    return claims


def subscription_name(shop: str, topic: str) -> str:
    """The logical name, stable across runs: renaming it would replace the subscription."""
    return f"{shop}/{topic}"


def shopify_app_secret() -> pulumi.Output[str]:
    secret = pulumi.Config().get_secret(APP_SECRET_KEY)
    if secret is None:
        raise MissingSecret(
            "the stack's AEP pipeline verifies Shopify's HMAC signature, so it needs the Shopify app's "
            f"client secret: set it with `pulumi config set --secret {APP_SECRET_KEY}` (or set "
            "verify_hmac: false in the platform section)"
        )
    return secret


def interleaved(shops: tuple[ShopSpec, ...]) -> Iterator[tuple[ShopSpec, TopicSpec]]:
    """Every (shop, topic), round-robin across shops (see the module docstring)."""
    longest = max((len(shop.topics) for shop in shops), default=0)
    for index in range(longest):
        for shop in shops:
            if index < len(shop.topics):
                yield shop, shop.topics[index]


def _claim(claims: ownership.Claims | None, shop: str, topic: str, address: Any) -> Any:
    if claims is None:
        return None
    if isinstance(address, str):
        return claims.claim(shop, topic, address)
    return pulumi.Output.from_input(address).apply(lambda known: claims.claim(shop, topic, known))


def build_stack(spec: StackSpec, claims: ownership.Claims | None = None) -> dict[str, Any]:
    """Declares every resource of the stack; returns the summary to export."""
    summary: dict[str, Any] = {}
    inlet_url: pulumi.Output[str] | None = None
    if spec.platform is not None:
        pipeline = ShopifyStreamingPipeline(
            PIPELINE_NAME, spec.platform, hmac_secret=shopify_app_secret() if spec.verify_hmac else None
        )
        inlet_url = pipeline.inlet_url
        summary["pipeline"] = {"inlet_url": pipeline.inlet_url, "flow_id": pipeline.flow_id}

    shops: dict[str, dict[str, pulumi.Output[str]]] = {shop.name: {} for shop in spec.shops}
    for shop, wanted in interleaved(spec.shops):
        # The loader guarantees an address or a platform section, so one of the two is set.
        address = wanted.address if wanted.address is not None else inlet_url
        assert address is not None
        subscription = WebhookSubscription(
            subscription_name(shop.name, wanted.topic),
            shop=shop.name,
            topic=wanted.topic,
            address=address,
            format=wanted.format,
            fields=list(wanted.fields),
            metafield_namespaces=list(wanted.metafield_namespaces),
            filter=wanted.filter,
            name=marker_name(spec, wanted),
            api=spec.api,
            client_id=shop.client_id,
            may_adopt=wanted.adopt or claims is not None,
            claimed_by=_claim(claims, shop.name, wanted.topic, address),
            api_version=spec.api_version,
            endpoint=spec.shop_base_url(shop.name),
        )
        shops[shop.name][wanted.topic] = subscription.webhook_id
    summary["shops"] = shops
    return summary
