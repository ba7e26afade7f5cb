"""Under injected faults (5xx, 429 storms, resets before and after the write, 5xx after the write),
one `pulumi up` converges with no duplicate and no traceback (issue 9)."""

from __future__ import annotations

from collections import Counter

from tests.e2e.bulk import topics_with_scopes
from tests.e2e.worlds import ShopifyWorld

FAULTS = {
    "error": {"rate": 0.08, "statuses": [500, 502, 503, 504]},
    "ambiguous": {"rate": 0.05, "statuses": [502, 503]},
    "reset_after": {"rate": 0.04},
    "reset_before": {"rate": 0.03},
    "throttle": {"rate": 0.03, "burst": 2, "retry_after": 0.5},
}


def test_one_up_converges_under_twenty_percent_injected_faults(world: ShopifyWorld) -> None:
    wanted, scopes = topics_with_scopes(15)
    control = world.emulator.control
    tokens = {}
    for shop in world.shops:
        tokens[shop] = control.create_token(shop, scopes)
    world.project.init(tokens)
    world.project.write_stack_file(world.stack_file(dict.fromkeys(world.shops, wanted)))
    rule = {"path": "/admin/*", **FAULTS}
    control.call("PUT", "/faults", {"seed": 2026, "rules": [rule]})

    up = world.project.up()
    injected = control.call("GET", "/faults/counters")["counters"]["injected"]
    assert up.returncode == 0, up.output
    assert injected >= 5, "the seed should inject faults into this run"
    assert "Traceback" not in up.output
    for shop in world.shops:
        topics = Counter(s["topic"] for s in world.subscriptions(shop))
        assert topics == Counter(wanted), f"{shop}: duplicates or missing: {topics}"

    control.call("DELETE", "/faults")
    again = world.project.up()
    assert again.returncode == 0 and f"{2 * len(wanted) + 1} unchanged" in again.output, again.output


def test_an_api_failure_is_one_sentence_without_traceback_and_the_other_shop_is_still_done(
    world: ShopifyWorld,
) -> None:
    wanted, scopes = topics_with_scopes(3)
    control = world.emulator.control
    world.project.init({shop: control.create_token(shop, scopes) for shop in world.shops})
    world.project.write_stack_file(world.stack_file(dict.fromkeys(world.shops, wanted)))
    broken, healthy = world.shops
    # Every write to one shop fails (nothing applied): its creates give up after their bounded retries.
    rule = {
        "shop": broken,
        "path": "/admin/*",
        "methods": ["POST"],
        "error": {"rate": 1.0, "statuses": [502]},
    }
    control.call("PUT", "/faults", {"seed": 1, "rules": [rule]})

    up = world.project.up("--continue-on-error")
    assert up.returncode != 0
    assert "Traceback" not in up.output and 'File "' not in up.output, up.output
    assert f"Shopify shop {broken}" in up.output and "HTTP 502" in up.output, up.output
    assert world.subscriptions(broken) == []
    assert sorted(s["topic"] for s in world.subscriptions(healthy)) == sorted(wanted)
