"""Helpers for the emulator tests: a tiny Admin API caller and a hand-driven clock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from shopstream.emulator import RunningEmulator

VERSION = "2026-10"


class FakeClock:
    """Unix seconds that move only when told to."""

    def __init__(self, start: float = 1_795_885_200.0) -> None:  # 2026-11-28T12:00:00-05:00
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Admin:
    """Calls one shop's Admin API with one token."""

    shop_url: str
    token: str
    version: str = VERSION

    @property
    def base(self) -> str:
        return f"{self.shop_url}/admin/api/{self.version}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = path if path.startswith("http") else self.base + path
        headers = {"X-Shopify-Access-Token": self.token, **kwargs.pop("headers", {})}
        return requests.request(method, url, headers=headers, timeout=10, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def create(self, topic: str, address: str, **fields: Any) -> dict[str, Any]:
        response = self.post(
            "/webhooks.json", json={"webhook": {"topic": topic, "address": address, **fields}}
        )
        assert response.status_code == 201, response.text
        webhook: dict[str, Any] = response.json()["webhook"]
        return webhook


def make_shop(
    emu: RunningEmulator,
    name: str = "acme",
    scopes: tuple[str, ...] = ("read_orders", "read_products", "read_customers"),
    app: str | None = None,
    **shop_options: Any,
) -> Admin:
    """Create ``name`` (unless it exists) and a token with ``scopes`` for ``app``; return its caller."""
    existing = {s["name"] for s in emu.control.call("GET", "/shops")["shops"]}
    if name not in existing:
        emu.control.create_shop(name, **shop_options)
    token = emu.control.create_token(name, list(scopes), app=app)
    return Admin(emu.shop_url(name), token)
