"""Which webhook subscriptions the other stacks of this project's backend manage (issue 9's ownership rule).

REST subscriptions carry no owner marker, so before this stack may adopt an existing identical
subscription — or declare one that another stack already manages — the program looks at the other
stacks' states: `pulumi stack ls --json`, then `pulumi stack export` of each other stack (no secrets
are decrypted), in the same backend and with the same login the running command uses.  The result
lives for this program run only.  When the scan cannot be made, the answer is None: adoption then
needs an explicit `adopt: true`, and no conflict can be reported.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SUBSCRIPTION_TYPE = "pulumi-python:dynamic/shopify:WebhookSubscription"
SCAN_ENV = "SHOPSTREAM_OWNERSHIP_SCAN"  # "0" turns the scan off (adoption then needs adopt: true)
TIMEOUT = 120.0


@dataclass
class Claims:
    """Subscriptions other stacks manage, by (shop, topic, address)."""

    by_identity: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def add(self, stack: str, outputs: Mapping[str, Any]) -> None:
        shop, topic, address = outputs.get("shop"), outputs.get("topic"), outputs.get("address")
        if isinstance(shop, str) and isinstance(topic, str) and isinstance(address, str):
            self.by_identity.setdefault((shop, topic, address), stack)

    def claim(self, shop: str, topic: str, address: str) -> str | None:
        """A one-sentence conflict when another stack manages this subscription, else None."""
        stack = self.by_identity.get((shop, topic, address))
        if stack is None:
            return None
        return (
            f"stack {stack} already manages the {topic} subscription of shop {shop} to {address}; two "
            "stacks must not declare the same subscription (destroying one would delete the other's): "
            "remove it from one of the stack files"
        )


def claims_from_states(states: Iterable[tuple[str, Mapping[str, Any]]]) -> Claims:
    """Claims from exported stack states (pure; `pulumi stack export` JSON per stack)."""
    claims = Claims()
    for stack, state in states:
        deployment = state.get("deployment") or {}
        for resource in deployment.get("resources") or []:
            if resource.get("type") == SUBSCRIPTION_TYPE and not resource.get("delete"):
                claims.add(stack, resource.get("outputs") or {})
    return claims


def _pulumi() -> str | None:
    return shutil.which("pulumi")


def _run(args: list[str], cwd: Path) -> str:
    pulumi = _pulumi()
    if pulumi is None:
        raise OSError("no pulumi on PATH")
    env = {**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"}
    done = subprocess.run(
        [pulumi, *args, "--non-interactive"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0:
        raise OSError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "pulumi failed")
    return done.stdout


def other_stacks(project_dir: Path, current: str) -> list[str]:
    listed = json.loads(_run(["stack", "ls", "--json"], project_dir) or "[]")
    names = [str(item.get("name", "")) for item in listed if isinstance(item, dict)]
    # Names may be org/project/stack on some backends; compare the last part.
    return [name for name in names if name and name.split("/")[-1] != current]


def scan(project_dir: Path, current: str) -> Claims | None:
    """The other stacks' claims, or None when they cannot be read (see the module docstring)."""
    if os.environ.get(SCAN_ENV) == "0":
        return None
    try:
        names = other_stacks(project_dir, current)

        def export(name: str) -> tuple[str, Mapping[str, Any]]:
            return name.split("/")[-1], json.loads(_run(["stack", "export", "--stack", name], project_dir))

        with ThreadPoolExecutor(max_workers=4) as pool:
            states = list(pool.map(export, names))
    except (OSError, ValueError, subprocess.SubprocessError):
        return None
    return claims_from_states(states)
