"""The AEP emulator's data, kept in the emulator's state file under the ``"aep"`` key.

Model: orgs own sandboxes; everything created through the Platform APIs (connections, source and target
connections, flows, mapping sets, schemas, datasets with their ingested records) lives in exactly one
sandbox of one org, so sandboxes are isolated. OAuth clients (client_id + client_secret) belong to one
org; an access token belongs to one client (and so one org). Only a SHA-256 digest of a token is kept:
the state file never holds a token, though it does hold client secrets and HMAC secrets (the store writes
it readable by its owner only).

Thread safety and persistence are the store's: callers hold ``store.lock`` and call ``save()`` after a
mutation; ``shopstream.emulator.state.Store`` writes this section through ``Store.sections`` and calls
``reset``
from ``Store.reset`` (``POST /_control/reset``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from shopstream.emulator.aep.ids import new_access_token
from shopstream.emulator.aep.request_log import AepRequestLog
from shopstream.emulator.state import StateFileError, Store

SECTION = "aep"
FORMAT = 1
ENTITY_KINDS = ("connections", "sourceConnections", "targetConnections", "flows")


@dataclass
class Settings:
    """Behaviour switches (``PATCH /_control/aep/settings``)."""

    token_expires_in: int = 86399  # seconds, IMS v3 (~24 h)
    # Seconds after a flow's creation before its inletUrl shows and the inlet accepts data (real AEP:
    # "wait ~5 minutes"; UNCONFIRMED exact behaviour). 0 = at once.
    inlet_provisioning_seconds: float = 0.0
    dedupe_by_id: bool = True  # a record whose _id is already in the dataset is not stored again
    # Answer of the inlet of a disabled flow. Not documented; 403 is our plausible choice (UNCONFIRMED).
    disabled_flow_status: int = 403
    max_inlet_body_bytes: int = 1_048_576  # "413 payload larger than 1 MB" (1 MiB here, UNCONFIRMED)
    # Base of inletUrl; None = the URL the request reached the emulator at.
    inlet_base_url: str | None = None


@dataclass
class Entity:
    """A Flow Service object: ``doc`` is what the API shows (minus computed parts); ``internal`` holds
    emulator-only data (a flow's inlet id and when it becomes ready)."""

    doc: dict[str, Any]
    internal: dict[str, Any] = field(default_factory=dict)


@dataclass
class Dataset:
    doc: dict[str, Any]
    records: list[dict[str, Any]] = field(default_factory=list)  # mapped XDM records, oldest first
    messages: list[dict[str, Any]] = field(default_factory=list)  # raw DCS messages + outcome


def _empty_entities() -> dict[str, dict[str, Entity]]:
    return {kind: {} for kind in ENTITY_KINDS}


@dataclass
class Sandbox:
    name: str
    id: str
    entities: dict[str, dict[str, Entity]] = field(default_factory=_empty_entities)
    mapping_sets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # id -> versions 0..n
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)  # $id -> schema
    datasets: dict[str, Dataset] = field(default_factory=dict)


@dataclass
class Org:
    id: str
    tenant: str
    sandboxes: dict[str, Sandbox] = field(default_factory=dict)


@dataclass
class Client:
    client_id: str
    client_secret: str
    org_id: str
    name: str


@dataclass
class Token:
    id: str
    digest: str  # sha256 of the token value
    client_id: str
    org_id: str
    scopes: list[str]
    created_at: float
    expires_at: float
    revoked: bool = False


@dataclass
class InletFailure:
    """Make an inlet answer ``status`` instead of ingesting, ``remaining`` more times (None: until
    cleared)."""

    status: int
    remaining: int | None
    message: str
    retry_after: int | None = None


