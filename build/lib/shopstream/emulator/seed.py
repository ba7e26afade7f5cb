"""Seed files: shops, apps and tokens to create at start-up (``serve --seed FILE``), YAML or JSON.

```yaml
shops:
  - name: acme                       # Shopify handle
    timezone: "-05:00"               # optional, ±HH:MM or IANA
    rate_limit: {bucket_size: 40, leak_rate: 2}   # optional
    apps:                            # optional; "default" is created when absent
      - name: default
        client_secret: s3cret        # optional (random)
        webhook_api_version: "2026-10"
    tokens:
      - app: default
        scopes: [read_orders, read_products]
        token: shpat_0123456789abcdef0123456789abcdef   # required: the demo must know it
```

A shop that already exists (loaded from ``--state-file``) is left as it is, so restarting with the same
seed is harmless.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from shopstream.emulator import accounts
from shopstream.emulator.errors import ControlError
from shopstream.emulator.state import DEFAULT_APP, Store


class SeedError(Exception):
    """The seed file cannot be read or applied."""


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SeedError(f"{what} must be a list")
    return value


def _mapping(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SeedError(f"{what} must be a mapping")
    return value


def apply_seed(store: Store, path: Path) -> list[str]:
    """Create the seed's shops that do not exist yet; returns their names."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SeedError(f"{path}: cannot read seed file ({exc})") from exc
    created: list[str] = []
    with store.lock:
        for index, raw_shop in enumerate(_list(_mapping(data, "the seed file").get("shops"), "shops")):
            where = f"{path}: shops[{index}]"
            try:
                shop_data = _mapping(raw_shop, where)
                if shop_data.get("name") in store.shops:
                    continue
                apps = [_mapping(a, f"{where}.apps[]") for a in _list(shop_data.get("apps"), f"{where}.apps")]
                first = apps[0] if apps else {"name": DEFAULT_APP}
                shop, _ = accounts.create_shop(
                    store,
                    shop_data.get("name"),
                    timezone=shop_data.get("timezone"),
                    app=first.get("name"),
                    client_secret=first.get("client_secret"),
                    webhook_api_version=first.get("webhook_api_version"),
                )
                try:
                    for app in apps[1:]:
                        accounts.create_app(
                            store,
                            shop,
                            app.get("name"),
                            client_secret=app.get("client_secret"),
                            webhook_api_version=app.get("webhook_api_version"),
                        )
                    if shop_data.get("rate_limit") is not None:
                        limit = _mapping(shop_data["rate_limit"], f"{where}.rate_limit")
                        shop.rate_limit = accounts.check_rate_limit(
                            limit.get("bucket_size"), limit.get("leak_rate")
                        )
                    for token in _list(shop_data.get("tokens"), f"{where}.tokens"):
                        token_data = _mapping(token, f"{where}.tokens[]")
                        if token_data.get("token") is None:
                            raise SeedError(f"{where}.tokens[]: 'token' is required in a seed file")
                        accounts.create_token(
                            store,
                            shop,
                            app=token_data.get("app"),
                            scopes=token_data.get("scopes"),
                            value=token_data["token"],
                        )
                except BaseException:
                    del store.shops[shop.name]  # all or nothing per shop
                    raise
            except ControlError as exc:
                raise SeedError(f"{where}: {exc.message}") from None
            created.append(shop.name)
        if created:
            store.save()
    return created
