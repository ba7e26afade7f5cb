"""``python -m shopstream.emulator serve --faults FILE.json``: faults from the start, and clear errors for
bad files."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest
import requests


def test_serve_with_a_fault_file(tmp_path):
    faults = tmp_path / "faults.json"
    faults.write_text(
        json.dumps({"seed": 4, "rules": [{"shop": "acme", "error": {"rate": 1, "statuses": [503]}}]})
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "shopstream.emulator", "serve", "--port", "0", "--faults", str(faults)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        base_url = process.stderr.readline().split()[5]
        state = requests.get(f"{base_url}/_control/faults", timeout=10).json()
        assert state["faults"]["seed"] == 4
        assert state["faults"]["rules"][0]["error"]["statuses"] == [503]
        answer = requests.get(f"{base_url}/shops/acme/admin/api/2026-10/webhooks.json", timeout=10)
        assert answer.status_code == 503
        assert (
            requests.get(f"{base_url}/shops/other/admin/api/2026-10/webhooks.json", timeout=10).status_code
            == 404
        )
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=15)
    assert process.returncode == 0
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{broken", "cannot read the fault file"),
        ('{"rules": [{"error": {"rate": 2}}]}', "rules[0].error.rate must be a number from 0 to 1"),
        ('{"rules": [{"latency": {"seconds": 1}, "teleport": {}}]}', "unknown key(s) ['teleport']"),
    ],
)
def test_bad_fault_files_are_one_clear_error(tmp_path, text, message):
    faults = tmp_path / "faults.json"
    faults.write_text(text)
    process = subprocess.run(
        [sys.executable, "-m", "shopstream.emulator", "serve", "--port", "0", "--faults", str(faults)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert process.returncode == 1
    assert message in process.stderr
    assert str(faults) in process.stderr
    assert "Traceback" not in process.stderr
