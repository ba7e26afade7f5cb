"""Turns a validated StackSpec into Pulumi resources: one webhook subscription per shop and topic."""

from __future__ import annotations

import pulumi

from providers.shopify.webhook import WebhookSubscription
from stackfile.model import StackSpec


def subscription_name(shop: str, topic: str) -> str:
    """The logical name, stable across runs: renaming it would replace the subscription."""
    return f"{shop}/{topic}"


def build_stack(spec: StackSpec) -> dict[str, dict[str, pulumi.Output[str]]]:
    """Declares every subscription of the stack; returns shop -> topic -> Shopify webhook id, for export."""
    summary: dict[str, dict[str, pulumi.Output[str]]] = {}
    for shop in spec.shops:
        summary[shop.name] = {}
        for wanted in shop.topics:
            subscription = WebhookSubscription(
                subscription_name(shop.name, wanted.topic),
                shop=shop.name,
                topic=wanted.topic,
                address=wanted.address,
                format=wanted.format,
                fields=list(wanted.fields),
                metafield_namespaces=list(wanted.metafield_namespaces),
                api_version=spec.api_version,
                endpoint=spec.shop_base_url(shop.name),
            )
            summary[shop.name][wanted.topic] = subscription.webhook_id
    return summary
