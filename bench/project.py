"""A throwaway Pulumi project with its own file backend, passphrase and Pulumi home, whose commands are
timed, bounded by a timeout and sampled for peak RSS.

The real project copies the measured source's `__main__.py`, the floor project `bench/floor_program.py`
(see bench.source). Both use the repository's `.venv` and the same environment
(`shopstream.toolchain.pulumi_environment`, plus the source's PYTHONPATH).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bench.process_tree import PeakSampler
from shopstream.toolchain import PULUMI, REPO, pulumi_environment, require_toolchain

KILL_GRACE_SECONDS = 10.0


@dataclass
class Run:
    args: list[str]
    returncode: int
    seconds: float
    output: str
    timed_out: bool = False
    rss: dict[str, int] = field(default_factory=dict)
    stdout: str = ""  # stdout alone, for the captured (short, unsampled) commands

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def error_line(output: str) -> str:
    """The most telling line of a failed run: its last `error:` line, else its last line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    return (errors or lines or [""])[-1][:300]


class CommandFailed(RuntimeError):
    def __init__(self, run: Run) -> None:
        tail = "\n".join(run.output.strip().splitlines()[-15:])
        super().__init__(f"pulumi {' '.join(run.args)} exited {run.returncode}:\n{tail}")
        self.run = run


class BenchProject:
    """`root` holds Pulumi.yaml, `__main__.py` (from `program`), stacks/, state/, home/ and a passphrase."""

    def __init__(
        self, root: Path, program: Path, stack: str = "bench", extra_env: dict[str, str] | None = None
    ):
        require_toolchain()
        self.root = root
        self.stack = stack
        (root / "stacks").mkdir(parents=True, exist_ok=True)
        (root / "state").mkdir(exist_ok=True)
        shutil.copy(program, root / "__main__.py")
        project = yaml.safe_load((REPO / "Pulumi.yaml").read_text())
        project["runtime"]["options"]["virtualenv"] = str(REPO / ".venv")
        (root / "Pulumi.yaml").write_text(yaml.safe_dump(project))
        passphrase = root / "passphrase"
        if not passphrase.exists():
            passphrase.write_text(secrets.token_hex(16))
        self.env = pulumi_environment(
            os.environ, home=root / "home", backend_url=f"file://{root / 'state'}", passphrase_file=passphrase
        )
        self.env["NO_COLOR"] = "1"
        self.env.update(extra_env or {})
        self._commands = 0

    @property
    def stack_file(self) -> Path:
        return self.root / "stacks" / f"{self.stack}.yaml"

    def write_stack_file(self, desired: dict[str, Any]) -> None:
        self.stack_file.write_text(yaml.safe_dump(desired, sort_keys=False))

    def command(self, *args: str) -> list[str]:
        """`pulumi ARGS`, or with a first argument "shopstream" the operator CLI (`shopstream SUB ARGS`)."""
        if args and args[0] == "shopstream":
            sub, *rest = args[1:]
            cli = REPO / ".venv" / "bin" / "shopstream"
            return [str(cli), "--project-dir", str(self.root), sub, "--stack", self.stack, *rest]
        return [str(PULUMI), *args, "--stack", self.stack, "--non-interactive", "--color", "never"]

    def next_log(self, args: tuple[str, ...]) -> Path:
        """Every command's output is kept (logs/NNN-<command>.log): for debugging and the secret scan."""
        self._commands += 1
        logs = self.root / "logs"
        logs.mkdir(exist_ok=True)
        return logs / f"{self.stack}-{self._commands:03d}-{'-'.join(a.lstrip('-') for a in args[:2])}.log"

    def start(self, *args: str, log: Path | None = None) -> subprocess.Popen[bytes]:
        """Start `pulumi ARGS` in its own process group (so a timeout can end the whole tree)."""
        out = (log or self.next_log(args)).open("wb")
        try:
            return subprocess.Popen(
                self.command(*args),
                cwd=self.root,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            out.close()

    def run(self, *args: str, timeout: float = 600, stdin: str | None = None) -> Run:
        """`pulumi ARGS`, timed, sampled; killed (whole process group) after `timeout` seconds."""
        log = self.next_log(args)
        started = time.monotonic()
        if stdin is not None:
            done = subprocess.run(
                self.command(*args), cwd=self.root, env=self.env, input=stdin, capture_output=True,
                text=True, timeout=timeout, check=False,
            )  # fmt: skip
            log.write_text(done.stdout + done.stderr)
            return Run(
                list(args), done.returncode, time.monotonic() - started, done.stdout + done.stderr,
                stdout=done.stdout,
            )  # fmt: skip
        process = self.start(*args, log=log)
        sampler = PeakSampler(process.pid).start()
        timed_out = False
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            kill_group(process)
        seconds = time.monotonic() - started
        rss = sampler.stop()
        output = log.read_text(errors="replace")
        return Run(list(args), process.returncode, seconds, output, timed_out, rss)

    def check(self, *args: str, timeout: float = 600, stdin: str | None = None) -> Run:
        result = self.run(*args, timeout=timeout, stdin=stdin)
        if not result.ok:
            raise CommandFailed(result)
        return result

    def init(self, tokens: dict[str, str]) -> None:
        self.check("stack", "init", timeout=120)
        for shop, token in tokens.items():
            # Through stdin, so the token never shows on a command line.
            self.check(
                "config", "set", "--secret", "--path", f"shopifyTokens.{shop}", stdin=token, timeout=120
            )

    def unlock(self) -> Run:
        """After a killed command: `pulumi cancel --yes` (its answer is returned; a file backend may refuse
        it) and, if the stack is still locked, the lock files of this throwaway backend are removed."""
        cancelled = self.run("cancel", "--yes", timeout=120)
        for lock in (self.root / "state" / ".pulumi" / "locks").glob("**/*.json"):
            lock.unlink()
        return cancelled

    def export_state(self) -> dict[str, Any]:
        return dict(json.loads(self.check("stack", "export", timeout=120, stdin="").stdout))


def kill_group(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    """Signal the process group of `process` (it leads its own session) and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=KILL_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=KILL_GRACE_SECONDS)
