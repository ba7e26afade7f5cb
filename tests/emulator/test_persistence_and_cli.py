"""State file across restarts, seed files, and the `python -m shopstream.emulator serve` command."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time

import pytest
import requests

from shopstream.emulator import start_in_thread
from shopstream.emulator.seed import SeedError
from shopstream.emulator.state import StateFileError
from tests.emulator.support import Admin, make_shop

PINNED = "shpat_" + "0123456789abcdef" * 2

SEED = f"""
shops:
  - name: demo
    timezone: "+01:00"
    rate_limit: {{bucket_size: 10, leak_rate: 1}}
    apps:
      - name: default
        client_secret: hush
        webhook_api_version: "2026-07"
      - name: second
    tokens:
      - app: default
        scopes: [read_orders]
        token: {PINNED}
"""


def test_state_survives_a_restart(tmp_path, emulator_factory):
    state = tmp_path / "state" / "emulator.json"
    first = emulator_factory(state_file=state)
    admin = make_shop(first, scopes=("read_orders",))
    kept = admin.create("orders/create", "https://a.io/kept", fields=["id"])
    dropped = admin.create("orders/create", "https://a.io/dropped")
    assert admin.delete(f"/webhooks/{dropped['id']}.json").status_code == 200
    first.control.set_rate_limit("acme", bucket_size=7, leak_rate=1)
    first.stop()

    assert stat.S_IMODE(state.stat().st_mode) == 0o600  # it holds tokens
    assert json.loads(state.read_text())["format"] == 1
    assert [p.name for p in state.parent.iterdir()] == ["emulator.json"]  # no temp files left behind

    second = emulator_factory(state_file=state)
    again = Admin(second.shop_url("acme"), admin.token)
    listed = again.get("/webhooks.json")
    assert listed.status_code == 200
    assert listed.json()["webhooks"] == [kept]
    assert listed.headers["X-Shopify-Shop-Api-Call-Limit"] == "1/7"
    assert again.create("orders/create", "https://a.io/new")["id"] > dropped["id"]


def test_control_changes_are_persisted(tmp_path):
    state = tmp_path / "emulator.json"
    with start_in_thread(state_file=state) as emu:
        admin = make_shop(emu)
        sub = admin.create("orders/create", "https://a.io/x")
        emu.control.change_subscription("acme", sub["id"], address="https://drift.io/")
    with start_in_thread(state_file=state) as emu:
        assert emu.control.subscriptions("acme")[0]["address"] == "https://drift.io/"
        emu.control.reset()
    with start_in_thread(state_file=state) as emu:
        assert emu.control.call("GET", "/shops") == {"shops": []}


def test_unreadable_state_file_is_a_clear_error(tmp_path):
    state = tmp_path / "emulator.json"
    state.write_text("{not json")
    with pytest.raises(StateFileError, match="cannot read emulator state"):
        start_in_thread(state_file=state)
    state.write_text('{"format": 99}')
    with pytest.raises(StateFileError, match="not an emulator state file"):
        start_in_thread(state_file=state)


def test_seed_creates_shops_apps_and_pinned_tokens(tmp_path, emulator_factory):
    seed = tmp_path / "seed.yaml"
    seed.write_text(SEED)
    emu = emulator_factory(seed=seed)
    shop = emu.control.call("GET", "/shops/demo")["shop"]
    assert shop["timezone"] == "+01:00"
    assert shop["rate_limit"] == {"bucket_size": 10, "leak_rate": 1.0, "default": False}
    assert [(a["name"], a["webhook_api_version"]) for a in shop["apps"]] == [
        ("default", "2026-07"),
        ("second", "2026-10"),
    ]
    admin = Admin(emu.shop_url("demo"), PINNED)
    created = admin.create("orders/create", "https://a.io/x")
    assert created["api_version"] == "2026-07"
    assert created["created_at"].endswith("+01:00")


def test_seed_does_not_touch_shops_from_the_state_file(tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text(SEED)
    state = tmp_path / "state.json"
    with start_in_thread(state_file=state, seed=seed) as emu:
        Admin(emu.shop_url("demo"), PINNED).create("orders/create", "https://a.io/x")
        emu.control.call("PATCH", "/shops/demo", {"timezone": "-03:00"})
    with start_in_thread(state_file=state, seed=seed) as emu:
        assert emu.control.call("GET", "/shops/demo")["shop"]["timezone"] == "-03:00"
        assert len(emu.control.subscriptions("demo")) == 1
        assert len(emu.control.call("GET", "/shops/demo/tokens")["tokens"]) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("shops: [{name: x, tokens: [{scopes: [read_orders]}]}]", "'token' is required"),
        ("shops: [{name: Bad}]", "invalid shop name"),
        ("shops: {name: x}", "shops must be a list"),
        ("[1, 2]", "must be a mapping"),
        ("shops: [{name: x, rate_limit: {bucket_size: 0, leak_rate: 1}}]", "bucket_size"),
        ("a: [", "cannot read seed file"),
    ],
)
def test_bad_seed_files(tmp_path, text, message):
    seed = tmp_path / "seed.yaml"
    seed.write_text(text)
    with pytest.raises(SeedError, match=message):
        start_in_thread(seed=seed)


def _serve(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "shopstream.emulator", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_cli_serve_starts_and_stops_on_interrupt(tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text(SEED)
    state = tmp_path / "state.json"
    process = _serve(
        "--seed", str(seed), "--state-file", str(state), "--bucket-size", "3", "--leak-rate", "0.5"
    )
    try:
        assert process.stderr is not None
        banner = process.stderr.readline()
        assert banner.startswith("Shopify Admin API emulator on http://127.0.0.1:"), banner
        base_url = banner.split()[5]
        assert requests.get(f"{base_url}/_control/health", timeout=10).json() == {"ok": True}
        response = Admin(f"{base_url}/shops/demo", PINNED).get("/webhooks.json")
        assert response.status_code == 200
        assert response.headers["X-Shopify-Shop-Api-Call-Limit"] == "1/10"  # the seed's per-shop setting
        requests.post(f"{base_url}/_control/shops", json={"name": "other"}, timeout=10)
        token = requests.post(f"{base_url}/_control/shops/other/tokens", json={}, timeout=10).json()[
            "access_token"
        ]
        other = Admin(f"{base_url}/shops/other", token).get("/webhooks.json")
        assert other.headers["X-Shopify-Shop-Api-Call-Limit"] == "1/3"  # the command-line default
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "Traceback" not in stderr
    assert PINNED not in stderr and token not in stderr  # access log lines never carry tokens
    assert state.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--state-file", "{state}"], "cannot read emulator state"),
        (["--bucket-size", "0"], "Invalid value for '--bucket-size'"),
        (["--leak-rate", "0"], "Invalid value for '--leak-rate'"),
        (["--seed", "{missing}"], "does not exist"),
    ],
)
def test_cli_user_errors_have_no_traceback(tmp_path, args, message):
    state = tmp_path / "broken.json"
    state.write_text("{broken")
    args = [a.format(state=state, missing=tmp_path / "missing.yaml") for a in args]
    process = _serve(*args)
    _, stderr = process.communicate(timeout=20)
    assert process.returncode != 0
    assert message in stderr
    assert "Traceback" not in stderr


def test_cli_port_in_use(emulator):
    process = subprocess.run(
        [sys.executable, "-m", "shopstream.emulator", "serve", "--port", str(emulator.port)],
        capture_output=True,
        text=True,
        timeout=20,
        env={**os.environ},
    )
    assert process.returncode == 1
    assert f"cannot listen on 127.0.0.1:{emulator.port}" in process.stderr
    assert "Traceback" not in process.stderr


def _serve_with_sigint_ignored(*args: str) -> subprocess.Popen[str]:
    """As a background job of a non-interactive shell starts it: SIGINT inherited as ignored."""
    return subprocess.Popen(
        [sys.executable, "-m", "shopstream.emulator", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )


def _banner_url(process: subprocess.Popen[str]) -> str:
    assert process.stderr is not None
    banner = process.stderr.readline()
    assert banner.startswith("Shopify Admin API emulator on http://127.0.0.1:"), banner
    return banner.split()[5]


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_cli_serve_stops_on_signal_even_when_started_with_sigint_ignored(tmp_path, stop_signal):
    state = tmp_path / "state.json"
    process = _serve_with_sigint_ignored("--state-file", str(state))
    held: subprocess.Popen[bytes] | None = None
    try:
        base_url = _banner_url(process)
        requests.post(f"{base_url}/_control/shops", json={"name": "kept"}, timeout=10).raise_for_status()
        # A request held inside the server (30 s of injected latency) must not delay the stop.
        requests.put(
            f"{base_url}/_control/faults",
            json={"rules": [{"shop": "kept", "latency": {"seconds": 30}}]},
            timeout=10,
        ).raise_for_status()
        held = subprocess.Popen(
            [sys.executable, "-c", f"import requests; requests.get('{base_url}/shops/kept/admin/shop.json')"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while not requests.get(f"{base_url}/_control/faults/log", timeout=10).json()["faults"]:
            assert time.monotonic() < deadline, "the held request never reached the server"
            time.sleep(0.1)
        process.send_signal(stop_signal)
        _, stderr = process.communicate(timeout=15)  # well within: the stop itself takes ~0.1 s
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        if held is not None:
            held.kill()
            held.wait()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "kept" in json.loads(state.read_text())["shops"]  # the state was saved
