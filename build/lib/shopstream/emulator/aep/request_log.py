"""In-memory log of the requests the AEP emulator received (read through ``/_control/aep/requests``).

An entry: ``{seq, time, method, write, service, path, query, status, client_id, org, sandbox}``. Never a
token, a client secret or a request body: the bearer token and the IMS form travel in parts that are not
logged, and query values that look secret are redacted. ``write`` marks methods that change state (POST,
PUT, PATCH, DELETE), so leak and idempotency checks can count them. Bounded, not persisted.
"""

from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from shopstream.emulator.request_log import redact_query

MAX_ENTRIES = 10_000
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class AepLoggedRequest:
    seq: int
    time: str  # UTC, millisecond precision
    method: str
    write: bool
    service: str  # ims | flowservice | dataprep | catalog | schemaregistry | inlet | other
    path: str
    query: str
    status: int
    client_id: str | None
    org: str | None
    sandbox: str | None


def service_of(path: str) -> str:
    for prefix, service in (
        ("/ims/", "ims"),
        ("/data/foundation/flowservice/", "flowservice"),
        ("/data/foundation/conversion/", "dataprep"),
        ("/data/foundation/catalog/", "catalog"),
        ("/data/foundation/schemaregistry/", "schemaregistry"),
        ("/collection/", "inlet"),
    ):
        if path.startswith(prefix):
            return service
    return "other"


class AepRequestLog:
    """Not thread-safe by itself: callers hold the store lock."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: deque[AepLoggedRequest] = deque(maxlen=max_entries)
        self._seq = 0

    def record(
        self,
        *,
        epoch: float,
        method: str,
        path: str,
        query: str,
        status: int,
        client_id: str | None,
        org: str | None,
        sandbox: str | None,
    ) -> None:
        self._seq += 1
        moment = datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        self._entries.append(
            AepLoggedRequest(
                seq=self._seq,
                time=moment,
                method=method,
                write=method in WRITE_METHODS,
                service=service_of(path),
                path=path,
                query=redact_query(query),
                status=status,
                client_id=client_id,
                org=org,
                sandbox=sandbox,
            )
        )

    def entries(self, since: int = 0) -> list[dict[str, Any]]:
        return [asdict(entry) for entry in self._entries if entry.seq > since]

    def clear(self) -> None:
        self._entries.clear()
