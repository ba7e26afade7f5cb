"""A throwaway PostgreSQL server from Debian's binaries (`/usr/lib/postgresql/<major>/bin`), for tests.

`start()` runs `initdb` in a fresh temporary directory, then `pg_ctl start` with TCP on 127.0.0.1 only
(a free port) and the unix socket inside that directory; host logins need a password (scram-sha-256),
socket logins are trusted. `stop()` stops the server and removes the directory.

PostgreSQL refuses to run as root, and CI runs as root: then every server command runs through
`runuser -u postgres`, the account Debian's `postgresql-common` creates, and the directory is given to it.
A missing package is `PostgresMissing`, whose message names the bootstrap step that installs it.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

BIN_GLOB = "/usr/lib/postgresql/*/bin"
SERVICE_ACCOUNT = "postgres"  # created by Debian's postgresql-common
START_ATTEMPTS = 3  # a free port can be taken by someone else between the probe and the bind
START_TIMEOUT_S = 120  # pg_ctl -t: generous, the machine is shared


class PostgresMissing(RuntimeError):
    """Debian's PostgreSQL server binaries (or their service account) are not on this machine."""


class PostgresStartFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class PostgresServer:
    bindir: Path
    root: Path  # the temporary directory: data/, the socket, server.log
    port: int
    user: str
    password: str
    run_as: tuple[str, ...]  # the command prefix that runs a server binary as a non-root account

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str, *, with_password: bool = True, **params: str) -> str:
        """A Pulumi `postgres://` backend URL (TCP on loopback, no TLS on loopback). Without the password,
        libpq's PGPASSWORD supplies it."""
        query = urlencode({"sslmode": "disable", **params})
        credentials = quote(self.user, safe="")
        if with_password:
            credentials += f":{quote(self.password, safe='')}"
        return f"postgres://{credentials}@127.0.0.1:{self.port}/{quote(database, safe='')}?{query}"

    def conninfo(self, database: str = "postgres") -> str:
        """A libpq connection string for the test's own queries, over the unix socket."""
        return f"host={self.root} port={self.port} user={self.user} dbname={database}"


def find_bindir(pattern: str = BIN_GLOB) -> Path:
    """The newest installed major version's bin directory that has initdb and pg_ctl."""
    found = [Path(p) for p in glob.glob(pattern)]
    candidates = [p for p in found if (p / "initdb").is_file() and (p / "pg_ctl").is_file()]
    if not candidates:
        raise PostgresMissing(
            f"no PostgreSQL server binaries ({pattern}/initdb, pg_ctl): these tests run a real server from "
            "Debian's `postgresql` package. Install it with toolchain/bootstrap.sh (its ensure_postgresql "
            "step runs `apt-get install postgresql`), or by hand: apt-get install postgresql."
        )
    return max(candidates, key=lambda p: _major(p.parent.name))


def _major(name: str) -> int:
    return int(name) if name.isdigit() else -1


def run_as_prefix() -> tuple[tuple[str, ...], int | None, int | None]:
    """(command prefix, uid, gid) to run the server binaries: empty as a normal user; as root, the
    Debian service account through runuser (the server refuses to run as root)."""
    if os.geteuid() != 0:
        return (), None, None
    try:
        account = pwd.getpwnam(SERVICE_ACCOUNT)
    except KeyError:
        raise PostgresMissing(
            f"running as root, and there is no `{SERVICE_ACCOUNT}` account to run PostgreSQL as (Debian's "
            "postgresql-common creates it): reinstall the package with toolchain/bootstrap.sh "
            "(ensure_postgresql) or apt-get install --reinstall postgresql-common."
        ) from None
    runuser = shutil.which("runuser")
    if runuser is None:
        raise PostgresMissing("running as root without `runuser` (util-linux) to run PostgreSQL as postgres.")
    return (runuser, "-u", SERVICE_ACCOUNT, "--"), account.pw_uid, account.pw_gid


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(command: list[str], what: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # cwd: the service account may not be allowed into the caller's working directory.
    result = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, check=False, timeout=START_TIMEOUT_S + 30
    )
    if result.returncode != 0:
        raise PostgresStartFailed(f"{what} failed ({result.returncode}): {result.stdout}{result.stderr}")
    return result


def start(user: str = "shopstream") -> PostgresServer:
    """initdb + pg_ctl start in a new temporary directory; the caller must `stop()` it."""
    bindir = find_bindir()
    prefix, uid, gid = run_as_prefix()
    root = Path(tempfile.mkdtemp(prefix="shopstream-pg-"))
    try:
        if uid is not None and gid is not None:
            os.chown(root, uid, gid)
        password = secrets.token_urlsafe(18)
        pwfile = root / "pwfile"
        pwfile.write_text(password + "\n")
        if uid is not None and gid is not None:
            os.chown(pwfile, uid, gid)
        _run(
            [
                *prefix,
                str(bindir / "initdb"),
                "--pgdata",
                str(root / "data"),
                "--username",
                user,
                "--pwfile",
                str(pwfile),
                "--auth-host",
                "scram-sha-256",
                "--auth-local",
                "trust",
                "--encoding",
                "UTF8",
                "--no-sync",  # a throwaway cluster: durability does not matter, speed does
            ],
            "initdb",
            root,
        )
        pwfile.unlink()
        for _ in range(START_ATTEMPTS):
            server = PostgresServer(bindir, root, free_loopback_port(), user, password, prefix)
            if _pg_ctl_start(server):
                return server
        raise PostgresStartFailed(
            f"PostgreSQL did not start after {START_ATTEMPTS} attempts; its log:\n{_log_tail(root)}"
        )
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise


def _pg_ctl_start(server: PostgresServer) -> bool:
    """True when the server runs; False when its port was taken (try another); raises otherwise."""
    options = (
        f"-c listen_addresses=127.0.0.1 -p {server.port} -k {server.root} "
        "-c fsync=off -c full_page_writes=off -c max_connections=100"
    )
    result = subprocess.run(
        [
            *server.run_as,
            str(server.bindir / "pg_ctl"),
            "start",
            "--pgdata",
            str(server.data_dir),
            "--log",
            str(server.log_file),
            "--wait",
            "--timeout",
            str(START_TIMEOUT_S),
            "-o",
            options,
        ],
        cwd=server.root,
        capture_output=True,
        text=True,
        check=False,
        timeout=START_TIMEOUT_S + 30,
    )
    if result.returncode == 0:
        return True
    log = _log_tail(server.root)
    if re.search(r"could not bind|Address already in use", log):
        return False
    raise PostgresStartFailed(f"pg_ctl start failed ({result.returncode}): {result.stderr}\n{log}")


def _log_tail(root: Path, lines: int = 30) -> str:
    log = root / "server.log"
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else "(no log)"


def stop(server: PostgresServer) -> None:
    """Stop the server (fast shutdown: open sessions are ended) and remove its directory."""
    try:
        if (server.data_dir / "postmaster.pid").exists():
            _run(
                [
                    *server.run_as,
                    str(server.bindir / "pg_ctl"),
                    "stop",
                    "--pgdata",
                    str(server.data_dir),
                    "--mode",
                    "fast",
                    "--wait",
                ],
                "pg_ctl stop",
                server.root,
            )
    finally:
        shutil.rmtree(server.root, ignore_errors=True)
