"""The benchmark's pure parts: request floors, the rate-limit bound, convergence, state size, roles."""

from __future__ import annotations

import math

from bench.metrics import Traffic, convergence, create_floor, list_floor, rate_limit_lower_bound, state_size
from bench.process_tree import role_of
from bench.world import SCOPES, bench_topics, layout
from shopstream.shopify_api.topics import grants_topic


def test_list_floor_is_one_page_per_250_plus_the_scope_check() -> None:
    assert [list_floor(k) for k in (1, 40, 250, 251, 1000)] == [2, 2, 2, 3, 5]
    assert create_floor(writes=40, k=40) == 42


def test_rate_limit_bound_is_the_slowest_shop_beyond_its_bucket() -> None:
    assert rate_limit_lower_bound({"a": 30, "b": 80, "c": 60}, bucket=40, leak=2) == 20.0
    assert rate_limit_lower_bound({"a": 40}, bucket=40, leak=2) == 0.0
    assert rate_limit_lower_bound({}, bucket=40, leak=2) == 0.0


def test_traffic_counts_writes_and_429s() -> None:
    entries = [
        {"method": "GET", "status": 200},
        {"method": "POST", "status": 201},
        {"method": "POST", "status": 429},
        {"method": "DELETE", "status": 200},
    ]
    assert Traffic.of(entries) == Traffic(requests=4, writes=3, throttled=1)
    assert Traffic(1, 1, 0) + Traffic(2, 0, 1) == Traffic(3, 1, 1)


def test_convergence_counts_duplicates_missing_and_unexpected_of_our_address() -> None:
    ours = "https://x.example/h"
    actual = {
        "s1": [
            {"topic": "orders/create", "address": ours},
            {"topic": "orders/create", "address": ours},
            {"topic": "carts/create", "address": ours},
            {"topic": "orders/paid", "address": "https://someone-else.example"},
        ],
    }
    result = convergence({"s1": ["orders/create", "orders/paid"], "s2": ["orders/create"]}, actual, ours)
    assert (result.duplicates, result.missing, result.unexpected) == (1, 2, 1)


def test_state_size_measures_subscriptions_only() -> None:
    sub = {
        "type": "pulumi-python:dynamic/shopify:WebhookSubscription",
        "urn": "u",
        "outputs": {"x": "y" * 100},
    }
    other = {"type": "pulumi:pulumi:Stack", "urn": "s"}
    size = state_size({"deployment": {"resources": [other, sub, sub]}})
    assert size.resources == 2
    assert size.largest_bytes > 100
    assert math.isclose(size.per_subscription, size.total_bytes / 2)


def test_roles_from_command_lines() -> None:
    assert role_of(["/w/.venv/bin/pulumi", "up", "--yes"]) == "cli"
    assert role_of(["/w/.venv/bin/python", "-u", "-m", "pulumi.dynamic", "127.0.0.1:1"]) == "provider"
    assert role_of(["/w/.venv/bin/python", "/w/toolchain/python_language_host.py", "x"]) == "program"
    assert role_of(["python", "/w/.venv/bin/pulumi-language-python-exec", "--engine"]) == "program"
    assert role_of(["/bin/sh", "/w/.venv/bin/pulumi-resource-pulumi-python"]) == "other"


def test_layout_is_40_real_granted_topics_per_shop() -> None:
    shops = layout(1000)
    assert len(shops) == 25
    assert all(len(topics) == 40 for topics in shops.values())
    assert [len(t) for t in layout(90).values()] == [40, 40, 10]
    assert all(grants_topic(SCOPES, topic) for topic in bench_topics())


def test_secret_scan_finds_a_planted_secret_and_skips_files_secret_by_design(tmp_path) -> None:
    from bench.secret_scan import hits

    token = "shpat_" + "a" * 32
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "up.log").write_text(f"GET with {token}\n")
    (tmp_path / "logs" / "clean.log").write_text("nothing here\n")
    (tmp_path / "passphrase").write_text(token)
    found = hits([tmp_path], [token, "other-secret"])
    assert found == [(tmp_path / "logs" / "up.log", 1)]


def test_kill_moments_are_seeded_and_within_the_run() -> None:
    from bench.kill_scenario import moments

    assert moments(7, 10, 40) == moments(7, 10, 40)
    assert moments(7, 10, 40) != moments(8, 10, 40)
    assert all(0 <= m < 40 for m in moments(7, 10, 40))


def test_fault_rules_inject_the_requested_share() -> None:
    from bench.fault_scenarios import fault_rules

    rule = fault_rules(seed=3, rate=0.2)["rules"][0]
    kinds = ("error", "throttle", "reset_before", "reset_after", "ambiguous")
    assert math.isclose(sum(rule[kind]["rate"] for kind in kinds), 0.2)


def test_a_row_is_met_only_when_every_goal_value_is_measured() -> None:
    from bench.faults_report import Row, markdown

    assert Row("x", {"hits": 0, "files": 3}, {"hits": 0}).met is True
    assert Row("x", {"hits": 2}, {"hits": 0}).met is False
    assert Row("x", {}, {"hits": 0}, unavailable="not yet").met is None
    text = markdown([Row("scan", {"hits": 2, "_paths": ["x"]}, {"hits": 0})], "python -m bench.faults")
    assert "| scan | hits 2 | hits 0 | **no** |" in text


def test_a_partial_run_replaces_its_rows_and_keeps_the_others() -> None:
    from bench.faults_report import Row, merged

    earlier = [Row("a", {"x": 1}, {}), Row("b", {"x": 1}, {})]
    rows = merged(earlier, [Row("b", {"x": 2}, {}), Row("c", {"x": 3}, {})])
    assert [(r.check, r.measured["x"]) for r in rows] == [("a", 1), ("b", 2), ("c", 3)]
