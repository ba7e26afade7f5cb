"""shopstream.shopify_api.pacing: the client's bucket model and its pacing rules (pure, with a hand-driven
clock)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopstream.shopify_api.pacing import BucketModel, graphql_view, learned_leak_rate, rest_view


def test_a_fresh_rest_bucket_lets_a_burst_through_and_then_paces_at_the_leak_rate() -> None:
    model = BucketModel.for_rest(now=0.0)
    waits = [model.reserve(1, now=0.0) for _ in range(41)]
    # 39 fit at once (one request of room is kept), then each further one waits 1/leak longer.
    assert waits[:39] == [0.0] * 39
    assert waits[39] == pytest.approx(0.5) and waits[40] == pytest.approx(1.0)


def test_a_header_showing_a_full_bucket_makes_the_next_request_wait() -> None:
    model = BucketModel.for_rest(now=0.0)
    model.observe(rest_view(used=40, size=40, at=10.0))
    assert model.reserve(1, now=10.0) == pytest.approx(1.0)  # (1 + margin) / 2 per second
    model.settle(1)
    model.observe(rest_view(used=20, size=40, at=20.0))
    assert model.reserve(1, now=20.0) == 0.0


def test_settled_reservations_free_the_room_they_held() -> None:
    model = BucketModel(capacity=3, rate=1.0, margin=0.0, learn_rate=False, now=0.0)
    assert [model.reserve(1, now=0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert model.reserve(1, now=0.0) == pytest.approx(1.0)
    for _ in range(4):
        model.settle(1)
    model.observe(rest_view(used=0, size=3, at=5.0))
    assert model.reserve(1, now=5.0) == 0.0


def test_a_throttled_answer_blocks_until_retry_after_for_everyone() -> None:
    model = BucketModel.for_rest(now=0.0)
    assert model.throttled(now=1.0, retry_after=2.0) == 2.0
    assert model.reserve(1, now=1.0) >= 2.0
    assert model.reserve(1, now=1.0) >= 2.0


def test_graphql_views_carry_the_restore_rate_and_costs_wait_for_points() -> None:
    model = BucketModel.for_graphql(now=0.0)
    model.observe(graphql_view(maximum=2000, currently=15, restore_rate=100, at=3.0))
    assert model.reserve(10, now=3.0) == 0.0
    assert model.reserve(10, now=3.0) == pytest.approx(0.05)  # 5 points short at 100/s
    model.observe(graphql_view(maximum=1000, currently=0, restore_rate=50, at=4.0))
    assert model.rate == 50 and model.capacity == 1000


def test_the_rest_leak_rate_is_learned_upwards_but_never_below_size_over_twenty() -> None:
    model = BucketModel.for_rest(now=0.0)
    model.observe(rest_view(used=30, size=40, at=0.0))
    for _ in range(10):
        model.settle(1)
    # 2 s later, 10 more requests were admitted and the bucket is at 32: it drained 8 in 2 s → 4/s.
    model.observe(rest_view(used=32, size=40, at=2.0))
    assert model.rate == pytest.approx(4.0)
    slow = BucketModel.for_rest(now=0.0)
    slow.observe(rest_view(used=30, size=40, at=0.0))
    slow.observe(rest_view(used=30, size=40, at=5.0))
    assert slow.rate == pytest.approx(2.0)


def test_learning_ignores_short_intervals_and_empty_buckets() -> None:
    earlier = rest_view(used=10, size=40, at=0.0)
    assert learned_leak_rate(earlier, rest_view(used=0, size=40, at=0.5), 0, floor=2.0) is None
    assert learned_leak_rate(earlier, rest_view(used=0, size=40, at=5.0), 0, floor=2.0) is None
    assert learned_leak_rate(earlier, rest_view(used=5, size=40, at=1.0), 0, floor=2.0) == pytest.approx(5.0)


@given(
    st.lists(
        st.tuples(st.sampled_from(["reserve", "settle", "observe", "throttled"]), st.floats(0, 5)),
        max_size=60,
    )
)
def test_waits_are_finite_non_negative_and_bounded(steps: list[tuple[str, float]]) -> None:
    model = BucketModel.for_rest(now=0.0)
    now = 0.0
    reserved = 0
    for action, value in steps:
        now += value
        if action == "reserve":
            wait = model.reserve(1, now=now)
            reserved += 1
            # Never more than the time to drain every outstanding reservation plus a throttle wait.
            assert 0.0 <= wait <= (reserved + 2) / model.rate + 10.0
        elif action == "settle" and reserved:
            model.settle(1)
            reserved -= 1
        elif action == "observe":
            model.observe(rest_view(used=int(value * 8), size=40, at=now))
        elif action == "throttled":
            assert model.throttled(now=now, retry_after=value) >= 0.0
