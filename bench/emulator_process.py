"""The emulator as a separate process (`python -m shopstream.emulator serve`), so it never shares the GIL
with the harness, on 127.0.0.1 at Shopify's real REST limits by default; stoppable and restartable on its
port."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from shopstream.emulator.control_client import ControlClient
from shopstream.shopify_api.ratelimit import DEFAULT_BUCKET_SIZE, DEFAULT_LEAK_RATE

HOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
_LISTENING = re.compile(r"emulator on http://127\.0\.0\.1:(\d+)")


EMULATOR_MODULE = "shopstream.emulator"


class EmulatorFailed(RuntimeError):
    pass


class EmulatorProcess:
    """`python -m shopstream.emulator serve` on HOST; `port` 0 picks a free one at the first start and keeps
    it."""

    def __init__(
        self,
        workdir: Path,
        *,
        bucket_size: int = DEFAULT_BUCKET_SIZE,
        leak_rate: float = DEFAULT_LEAK_RATE,
        state_file: Path | None = None,
        extra_args: tuple[str, ...] = (),
        source_env: dict[str, str] | None = None,
    ) -> None:
        self.workdir = workdir
        self.bucket_size = bucket_size
        self.leak_rate = leak_rate
        self.state_file = state_file
        self.extra_args = extra_args
        self.env = {**os.environ, **(source_env or {})}
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def control(self) -> ControlClient:
        return ControlClient(self.base_url, timeout=30.0)

    def start(self) -> EmulatorProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        log = self.workdir / f"emulator-{self.starts}.log"
        command = [
            sys.executable,
            "-m",
            "shopstream.emulator",
            "serve",
            "--host",
            HOST,
            "--port",
            str(self.port),
        ]
        command += ["--bucket-size", str(self.bucket_size), "--leak-rate", str(self.leak_rate)]
        if self.state_file is not None:
            command += ["--state-file", str(self.state_file)]
        command += list(self.extra_args)
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            found = _LISTENING.search(log.read_text(errors="replace"))
            if found:
                self.port = int(found.group(1))
                self._wait_healthy(deadline)
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise EmulatorFailed(f"the emulator did not start: {log.read_text(errors='replace')[-2000:]}")

    def _wait_healthy(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.base_url}/_control/health", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise EmulatorFailed("the emulator listens but its health check never answered")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_TIMEOUT_SECONDS)

    def restart(self) -> None:
        """Stop and start again on the same port (state survives only with a state file)."""
        self.stop()
        self.start()

    def serve_help(self) -> str:
        done = subprocess.run(
            [sys.executable, "-m", EMULATOR_MODULE, "serve", "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env=self.env,
        )
        return done.stdout

    def __enter__(self) -> EmulatorProcess:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
