"""Pure parts of the delivery simulator: payload filtering, timestamps, settings and one HTTP send."""

from __future__ import annotations

import socket
import time

import pytest

from shopstream.emulator.delivery_http import SendResult, post
from shopstream.emulator.delivery_model import (
    DeliverySettings,
    SettingsError,
    epoch_nanos,
    filter_payload,
    parse_retry_schedule,
    rfc3339_nanos,
)

PAYLOAD = {"id": 1, "email": "a@b.c", "metafields": [{"namespace": "n1"}, {"namespace": "n2"}, "junk"]}


def test_filter_payload():
    assert filter_payload(PAYLOAD, [], []) == PAYLOAD
    assert filter_payload(PAYLOAD, ["id", "nope"], []) == {"id": 1}
    assert filter_payload(PAYLOAD, ["id"], ["n2"]) == {"id": 1, "metafields": [{"namespace": "n2"}]}
    assert filter_payload(PAYLOAD, [], ["n1"])["metafields"] == [{"namespace": "n1"}]
    assert filter_payload({"id": 1}, [], ["n1"]) == {"id": 1}  # no metafields to filter: none added
    assert list(filter_payload({"b": 1, "a": 2}, [], [])) == ["b", "a"]  # key order kept


def test_rfc3339_nanos():
    assert rfc3339_nanos(1_680_112_827_877_041_743) == "2023-03-29T18:00:27.877041743Z"
    assert rfc3339_nanos(0) == "1970-01-01T00:00:00.000000000Z"


def test_epoch_nanos():
    assert epoch_nanos(lambda: 1_680_112_827.877041) == 1_680_112_827_877_041_000  # a test clock: µs
    before = time.time_ns()
    assert before <= epoch_nanos(time.time) <= time.time_ns()  # the real clock: its own nanoseconds


def test_parse_retry_schedule():
    assert parse_retry_schedule("0.05, 1,2") == (0.05, 1.0, 2.0)
    assert parse_retry_schedule("") == ()
    assert parse_retry_schedule([1, 2.5]) == (1.0, 2.5)
    for bad in ("a,b", [True], ["1"], 5, [float("nan")], [-1]):
        with pytest.raises(SettingsError):
            parse_retry_schedule(bad)


def test_settings_scale_the_schedule():
    settings = DeliverySettings().updated({"retry_schedule": [10, 20], "time_scale": 0.1})
    assert settings.delay_before_retry(0) == pytest.approx(1.0)
    assert settings.delay_before_retry(1) == pytest.approx(2.0)
    assert DeliverySettings().delay_before_retry(7) == 60 * 128


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_post_to_a_closed_port_is_a_connection_error():
    result = post(f"http://127.0.0.1:{_free_port()}/x", b"{}", {}, connect_timeout=1.0, timeout=2.0)
    assert result.ok is False and result.status_code is None
    assert result.error is not None and result.error.startswith("connection error")


def test_send_result_success_rule():
    assert SendResult(204, None, 0.1).ok
    assert not SendResult(301, "HTTP 301", 0.1).ok
    assert not SendResult(None, "timeout", 5.0).ok
