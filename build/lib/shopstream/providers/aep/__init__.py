"""AEP: the Platform client, IMS tokens, and the dynamic providers of the Shopify Streaming pipeline."""
