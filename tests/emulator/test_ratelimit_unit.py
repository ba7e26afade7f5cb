"""shopstream.shopify_api.ratelimit: the leaky bucket with a fake clock, and the header parsers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from shopstream.shopify_api.ratelimit import (
    DEFAULT_BUCKET_SIZE,
    DEFAULT_LEAK_RATE,
    LeakyBucket,
    format_call_limit,
    format_retry_after,
    parse_call_limit,
    retry_after_seconds,
)
from tests.emulator.support import FakeClock


def test_defaults_match_the_reference():
    assert (DEFAULT_BUCKET_SIZE, DEFAULT_LEAK_RATE) == (40, 2.0)


def test_fills_then_refuses_without_counting_the_refusal():
    clock = FakeClock()
    bucket = LeakyBucket(40, 2.0, clock)
    shown = [bucket.try_acquire().used for _ in range(40)]
    assert shown == list(range(1, 41))
    refused = bucket.try_acquire()
    assert not refused.allowed
    assert refused.header_value == "40/40"
    assert refused.retry_after == pytest.approx(0.5)  # one slot frees after 1/leak_rate seconds
    assert bucket.level() == pytest.approx(40.0)


def test_drains_at_leak_rate():
    # Reference: 39/40 drains to 19/40 after 10 s at 2/s.
    clock = FakeClock()
    bucket = LeakyBucket(40, 2.0, clock)
    for _ in range(39):
        bucket.try_acquire()
    clock.advance(10)
    assert bucket.level() == pytest.approx(19.0)
    assert bucket.try_acquire().header_value == "20/40"
    clock.advance(1000)
    assert bucket.level() == 0.0
    assert bucket.try_acquire().used == 1


def test_partial_drain_admits_again_and_shows_rounded_up_count():
    clock = FakeClock()
    bucket = LeakyBucket(5, 0.5, clock)
    for _ in range(5):
        assert bucket.try_acquire().allowed
    assert not bucket.try_acquire().allowed
    clock.advance(1.0)  # 0.5 drained: still no room for a whole request
    refused = bucket.try_acquire()
    assert not refused.allowed and refused.retry_after == pytest.approx(1.0)
    clock.advance(1.0)
    admitted = bucket.try_acquire()
    assert admitted.allowed and admitted.header_value == "5/5"


def test_rejects_bad_settings():
    with pytest.raises(ValueError):
        LeakyBucket(0, 1.0)
    with pytest.raises(ValueError):
        LeakyBucket(1, 0)


def test_call_limit_round_trip():
    assert format_call_limit(32, 40) == "32/40"
    assert parse_call_limit("32/40") == (32, 40)
    assert parse_call_limit(" 1 / 400 ") == (1, 400)


@pytest.mark.parametrize("value", ["", "40", "a/b", "1/0", "-1/40", "1/40/2"])
def test_call_limit_rejects_garbage(value):
    with pytest.raises(ValueError):
        parse_call_limit(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2.0", 2.0),
        ("2", 2.0),
        ("0.25", 0.25),
        (" 1.5 ", 1.5),
        ("-3", 0.0),
        (None, 1.0),
        ("", 1.0),
        ("soon", 1.0),
    ],
)
def test_retry_after_seconds(value, expected):
    assert retry_after_seconds(value) == expected


def test_retry_after_custom_default_and_nan():
    assert retry_after_seconds(None, default=4.0) == 4.0
    assert retry_after_seconds("nan", default=3.0) == 3.0


def test_retry_after_http_date():
    now = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC)
    value = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds(value, now=now) == pytest.approx(30.0)


def test_format_retry_after_rounds_up_to_tenths():
    assert format_retry_after(2.0) == "2.0"
    assert format_retry_after(0.51) == "0.6"
    assert format_retry_after(0) == "0.0"
    assert retry_after_seconds(format_retry_after(7.25)) == pytest.approx(7.3)
