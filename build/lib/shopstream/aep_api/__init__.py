"""Adobe Experience Platform (AEP) sans-I/O core: ids, request bodies, errors, etags, JSON Patch,
pagination and IMS token timing.  Pure functions and data, no HTTP (the client lives in
shopstream/providers/aep).
"""
