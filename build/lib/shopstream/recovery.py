"""After a crash: a stack lock nobody holds any more, and operations the state still marks pending.

A `pulumi up` killed mid-flight (SIGKILL, a lost runner) leaves two things behind:

* its lock. The file (DIY) backends keep one JSON file per lock under
  `.pulumi/locks/<organization>/<project>/<stack>/` (older layout: `.pulumi/locks/<stack>/`) with the
  pid, user and host of the process that took it; Pulumi's lock error quotes the same facts for every
  DIY backend ("created by user@host (pid N) at T"). `pulumi cancel` deletes the locks.
* sometimes (a kill during the state write), an empty `<stack>.json.attrs` beside the state file of a
  file backend: the metadata sidecar of the state blob, truncated. Every later command then fails with
  "failed to load checkpoint: EOF"; removing the empty sidecar makes the state readable again (it only
  holds the blob's content type and checksum, which are written anew with the next save).
* pending operations in the state (`pending_operations` of `pulumi stack export`): a create whose
  answer never arrived. `pulumi refresh --clear-pending-creates` drops them; the next `shopstream up`
  creates those subscriptions again, and Shopify's refusal of a second identical topic+address makes
  the provider adopt the one the killed run may have made, so nothing is duplicated.

Deciding is pure (`classify`, `recovery_commands`); reading the lock files and the process table is
the thin I/O below. A lock is only ever called stale when it was taken on this host and its pid is no
longer a running pulumi process; a lock from another host cannot be checked from here and is left alone.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

LIVE = "live"  # a running pulumi process on this host holds it
STALE = "stale"  # taken on this host by a process that is gone
ELSEWHERE = "elsewhere"  # taken on another host: cannot be checked from here

_LOCK_LINE = re.compile(r"(?P<where>\S+): created by (?P<user>[^@\s]*)@(?P<host>\S+) \(pid (?P<pid>\d+)\)")


@dataclass(frozen=True)
class Lock:
    pid: int
    username: str
    hostname: str
    timestamp: str
    where: str  # the lock file (path or URL)


@dataclass(frozen=True)
class PendingOperation:
    type: str  # creating | updating | deleting | reading | ...
    urn: str

    @property
    def name(self) -> str:
        return self.urn.split("::")[-1]


@dataclass
class Diagnosis:
    stack: str
    locks: list[tuple[Lock, str]] = field(default_factory=list)  # (lock, LIVE | STALE | ELSEWHERE)
    pending: list[PendingOperation] = field(default_factory=list)
    empty_sidecars: list[Path] = field(default_factory=list)  # truncated state metadata (file backends)

    @property
    def needs_recovery(self) -> bool:
        return bool(self.locks or self.pending or self.empty_sidecars)

    @property
    def safe_to_recover(self) -> bool:
        """Every lock is provably stale (no live process here, none taken elsewhere)."""
        return all(state == STALE for _, state in self.locks)


def parse_lock_file(text: str, where: str) -> Lock | None:
    try:
        content = json.loads(text)
        return Lock(
            int(content["pid"]),
            str(content.get("username", "")),
            str(content.get("hostname", "")),
            str(content.get("timestamp", "")),
            where,
        )
    except (ValueError, KeyError, TypeError):
        return None


def parse_lock_error(message: str) -> list[Lock]:
    """The locks Pulumi's "the stack is currently locked" error names (any DIY backend)."""
    return [Lock(int(m["pid"]), m["user"], m["host"], "", m["where"]) for m in _LOCK_LINE.finditer(message)]


def classify(lock: Lock, *, hostname: str, process: Callable[[int], str | None]) -> str:
    """LIVE, STALE or ELSEWHERE. `process(pid)` is the command line of a running pid, None if none runs."""
    if lock.hostname != hostname:
        return ELSEWHERE
    command = process(lock.pid)
    # A pid reused by some other program does not hold a Pulumi lock.
    return LIVE if command is not None and "pulumi" in command else STALE


