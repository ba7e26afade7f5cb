"""Drives the real `pulumi` CLI on a throwaway copy of the project with its own file backend."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from shopstream.toolchain import PULUMI, REPO, pulumi_environment, require_toolchain

PROGRAM_FILES = ("__main__.py",)


@dataclass
class Result:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def check(self) -> Result:
        assert self.returncode == 0, (
            f"pulumi {' '.join(self.args)} failed ({self.returncode}):\n{self.output}"
        )
        return self


class PulumiProject:
    """A copy of Pulumi.yaml + __main__.py in `root`, stacks written by the test, state in `root/state`."""

    def __init__(self, root: Path, stack: str) -> None:
        require_toolchain()
        self.root = root
        self.stack = stack
        (root / "stacks").mkdir(parents=True, exist_ok=True)
        (root / "state").mkdir(exist_ok=True)
        for name in PROGRAM_FILES:
            shutil.copy(REPO / name, root / name)
        project = yaml.safe_load((REPO / "Pulumi.yaml").read_text())
        project["runtime"]["options"]["virtualenv"] = str(REPO / ".venv")
        (root / "Pulumi.yaml").write_text(yaml.safe_dump(project))
        passphrase = root / "passphrase"
        if not passphrase.exists():  # shared by every stack of this project copy
            passphrase.write_text(secrets.token_hex(16))
        self.env = pulumi_environment(
            os.environ, home=root / "home", backend_url=f"file://{root / 'state'}", passphrase_file=passphrase
        )
        self.env["NO_COLOR"] = "1"

    @property
    def stack_file(self) -> Path:
        return self.root / "stacks" / f"{self.stack}.yaml"

    def write_stack_file(self, desired: dict[str, Any] | str) -> None:
        text = desired if isinstance(desired, str) else yaml.safe_dump(desired, sort_keys=False)
        self.stack_file.write_text(text)

    def run(self, *args: str, stdin: str | None = None, timeout: float = 300) -> Result:
        command = [str(PULUMI), *args, "--stack", self.stack, "--non-interactive", "--color", "never"]
        completed = subprocess.run(
            command,
            cwd=self.root,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Result(list(args), completed.returncode, completed.stdout, completed.stderr)

    def init(self, tokens: dict[str, str]) -> None:
        self.run("stack", "init").check()
        for shop, token in tokens.items():
            self.set_token(shop, token)

    def set_token(self, shop: str, token: str) -> None:
        # The value goes through stdin so it never shows on a command line.
        self.run("config", "set", "--secret", "--path", f"shopifyTokens.{shop}", stdin=token).check()

    def up(self, *extra: str) -> Result:
        return self.run("up", "--yes", "--skip-preview", *extra)

    def preview(self, *extra: str) -> Result:
        return self.run("preview", *extra)

    def export_state(self) -> str:
        return self.run("stack", "export").check().stdout

    def outputs(self) -> dict[str, Any]:
        return dict(json.loads(self.run("stack", "output", "--json").check().stdout))
