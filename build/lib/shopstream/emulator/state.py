"""The emulator's data: shops, their apps, access tokens and webhook subscriptions, plus JSON persistence.

Model (kept deliberately small): a shop has apps (an app of a shop is its installation there: the scopes
granted to it, whether it is public, whether it is still installed); an app has a client secret and the
webhook API version configured for it; a token belongs to one app of one shop, carries the granted scopes and
may expire (client credentials grant); a subscription belongs to the app whose token created it, and an app
sees only its own subscriptions (reference §1.4). REST and GraphQL read and write the same subscriptions.

Thread safety: every read and write goes through ``Store.lock`` (one re-entrant lock for everything).
Persistence: with a state file, the whole state is written after every mutation (temp file +
``os.replace``, so a crash never leaves half a file) and loaded at start. The file holds access tokens
and client secrets, so it is created readable by its owner only.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from shopstream.emulator.timeutil import DEFAULT_TIMEZONE
from shopstream.shopify_api.topics import STABLE_API_VERSIONS

STATE_FORMAT = 1
SECTION_KEYS = ("aep",)  # top-level keys of the state file owned by sub-emulators (see Store.sections)
FIRST_SUBSCRIPTION_ID = 1_900_000_000_000
DEFAULT_APP = "default"
# Newest stable version: what a freshly configured app would pick.
DEFAULT_WEBHOOK_API_VERSION = STABLE_API_VERSIONS[-1]


class StateFileError(Exception):
    """The state file exists but cannot be read as emulator state."""


@dataclass
class App:
    name: str
    client_secret: str
    webhook_api_version: str = DEFAULT_WEBHOOK_API_VERSION
    # OAuth (emulator.oauth): the API key (Shopify's are 32 hex digits) and the allowed redirect URLs.
    client_id: str = field(default_factory=lambda: secrets.token_hex(16))
    redirect_urls: list[str] = field(default_factory=list)
    # The installation: scopes a client-credentials token gets (the authorization code grant sets them too),
    # whether the app is public (only public apps lose non-expiring tokens, reference §0) and installed.
    scopes: list[str] = field(default_factory=list)
    public: bool = False
    installed: bool = True


GRANT_STATIC = "static"  # created through the control surface or a seed file (a custom app's shpat_ token)
GRANT_AUTHORIZATION_CODE = "authorization_code"
GRANT_CLIENT_CREDENTIALS = "client_credentials"


@dataclass
class Token:
    id: str
    value: str
    app: str
    scopes: list[str]
    created_at: int
    expires_at: float | None = None  # Unix seconds; None = never expires
    grant: str = GRANT_STATIC

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and now >= self.expires_at


@dataclass
class Subscription:
    id: int
    app: str
    address: str
    topic: str
    format: str
    fields: list[str]
    metafield_namespaces: list[str]
    created_at: int
    updated_at: int
    # GraphQL-only attributes (REST does not show them): None = never set (GraphQL renders null); the
    # filter keeps "" when sent empty, as Shopify does (reference §4.4).
    filter: str | None = None
    name: str | None = None


@dataclass
class RateLimit:
    bucket_size: int
    leak_rate: float


@dataclass
class CostLimit:
    """The GraphQL points bucket of each app on a shop (reference §3.2) and the single-query cap."""

    maximum_available: int
    restore_rate: float
    max_query_cost: int


@dataclass
class Shop:
    name: str
    timezone: str = DEFAULT_TIMEZONE
    apps: dict[str, App] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)  # by token id
    subscriptions: dict[int, Subscription] = field(default_factory=dict)
    rate_limit: RateLimit | None = None  # None: the server-wide default
    cost_limit: CostLimit | None = None  # GraphQL; None: the server-wide default
    # Shopify from 2027-01-01: Admin API requests with a public app's non-expiring token fail (reference §0).
    refuse_non_expiring_tokens: bool = False

    def token_by_value(self, value: str) -> Token | None:
        for token in self.tokens.values():
            if secrets.compare_digest(token.value.encode(), value.encode()):
                return token
        return None

    def subscriptions_of(self, app: str) -> list[Subscription]:
        """The app's subscriptions in id order (the REST list order)."""
        return sorted((s for s in self.subscriptions.values() if s.app == app), key=lambda s: s.id)


def new_client_secret() -> str:
    return secrets.token_hex(16)


