"""One test's Pulumi state database on the throwaway server, and what the tests look at in it.

Pulumi's `postgres://` backend (pkg/backend/diy/postgres, v3.176+) keeps its blob layout in one table
(`key`, `data` = JSON `{"data": base64}`, `updated_at`), keys prefixed with the database name:
`<db>/.pulumi/stacks/<project>/<stack>.json` for a checkpoint and
`<db>/.pulumi/locks/organization/<project>/<stack>/<uuid>.json` for a stack lock (written by
`up`/`refresh`/`destroy`, never by a preview). Every statement is a single autocommit one, so holding
`LOCK TABLE … IN EXCLUSIVE MODE` parks every writer at its next write while reads go on: the tests use
that to keep an update (and its stack lock) in flight for as long as they need, without timing.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psutil
import psycopg
from psycopg import sql

from tests.backend_postgres.server import PostgresServer

TABLE = "shopstream_state"  # not Pulumi's default (pulumi_state), so the URL's `table=` option is exercised


@dataclass(frozen=True)
class Writer:
    """A process parked on the table lock: its pid and command line."""

    pid: int
    cmdline: tuple[str, ...]

    @property
    def stack(self) -> str | None:
        args = list(self.cmdline)
        return args[args.index("--stack") + 1] if "--stack" in args[:-1] else None


class StateDatabase:
    def __init__(self, server: PostgresServer, name: str) -> None:
        self.server = server
        self.name = name

    @classmethod
    def create(cls, server: PostgresServer) -> StateDatabase:
        name = f"state_{secrets.token_hex(4)}"
        with psycopg.connect(server.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return cls(server, name)

    def url(self, *, with_password: bool = True, **params: str) -> str:
        return self.server.url(self.name, with_password=with_password, table=TABLE, **params)

    def connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.server.conninfo(self.name), autocommit=True)

    def tables(self) -> set[str]:
        with self.connect() as conn:
            rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
        return {str(row[0]) for row in rows}

    def rows(self) -> dict[str, str]:
        """key -> updated_at of every blob (empty before Pulumi created the table)."""
        if TABLE not in self.tables():
            return {}
        with self.connect() as conn:
            rows = conn.execute(sql.SQL("SELECT key, updated_at FROM {}").format(sql.Identifier(TABLE)))
            return {str(key): str(updated) for key, updated in rows.fetchall()}

    def lock_keys(self) -> list[str]:
        return sorted(key for key in self.rows() if "/.pulumi/locks/" in key)

    def blob(self, key: str) -> bytes:
        with self.connect() as conn:
            query = sql.SQL("SELECT data FROM {} WHERE key = %s").format(sql.Identifier(TABLE))
            row = conn.execute(query, (key,)).fetchone()
        assert row is not None, f"no blob {key}"
        data = row[0] if isinstance(row[0], dict) else json.loads(row[0])
        return base64.b64decode(data["data"])

    def lock_holder(self, key: str) -> dict[str, Any]:
        """The lock file's content: pid, username, hostname, timestamp of the process holding it."""
        return dict(json.loads(self.blob(key)))

    @contextmanager
    def writes_held(self) -> Iterator[None]:
        """Park every writer of the state table until the block ends (reads are not affected)."""
        with self.connect() as conn:
            conn.execute("BEGIN")
            conn.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(sql.Identifier(TABLE)))
            try:
                yield
            finally:
                conn.execute("COMMIT")

    def parked_writers(self) -> list[Writer]:
        """The OS processes whose connections wait for the table lock (found by their client port)."""
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE NOT l.granted AND l.relation = %s::regclass",
                (TABLE,),
            ).fetchall()
        ports = {int(row[0]) for row in rows if row[0] is not None}
        writers: dict[int, Writer] = {}
        for conn_info in psutil.net_connections(kind="tcp"):
            remote = conn_info.raddr
            if conn_info.pid and remote and remote.port == self.server.port and conn_info.laddr.port in ports:
                try:
                    cmdline = tuple(psutil.Process(conn_info.pid).cmdline())
                except psutil.NoSuchProcess:
                    continue
                writers[conn_info.pid] = Writer(conn_info.pid, cmdline)
        return sorted(writers.values(), key=lambda w: w.pid)
