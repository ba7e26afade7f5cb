"""Turns a validated StackSpec into Pulumi resources: the AEP pipeline (when the stack has a `platform:`
section) and one webhook subscription per shop and topic, delivering to the pipeline's inlet unless the
topic names its own address."""

from __future__ import annotations

from typing import Any

import pulumi

from providers.aep.pipeline import ShopifyStreamingPipeline
from providers.shopify.webhook import WebhookSubscription
from stackfile.model import StackSpec

PIPELINE_NAME = "pipeline"
APP_SECRET_KEY = "shopifyAppSecret"


class MissingSecret(pulumi.RunError):
    pass


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


def build_stack(spec: StackSpec) -> dict[str, Any]:
    """Declares every resource of the stack; returns the summary to export."""
    summary: dict[str, Any] = {}
    inlet_url: pulumi.Output[str] | None = None
    if spec.platform is not None:
        pipeline = ShopifyStreamingPipeline(
            PIPELINE_NAME, spec.platform, hmac_secret=shopify_app_secret() if spec.verify_hmac else None
        )
        inlet_url = pipeline.inlet_url
        summary["pipeline"] = {"inlet_url": pipeline.inlet_url, "flow_id": pipeline.flow_id}

    shops: dict[str, dict[str, pulumi.Output[str]]] = {}
    for shop in spec.shops:
        shops[shop.name] = {}
        for wanted in shop.topics:
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
                api_version=spec.api_version,
                endpoint=spec.shop_base_url(shop.name),
            )
            shops[shop.name][wanted.topic] = subscription.webhook_id
    summary["shops"] = shops
    return summary