def new_token_value() -> str:
    # Offline Admin API tokens look like shpat_ + 32 hex digits.
    return "shpat_" + secrets.token_hex(16)


class Store:
    """All emulator state behind one lock, optionally mirrored to a JSON file."""

    def __init__(self, path: Path | None = None, clock: Callable[[], float] | None = None) -> None:
        self.lock = threading.RLock()
        self.path = path
        self.clock: Callable[[], float] = clock or time.time
        self.shops: dict[str, Shop] = {}
        self.next_subscription_id = FIRST_SUBSCRIPTION_ID
        self.next_token_seq = 1
        # Sub-emulators (the AEP emulator, shopstream/emulator/aep) keep their state in the same file under
        # their own
        # top-level key: ``sections`` maps the key to a function returning its JSON, ``loaded_sections``
        # holds what the file had for it until its owner reads it, ``reset_hooks`` run on reset().
        self.sections: dict[str, Callable[[], Any]] = {}
        self.loaded_sections: dict[str, Any] = {}
        self.reset_hooks: list[Callable[[], None]] = []
        if path is not None and path.exists():
            self._load(path)

    # --- ids and time -----------------------------------------------------------------------------

    def now(self) -> int:
        return int(self.clock())

    def allocate_subscription_id(self) -> int:
        with self.lock:
            value = self.next_subscription_id
            self.next_subscription_id += 1
            return value

    def allocate_token_id(self) -> str:
        with self.lock:
            value = f"tok_{self.next_token_seq}"
            self.next_token_seq += 1
            return value

    # --- mutations --------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every shop. Id counters keep counting, so an id held by a client from before the reset
        can never name a different subscription afterwards."""
        with self.lock:
            self.shops.clear()
            for hook in self.reset_hooks:
                hook()
            self.save()

    def save(self) -> None:
        """Write the state file (if any) atomically. Call after every mutation, holding the lock."""
        if self.path is None:
            return
        with self.lock:
            sections = {key: dump() for key, dump in self.sections.items()}
            everything = {**self.loaded_sections, **self._to_json(), **sections}
            data = json.dumps(everything, indent=1, sort_keys=True)
            directory = self.path.parent
            directory.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=directory)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp_name, self.path)
            except BaseException:
                Path(tmp_name).unlink(missing_ok=True)
                raise

    # --- (de)serialisation ------------------------------------------------------------------------

    def _to_json(self) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            "next_subscription_id": self.next_subscription_id,
            "next_token_seq": self.next_token_seq,
            "shops": {
                name: {
                    "name": shop.name,
                    "timezone": shop.timezone,
                    "rate_limit": asdict(shop.rate_limit) if shop.rate_limit else None,
                    "cost_limit": asdict(shop.cost_limit) if shop.cost_limit else None,
                    "refuse_non_expiring_tokens": shop.refuse_non_expiring_tokens,
                    "apps": [asdict(app) for app in shop.apps.values()],
                    "tokens": [asdict(token) for token in shop.tokens.values()],
                    "subscriptions": [asdict(sub) for sub in shop.subscriptions.values()],
                }
                for name, shop in self.shops.items()
            },
        }

    def _load(self, path: Path) -> None:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict) or raw.get("format") != STATE_FORMAT:
                raise StateFileError(f"{path}: not an emulator state file (format {STATE_FORMAT})")
            shops: dict[str, Shop] = {}
            for name, item in raw["shops"].items():
                limit = item.get("rate_limit")
                cost = item.get("cost_limit")
                shop = Shop(
                    name=item["name"],
                    timezone=item["timezone"],
                    rate_limit=RateLimit(**limit) if limit else None,
                    cost_limit=CostLimit(**cost) if cost else None,
                    refuse_non_expiring_tokens=bool(item.get("refuse_non_expiring_tokens", False)),
                )
                for app in item["apps"]:
                    shop.apps[app["name"]] = App(**app)
                for token in item["tokens"]:
                    shop.tokens[token["id"]] = Token(**token)
                for sub in item["subscriptions"]:
                    shop.subscriptions[sub["id"]] = Subscription(**sub)
                shops[name] = shop
            self.shops = shops
            self.next_subscription_id = int(raw["next_subscription_id"])
            self.next_token_seq = int(raw["next_token_seq"])
            self.loaded_sections = {key: raw[key] for key in SECTION_KEYS if key in raw}
        except StateFileError:
            raise
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StateFileError(f"{path}: cannot read emulator state ({exc})") from exc
