"""Shopify: the Admin REST client, its retry policy, and the WebhookSubscription dynamic provider."""