def token_digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class AepState:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.settings = Settings()
        self.orgs: dict[str, Org] = {}
        self.clients: dict[str, Client] = {}
        self.tokens: dict[str, Token] = {}  # by token id
        self.inlet_failures: dict[str, InletFailure] = {}  # by inlet id, "*" = every inlet
        self.next_token_seq = 1
        self.next_xaction_seq = 1
        self.requests = AepRequestLog()
        raw = store.loaded_sections.get(SECTION)
        if raw is not None:
            self._load(raw)
        store.sections[SECTION] = self.to_json
        store.reset_hooks.append(self.reset)

    # --- store plumbing ---------------------------------------------------------------------------

    @property
    def lock(self) -> Any:
        return self.store.lock

    def save(self) -> None:
        self.store.save()

    def now(self) -> float:
        return self.store.clock()

    def now_ms(self) -> int:
        return int(self.store.clock() * 1000)

    def reset(self) -> None:
        """Forget everything (settings back to defaults). Token ids keep counting."""
        self.settings = Settings()
        self.orgs.clear()
        self.clients.clear()
        self.tokens.clear()
        self.inlet_failures.clear()
        self.requests.clear()

    # --- tokens -----------------------------------------------------------------------------------

    def issue_token(self, client: Client, scopes: list[str]) -> tuple[Token, str]:
        value = new_access_token()
        now = self.now()
        token = Token(
            id=f"aeptok_{self.next_token_seq}",
            digest=token_digest(value),
            client_id=client.client_id,
            org_id=client.org_id,
            scopes=scopes,
            created_at=now,
            expires_at=now + self.settings.token_expires_in,
        )
        self.next_token_seq += 1
        self.tokens[token.id] = token
        return token, value

    def token_by_value(self, value: str) -> Token | None:
        digest = token_digest(value)
        for token in self.tokens.values():
            if secrets.compare_digest(token.digest, digest):
                return token
        return None

    def token_is_valid(self, token: Token) -> bool:
        return not token.revoked and self.now() < token.expires_at and token.client_id in self.clients

    # --- lookups ----------------------------------------------------------------------------------

    def sandboxes(self) -> list[tuple[Org, Sandbox]]:
        return [(org, sandbox) for org in self.orgs.values() for sandbox in org.sandboxes.values()]

    def find_inlet(self, inlet_id: str) -> tuple[Org, Sandbox, Entity] | None:
        for org, sandbox in self.sandboxes():
            for flow in sandbox.entities["flows"].values():
                if flow.internal.get("inlet_id") == inlet_id:
                    return org, sandbox, flow
        return None

    def find_dataset(self, dataset_id: str) -> tuple[Org, Sandbox, Dataset] | None:
        for org, sandbox in self.sandboxes():
            if dataset_id in sandbox.datasets:
                return org, sandbox, sandbox.datasets[dataset_id]
        return None

    def next_xaction_id(self) -> str:
        """Looks like DCS's ``1584479347507:2153:240`` (receive time ms : random : sequence)."""
        seq = self.next_xaction_seq
        self.next_xaction_seq += 1
        return f"{self.now_ms()}:{secrets.randbelow(9000) + 1000}:{seq}"

    # --- (de)serialisation ------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "settings": asdict(self.settings),
            "orgs": {org_id: asdict(org) for org_id, org in self.orgs.items()},
            "clients": [asdict(client) for client in self.clients.values()],
            "tokens": [asdict(token) for token in self.tokens.values()],
            "inlet_failures": {key: asdict(failure) for key, failure in self.inlet_failures.items()},
            "next_token_seq": self.next_token_seq,
            "next_xaction_seq": self.next_xaction_seq,
        }

    def _load(self, raw: Any) -> None:
        try:
            if not isinstance(raw, dict) or raw.get("format") != FORMAT:
                raise StateFileError(f"the state file's AEP section is not format {FORMAT}")
            known = {f.name for f in fields(Settings)}
            self.settings = Settings(**{k: v for k, v in raw["settings"].items() if k in known})
            self.orgs = {org_id: _load_org(item) for org_id, item in raw["orgs"].items()}
            self.clients = {item["client_id"]: Client(**item) for item in raw["clients"]}
            self.tokens = {item["id"]: Token(**item) for item in raw["tokens"]}
            self.inlet_failures = {key: InletFailure(**item) for key, item in raw["inlet_failures"].items()}
            self.next_token_seq = int(raw["next_token_seq"])
            self.next_xaction_seq = int(raw["next_xaction_seq"])
        except StateFileError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StateFileError(f"cannot read the AEP part of the emulator state ({exc})") from exc


def _load_org(item: dict[str, Any]) -> Org:
    org = Org(id=item["id"], tenant=item["tenant"])
    for name, raw in item["sandboxes"].items():
        sandbox = Sandbox(name=raw["name"], id=raw["id"])
        for kind in ENTITY_KINDS:
            sandbox.entities[kind] = {
                entity_id: Entity(doc=e["doc"], internal=e["internal"])
                for entity_id, e in raw["entities"][kind].items()
            }
        sandbox.mapping_sets = {key: list(versions) for key, versions in raw["mapping_sets"].items()}
        sandbox.schemas = dict(raw["schemas"])
        sandbox.datasets = {
            key: Dataset(doc=d["doc"], records=d["records"], messages=d["messages"])
            for key, d in raw["datasets"].items()
        }
        org.sandboxes[name] = sandbox
    return org
