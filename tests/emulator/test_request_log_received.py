"""The request log says when a request arrived as well as when it was answered (benchmarks tell a write
in flight at a kill from one sent after it)."""

from __future__ import annotations

from datetime import datetime

import requests

from shopstream.emulator import RunningEmulator


def test_each_entry_has_its_arrival_before_its_answer(emulator: RunningEmulator) -> None:
    emulator.control.create_shop("acme-eu")
    token = emulator.control.create_token("acme-eu", ["read_orders"])
    # Half a second of injected latency before the app answers: arrival and answer must differ.
    rule = {"shop": "acme-eu", "path": "/admin/*", "latency": {"seconds": 0.5, "phase": "after"}}
    emulator.control.call("PUT", "/faults", {"seed": 1, "rules": [rule]})
    response = requests.get(
        f"{emulator.shop_url('acme-eu')}/admin/api/2026-10/webhooks.json",
        headers={"X-Shopify-Access-Token": token},
        timeout=10,
    )
    assert response.status_code == 200
    (entry,) = emulator.control.requests("acme-eu")
    received = datetime.fromisoformat(entry["received"].replace("Z", "+00:00"))
    answered = datetime.fromisoformat(entry["time"].replace("Z", "+00:00"))
    assert received <= answered
