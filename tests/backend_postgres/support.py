"""Helpers for the PostgreSQL backend tests: Pulumi projects on a `postgres://` URL, a second operator's
checkout, running `shopstream`, bounded waiting, and the state as Pulumi exports it."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from shopstream.toolchain import VENV_BIN
from tests.e2e.pulumi_project import PulumiProject
from tests.e2e.worlds import ShopifyWorld

T = TypeVar("T")
SUBSCRIPTION_TYPE = "pulumi-python:dynamic/shopify:WebhookSubscription"
COMMAND_TIMEOUT_S = 300


def on_backend(project: PulumiProject, url: str) -> PulumiProject:
    """`project` with its state in the PostgreSQL backend at `url` instead of its own file backend."""
    project.env["PULUMI_BACKEND_URL"] = url
    return project


def second_checkout(project: PulumiProject, root: Path, url: str) -> PulumiProject:
    """Another operator's checkout of the same project: its stack files, stack config and passphrase,
    its own Pulumi home, the same state database."""
    root.mkdir(parents=True)
    shutil.copy(project.root / "passphrase", root / "passphrase")
    other = on_backend(PulumiProject(root, stack=project.stack), url)
    for path in (project.root / "stacks").glob("*.yaml"):
        shutil.copy(path, other.root / "stacks" / path.name)
    return other


def shopstream_command(project: PulumiProject, *args: str) -> list[str]:
    return [str(VENV_BIN / "shopstream"), "--project-dir", str(project.root), *args]


def shopstream(project: PulumiProject, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        shopstream_command(project, *args),
        env=project.env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        check=False,
    )


def spawn_shopstream(project: PulumiProject, *args: str) -> subprocess.Popen[str]:
    """`shopstream` in the background (its own session, so a failed test can end its whole tree)."""
    return subprocess.Popen(
        shopstream_command(project, *args),
        env=project.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def finish(process: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    stdout, stderr = process.communicate(timeout=COMMAND_TIMEOUT_S)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def wait_until(
    probe: Callable[[], T | None],
    what: str,
    *,
    running: subprocess.Popen[str] | None = None,
    timeout: float = 240,
    interval: float = 0.02,
) -> T:
    """Poll `probe` until it returns something truthy; fail after `timeout` s, or as soon as the process
    that should bring it about has ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        if running is not None and running.poll() is not None:
            stdout, stderr = running.communicate()
            raise AssertionError(f"the process ended ({running.returncode}) before {what}:\n{stdout}{stderr}")
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def state_ids(project: PulumiProject) -> dict[str, str]:
    """resource name ("shop/topic") -> subscription id, of the webhook subscriptions in the stack's state
    (`pulumi stack export`)."""
    deployment = json.loads(project.export_state())["deployment"]
    return {
        resource["urn"].rsplit("::", 1)[1]: str(resource["id"])
        for resource in deployment.get("resources", [])
        if resource["type"] == SUBSCRIPTION_TYPE
    }


def emulator_ids(world: ShopifyWorld) -> dict[str, str]:
    """ "shop/topic" -> subscription id, of every subscription the emulator's shops have."""
    return {f"{shop}/{s['topic']}": str(s["id"]) for shop in world.shops for s in world.subscriptions(shop)}
