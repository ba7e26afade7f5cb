"""The pure part of fault injection: parsing, rule matching and the seeded schedule."""

from __future__ import annotations

from typing import Any

import pytest

from shopstream.emulator.fault_model import (
    FaultConfig,
    FaultConfigError,
    StreamState,
    config_json,
    decide,
    draw,
    first_match,
    parse_config,
)


def schedule(config: FaultConfig, n: int, shop: str | None = "acme", rule: int = 0) -> list[str | None]:
    """The labels of the first ``n`` decisions of one rule for one shop."""
    stream, injected = StreamState(), dict[str, int]()
    return [decide(config, rule, shop, stream, injected).label for _ in range(n)]


def test_same_seed_same_schedule_and_another_seed_another():
    rules = [{"error": {"rate": 0.3}, "ambiguous": {"rate": 0.2}, "latency": {"rate": 0.1, "seconds": 1}}]
    first = schedule(parse_config({"seed": 7, "rules": rules}), 200)
    assert first == schedule(parse_config({"seed": 7, "rules": rules}), 200)
    assert first != schedule(parse_config({"seed": 8, "rules": rules}), 200)


def test_rates_are_honoured_roughly():
    config = parse_config({"seed": 1, "rules": [{"error": {"rate": 0.2}, "reset_after": {"rate": 0.1}}]})
    labels = schedule(config, 2000)
    errors = sum(1 for label in labels if label and label.startswith("error_"))
    resets = labels.count("reset_after")
    assert 300 < errors < 500  # 400 expected
    assert 130 < resets < 270  # 200 expected
    assert {label.split("_")[1] for label in labels if label and label.startswith("error_")} == {
        "500",
        "502",
        "503",
        "504",
    }


def test_draw_is_uniform_in_unit_interval():
    values = [draw(3, 0, "acme", n, "kind") for n in range(1000)]
    assert all(0 <= v < 1 for v in values)
    assert 0.4 < sum(values) / len(values) < 0.6


def test_a_shop_schedule_does_not_depend_on_other_shops():
    config = parse_config({"seed": 5, "rules": [{"error": {"rate": 0.5}}]})
    alone = schedule(config, 50, shop="a")
    streams = {"a": StreamState(), "b": StreamState()}
    injected: dict[str, int] = {}
    mixed = []
    for i in range(100):
        shop = "a" if i % 2 == 0 else "b"
        label = decide(config, 0, shop, streams[shop], injected).label
        if shop == "a":
            mixed.append(label)
    assert mixed == alone


def test_throttle_storm_is_n_consecutive_429s_and_limit_counts_storms():
    config = parse_config({"rules": [{"throttle": {"rate": 1, "burst": 3, "retry_after": 1.5, "limit": 2}}]})
    stream, injected = StreamState(), dict[str, int]()
    decisions = [decide(config, 0, "acme", stream, injected) for _ in range(8)]
    assert [d.kind for d in decisions] == ["throttle"] * 6 + [None, None]
    assert {d.status for d in decisions[:6]} == {429}
    assert {d.retry_after for d in decisions[:6]} == {1.5}
    assert injected == {"throttle": 2}


def test_limit_stops_a_kind_after_n_injections():
    config = parse_config({"rules": [{"ambiguous": {"rate": 1, "statuses": [502], "limit": 2}}]})
    assert schedule(config, 5) == ["ambiguous_502", "ambiguous_502", None, None, None]


def test_latency_combines_with_an_exclusive_kind():
    config = parse_config(
        {"rules": [{"reset_after": {"rate": 1}, "latency": {"seconds": 2, "phase": "after"}}]}
    )
    decision = decide(config, 0, "acme", StreamState(), {})
    assert decision.kinds == ("reset_after", "latency")
    assert decision.label == "latency+reset_after"
    assert (decision.latency, decision.latency_phase) == (2.0, "after")
    assert decision.applied


@pytest.mark.parametrize(
    ("kind", "applied"),
    [
        ("error", False),
        ("throttle", False),
        ("reset_before", False),
        ("reset_after", True),
        ("ambiguous", True),
    ],
)
def test_which_kinds_reach_the_app(kind, applied):
    decision = decide(parse_config({"rules": [{kind: {"rate": 1}}]}), 0, "acme", StreamState(), {})
    assert decision.kind == kind
    assert decision.applied is applied


def test_first_matching_rule_decides():
    config = parse_config(
        {
            "rules": [
                {
                    "shop": "acme",
                    "path": "/admin/api/*/webhooks.json",
                    "methods": ["post"],
                    "error": {"rate": 1},
                },
                {"shop": "acme", "reset_before": {"rate": 1}},
                {"path": "/data/foundation/*", "ambiguous": {"rate": 1}},
            ]
        }
    )
    assert first_match(config, "acme", "/admin/api/2026-10/webhooks.json", "POST") == 0
    assert first_match(config, "acme", "/admin/api/2026-10/webhooks.json", "GET") == 1
    assert first_match(config, "acme", "/admin/api/2026-10/graphql.json", "POST") == 1
    assert first_match(config, None, "/data/foundation/flowservice/flows", "POST") == 2
    assert first_match(config, "other", "/admin/api/2026-10/webhooks.json", "POST") is None


def test_json_form_round_trips_with_defaults_spelled_out():
    config = parse_config({"seed": 3, "rules": [{"shop": "acme", "throttle": {"rate": 0.5}}]})
    body = config_json(config)
    assert body == {
        "seed": 3,
        "rules": [
            {
                "shop": "acme",
                "path": "*",
                "methods": None,
                "throttle": {"rate": 0.5, "limit": None, "burst": 1, "retry_after": 2.0},
            }
        ],
    }
    assert parse_config(body) == config


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "must be a JSON object"),
        ({"seed": "x"}, "seed must be an integer"),
        ({"seed": True}, "seed must be an integer"),
        ({"rules": {}}, "rules must be a list"),
        ({"rules": [{"boom": {}}]}, "rules[0]: unknown key(s) ['boom']"),
        ({"rules": [{"error": {"rate": 1.5}}]}, "rules[0].error.rate must be a number from 0 to 1"),
        ({"rules": [{"error": {}}]}, "rules[0].error.rate must be a number from 0 to 1"),
        ({"rules": [{"error": {"rate": 0.6}, "ambiguous": {"rate": 0.6}}]}, "add up to 1.2; at most 1"),
        ({"rules": [{"error": {"rate": 1, "statuses": [404]}}]}, "statuses must be a non-empty list"),
        ({"rules": [{"throttle": {"rate": 1, "burst": 0}}]}, "burst must be an integer >= 1"),
        ({"rules": [{"latency": {"seconds": 0}}]}, "seconds must be a number above 0"),
        ({"rules": [{"latency": {"seconds": 1, "phase": "during"}}]}, 'phase must be "before" or "after"'),
        ({"rules": [{"methods": ["FETCH"], "error": {"rate": 1}}]}, "unknown method(s) ['FETCH']"),
        ({"rules": [{"shop": "", "error": {"rate": 1}}]}, "shop must be a shop name or null"),
        ({"rules": [{"error": {"rate": 1, "limit": -1}}]}, "limit must be a non-negative integer"),
        ({"rules": [{"error": {"rate": float("nan")}}]}, "rate must be a number from 0 to 1"),
    ],
)
def test_bad_configurations_are_clear_errors(data: Any, message: str):
    with pytest.raises(FaultConfigError) as error:
        parse_config(data)
    assert message in str(error.value)
