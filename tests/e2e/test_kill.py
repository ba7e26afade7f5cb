"""`kill -9` of the `pulumi` CLI in the middle of `pulumi up`: the language host's engine watch ends the run.

The run's processes are found by a marker in their environment (every plugin inherits the CLI's) and by the
CLI's session, so nothing that belongs to the run can hide. Creates are slowed by the emulator's latency
faults (the write is applied at once, the answer waits), so the kill lands while creates are in flight.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

from shopstream.toolchain import PULUMI, REPO
from tests.e2e.worlds import ShopifyWorld

TOPICS = [
    "products/create",
    "products/update",
    "products/delete",
    "collections/create",
    "collections/update",
    "collections/delete",
    "customers/create",
    "customers/update",
    "customers/delete",
    "carts/create",
    "carts/update",
    "checkouts/create",
]
MARKER_VARIABLE = "SHOPSTREAM_KILL_TEST_MARKER"
SURVIVAL_LIMIT_SECONDS = 5.0
QUIET_SECONDS = 4.0  # longer than the injected latency: a survivor would have written by then


def language_host() -> ModuleType:
    """toolchain/python_language_host.py is a script run by its launcher, not a package module."""
    name = "python_language_host"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "toolchain" / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while the file runs
        spec.loader.exec_module(module)
    return sys.modules[name]


def run_processes(marker: str, session: int) -> dict[int, str]:
    """pid -> command line of every live process of the run (marker in its environment, or its session)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[-1].split()
            environ = (entry / "environ").read_bytes()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if fields[0] == "Z":  # a zombie has ended; only its exit status is left for its parent
            continue
        if f"{MARKER_VARIABLE}={marker}".encode() in environ.split(b"\0") or int(fields[3]) == session:
            found[int(entry.name)] = cmdline
    return found


def all_requests(world: ShopifyWorld) -> list[dict[str, Any]]:
    return [entry for shop in world.shops for entry in world.emulator.control.requests(shop)]


def test_kill_of_the_cli_ends_every_process_of_the_run_and_nothing_writes_after(world: ShopifyWorld) -> None:
    world.project.init(world.tokens)
    world.project.write_stack_file(world.stack_file({shop: TOPICS for shop in world.shops}))
    world.emulator.control.call(
        "PUT",
        "/faults",
        {
            "seed": 1,
            "rules": [
                {
                    # REST and GraphQL alike (the provider may use either): every write is slow.
                    "path": "/admin/api/*",
                    "methods": ["POST", "PUT", "DELETE"],
                    "latency": {"seconds": 1.5, "phase": "after"},
                }
            ],
        },
    )
    marker = uuid.uuid4().hex
    log = world.project.root / "up.log"
    process = subprocess.Popen(
        [
            str(PULUMI),
            "up",
            "--yes",
            "--skip-preview",
            "--stack",
            "e2e",
            "--non-interactive",
            "--color",
            "never",
        ],
        cwd=world.project.root,
        env={**world.project.env, MARKER_VARIABLE: marker},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # the run's session id is the CLI's pid
    )
    try:
        deadline = time.monotonic() + 240
        while not any(world.subscriptions(shop) for shop in world.shops):  # creates are under way
            assert process.poll() is None, f"pulumi up ended before the kill:\n{log.read_text()}"
            assert time.monotonic() < deadline, "pulumi up never started creating subscriptions"
            time.sleep(0.2)
        before = run_processes(marker, process.pid)
        commands = " ".join(before.values())
        # The test sees the parts that must die (else it would prove nothing).
        assert "pulumi.dynamic" in commands, before
        assert "python_language_host.py" in commands, before
        assert "pulumi-language-python-exec" in commands, before
        process.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        process.wait(timeout=30)
        survivors = run_processes(marker, process.pid)
        while survivors and time.monotonic() - killed_at < SURVIVAL_LIMIT_SECONDS:
            time.sleep(0.1)
            survivors = run_processes(marker, process.pid)
        assert survivors == {}, (
            f"still running {time.monotonic() - killed_at:.1f} s after the kill: {survivors}"
        )
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for pid in run_processes(marker, process.pid):  # never leave a run behind, even when failing
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)

    settled = len(all_requests(world))
    time.sleep(QUIET_SECONDS)
    assert all_requests(world)[settled:] == [], "a request reached the emulator after the run was gone"
    created = sum(len(world.subscriptions(shop)) for shop in world.shops)
    assert 0 < created < len(TOPICS) * len(world.shops), "the kill did not land in the middle of the up"


def test_plugin_groups_are_those_of_our_session_that_carry_the_engine_address() -> None:
    host = language_host()
    info = host.ProcessInfo
    processes = [
        info(
            pid=10, pgid=10, sid=5, argv=("/bin/sh", "/v/bin/pulumi-resource-pulumi-python", "127.0.0.1:4000")
        ),
        info(pid=11, pgid=10, sid=5, argv=("/v/bin/python", "-u", "-m", "pulumi.dynamic", "127.0.0.1:4000")),
        info(pid=20, pgid=20, sid=5, argv=("/v/bin/python", "host.py", "127.0.0.1:4000")),  # ourselves
        info(
            pid=30, pgid=30, sid=6, argv=("/v/bin/python", "-m", "pulumi.dynamic", "127.0.0.1:4000")
        ),  # other session
        info(
            pid=40, pgid=40, sid=5, argv=("/v/bin/python", "-m", "pulumi.dynamic", "127.0.0.1:4001")
        ),  # other engine
        info(
            pid=50, pgid=50, sid=5, argv=("/v/bin/python", "-m", "pulumi.policy", "127.0.0.1:4000", "/pack")
        ),
    ]
    assert host.groups_to_end(processes, "127.0.0.1:4000", 5, 20) == {10, 50}
    assert host.groups_to_end(processes, "", 5, 20) == set()


def test_the_watch_reports_a_gone_engine_when_its_health_check_is_refused() -> None:
    """No engine listens on the address (a port just closed): the watch calls back within a few seconds."""
    host = language_host()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{sock.getsockname()[1]}"
    gone: list[str] = []
    started = time.monotonic()
    host.watch_engine(address, os.getppid(), gone.append)  # returns once it decides the engine is gone
    assert gone == [address]
    assert time.monotonic() - started < 30