def pending_operations(deployment: Mapping[str, Any]) -> list[PendingOperation]:
    return [
        PendingOperation(str(op.get("type", "")), str((op.get("resource") or {}).get("urn", "")))
        for op in deployment.get("pending_operations") or []
    ]


def recovery_commands(diagnosis: Diagnosis) -> list[str]:
    """What to run, in order, to get the stack going again after a crash."""
    commands = []
    if diagnosis.empty_sidecars:
        commands.append("rm " + " ".join(str(path) for path in diagnosis.empty_sidecars))
    if diagnosis.locks:
        commands.append(f"pulumi cancel --yes --stack {diagnosis.stack}")
    if diagnosis.pending:
        commands.append(f"pulumi refresh --clear-pending-creates --yes --stack {diagnosis.stack}")
    if commands:
        commands.append(f"shopstream up --stack {diagnosis.stack}")
    return commands


def describe(diagnosis: Diagnosis) -> list[str]:
    """Lines for the terminal: each lock and why it is (not) safe to remove, each pending operation."""
    lines = []
    for lock, state in diagnosis.locks:
        taken = f"taken by {lock.username or '?'}@{lock.hostname} (pid {lock.pid})"
        taken += f" at {lock.timestamp}" if lock.timestamp else ""
        why = {
            LIVE: "that process is still running: wait for it to finish",
            STALE: "that process is gone: the lock is stale",
            ELSEWHERE: f"taken on another host: check on {lock.hostname} that no pulumi process holds it",
        }[state]
        lines.append(f"  lock {lock.where}: {taken}; {why}")
    for op in diagnosis.pending:
        lines.append(f"  pending operation: {op.type} {op.name}")
    for path in diagnosis.empty_sidecars:
        lines.append(f"  empty state metadata {path}: written when the update was killed; safe to remove")
    return lines


def find_empty_sidecars(backend: Path, project: str, stack: str) -> list[Path]:
    """Empty `.attrs` sidecars of the stack's state files (see the module docstring)."""
    stacks = backend / ".pulumi" / "stacks"
    candidates = [*(stacks / project).glob(f"{stack}.json*.attrs"), *stacks.glob(f"{stack}.json*.attrs")]
    return sorted(path for path in candidates if path.is_file() and path.stat().st_size == 0)


def file_backend_dir(url: str | None) -> Path | None:
    """The directory of a file:// backend URL, None for other backends."""
    if not url or not url.startswith("file://"):
        return None
    path = urlsplit(url).path if not url.startswith("file://~") else url[len("file://") :].split("?")[0]
    return Path(path).expanduser()


def find_lock_files(backend: Path, project: str, stack: str) -> list[Path]:
    base = backend / ".pulumi" / "locks"
    candidates: Iterable[Path] = [
        *(base / "organization" / project / stack).glob("*.json"),
        *(base / stack).glob("*.json"),
    ]
    return sorted(path for path in candidates if path.is_file())


def running_command(pid: int) -> str | None:
    """The command line of running process `pid` (Linux /proc), None when no such process runs."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return raw.replace(b"\0", b" ").decode(errors="replace")


def diagnose(
    stack: str,
    deployment: Mapping[str, Any],
    locks: Sequence[Lock],
    *,
    hostname: str | None = None,
    empty_sidecars: Sequence[Path] = (),
) -> Diagnosis:
    host = hostname or socket.gethostname()
    return Diagnosis(
        stack,
        [(lock, classify(lock, hostname=host, process=running_command)) for lock in locks],
        pending_operations(deployment),
        list(empty_sidecars),
    )


def read_locks(paths: Sequence[Path]) -> list[Lock]:
    found = []
    for path in paths:
        try:
            lock = parse_lock_file(path.read_text(), str(path))
        except OSError:  # removed between listing and reading: not a lock any more
            continue
        if lock is not None:
            found.append(lock)
    return found
