"""Local emulator of the Adobe Experience Platform pieces a Shopify streaming pipeline needs: IMS tokens,
Flow Service (connections, flows, specs), Data Prep mapping sets, Catalog datasets, a minimal Schema
Registry and the streaming inlet. Served by the same server as the Shopify emulator (see
``shopstream.emulator.aep.app``); control surface at ``/_control/aep`` (``shopstream.emulator.aep.control``).
"""
