"""shopstream.providers.engine_watch over real processes: a provider whose engine died sends nothing."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from shopstream.emulator import RunningEmulator

# engine (a shell that we kill) → sh → python: the dynamic provider's process layout.
PROVIDER = textwrap.dedent(
    """
    import pathlib, sys, time
    from shopstream.providers import http
    from shopstream.providers.engine_watch import EngineGone
    from shopstream.providers.retry import RetryPolicy
    url, go = sys.argv[1], pathlib.Path(sys.argv[2])
    print("ready", flush=True)
    for _ in range(600):  # until the test has killed the engine (bounded: 30 s)
        if go.exists():
            break
        time.sleep(0.05)
    try:
        http.send(
            "POST", url, headers=lambda: {}, policy=RetryPolicy(), sleep=time.sleep,
            unreachable=RuntimeError, refused=lambda response, _: RuntimeError("refused"),
        )
        print("sent", flush=True)
    except EngineGone:
        print("refused", flush=True)
    """
)


def test_no_request_leaves_a_provider_whose_engine_died(emulator: RunningEmulator, tmp_path: Path) -> None:
    script = tmp_path / "provider.py"
    script.write_text(PROVIDER)
    fifo_out, go = tmp_path / "out", tmp_path / "go"
    url = f"{emulator.base_url}/_control/health"
    # The "engine" starts `sh -c "python provider.py"` like Pulumi starts pulumi-resource-pulumi-python.
    engine = subprocess.Popen(
        ["sh", "-c", f'sh -c "{sys.executable} {script} {url} {go} > {fifo_out}" & wait'],
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "ready" not in (fifo_out.read_text() if fifo_out.exists() else ""):
        time.sleep(0.05)
    assert "ready" in fifo_out.read_text()
    engine.kill()  # the engine dies; its `sh` child is re-parented
    engine.wait()
    go.touch()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not fifo_out.read_text().strip().endswith(("sent", "refused")):
        time.sleep(0.05)
    assert fifo_out.read_text().split() == ["ready", "refused"]
