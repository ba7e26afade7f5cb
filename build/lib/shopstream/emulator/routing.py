"""WSGI middleware that finds the shop a request is for.

Two ways to address a shop (project convention):

* path prefix ``/shops/{shop}/admin/...`` (what stack files use: ``http://127.0.0.1:8787/shops/{shop}``);
  the prefix moves into ``SCRIPT_NAME`` so Flask routes see ``/admin/...`` and URLs the app builds
  (the ``Link`` header) keep the prefix;
* ``Host: {shop}.myshopify.com`` with no prefix, as on Shopify.

The shop name lands in ``environ["emulator.shop"]``; whether it exists is checked later.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

SHOP_ENVIRON_KEY = "emulator.shop"

_PREFIX = re.compile(r"^/shops/([^/]+)(/.*)?$")
_HOST = re.compile(r"^([a-z0-9][a-z0-9-]*)\.myshopify\.com(?::\d+)?$", re.IGNORECASE)


class ShopRouting:
    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        match = _PREFIX.match(path)
        if match:
            shop = match.group(1)
            environ[SHOP_ENVIRON_KEY] = shop
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + "/shops/" + shop
            environ["PATH_INFO"] = match.group(2) or "/"
        else:
            host = _HOST.match(environ.get("HTTP_HOST", ""))
            if host:
                environ[SHOP_ENVIRON_KEY] = host.group(1).lower()
        return self.app(environ, start_response)
