"""ShopifyAdminClient against a scripted local HTTP server: retries, timeouts, redirects, foreign links."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import requests
import urllib3

from shopstream.providers import http as http_module
from shopstream.providers.retry import Failure, RetryPolicy
from shopstream.providers.shopify.client import ShopifyAdminClient, classify_exception
from shopstream.shopify_api import errors
from tests.providers.scripted_server import Reply, ScriptedServer, scripted_server

TOKEN = "shpat_feedfacefeedfacefeedfacefeedface"
WEBHOOK = {"id": 7, "topic": "orders/create", "address": "https://h.example.com/o", "format": "json"}
POLICY = RetryPolicy(max_attempts=4, backoff_base=0.5, backoff_max=4.0, max_total_wait=10.0)


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with scripted_server() as running:
        yield running


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def make_client(base_url: str, sleeps: Sleeps) -> ShopifyAdminClient:
    return ShopifyAdminClient(base_url, "2026-10", TOKEN, "acme-eu", policy=POLICY, sleep=sleeps)


def test_get_retries_5xx_with_backoff_then_succeeds(server: ScriptedServer) -> None:
    server.script = [
        Reply(503),
        Reply(502),
        Reply(200, {"webhook": WEBHOOK}, {"X-Shopify-API-Version": "2026-10"}),
    ]
    sleeps = Sleeps()
    webhook = make_client(server.base_url, sleeps).get_webhook(7)
    assert webhook is not None and webhook["id"] == 7
    assert sleeps.calls == [0.5, 1.0]
    assert [r.method for r in server.received] == ["GET"] * 3
    assert server.received[0].path == "/shops/acme-eu/admin/api/2026-10/webhooks/7.json"
    assert server.received[0].headers["X-Shopify-Access-Token"] == TOKEN


def test_get_gives_up_after_bounded_attempts(server: ScriptedServer) -> None:
    server.default = Reply(500, {"errors": "Internal Server Error"})
    sleeps = Sleeps()
    with pytest.raises(errors.ServerError) as info:
        make_client(server.base_url, sleeps).list_webhooks()
    assert len(server.received) == POLICY.max_attempts
    assert sleeps.calls == [0.5, 1.0, 2.0]
    assert "HTTP 500" in str(info.value) and TOKEN not in str(info.value)


def test_post_is_not_retried_on_5xx(server: ScriptedServer) -> None:
    server.script = [Reply(503), Reply(201, {"webhook": WEBHOOK})]
    sleeps = Sleeps()
    with pytest.raises(errors.ServerError):
        make_client(server.base_url, sleeps).create_webhook("orders/create", "https://h.example.com/o")
    assert len(server.received) == 1
    assert sleeps.calls == []


def test_post_is_retried_on_429_after_retry_after_seconds(server: ScriptedServer) -> None:
    server.script = [
        Reply(429, {"errors": "Exceeded 2 calls per second"}, {"Retry-After": "1.5"}),
        Reply(201, {"webhook": WEBHOOK}),
    ]
    sleeps = Sleeps()
    created = make_client(server.base_url, sleeps).create_webhook("orders/create", "https://h.example.com/o")
    assert created["id"] == 7
    assert sleeps.calls == [1.5]  # seconds, not milliseconds
    assert [r.method for r in server.received] == ["POST", "POST"]


def test_429_with_a_huge_retry_after_gives_up_at_once(server: ScriptedServer) -> None:
    server.default = Reply(429, {"errors": "Exceeded"}, {"Retry-After": "3600"})
    sleeps = Sleeps()
    with pytest.raises(errors.RateLimited) as info:
        make_client(server.base_url, sleeps).count_webhooks()
    assert sleeps.calls == []
    assert info.value.retry_after == 3600.0


def test_connection_refused_is_retried_even_for_post_then_reported_clearly() -> None:
    with socket.socket() as sock:  # a port that is certainly closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleeps = Sleeps()
    client = make_client(f"http://127.0.0.1:{port}/shops/acme-eu", sleeps)
    with pytest.raises(errors.ConnectionFailed) as info:
        client.create_webhook("orders/create", "https://h.example.com/o")
    assert sleeps.calls == [0.5, 1.0, 2.0]
    message = str(info.value)
    assert f"http://127.0.0.1:{port}/shops/acme-eu" in message
    assert "connection refused" in message and TOKEN not in message
    assert "\n" not in message


def test_read_timeout_retried_for_get_but_not_for_post(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(http_module.READ_TIMEOUT_ENV, "0.2")
    server.script = [Reply(200, {"webhooks": []}, delay=0.6), Reply(200, {"webhooks": [WEBHOOK]})]
    sleeps = Sleeps()
    assert [w["id"] for w in make_client(server.base_url, sleeps).list_webhooks()] == [7]
    assert sleeps.calls == [0.5]

    server.script = [Reply(201, {"webhook": WEBHOOK}, delay=0.6)]
    sleeps = Sleeps()
    with pytest.raises(errors.ConnectionFailed) as info:
        make_client(server.base_url, sleeps).create_webhook("orders/create", "https://h.example.com/o")
    assert sleeps.calls == []
    assert "no answer within" in str(info.value)


def test_redirects_are_not_followed(server: ScriptedServer) -> None:
    server.script = [Reply(302, {}, {"Location": "http://evil.example.com/steal"})]
    with pytest.raises(errors.UnexpectedResponse):
        make_client(server.base_url, Sleeps()).list_webhooks()
    assert len(server.received) == 1


def test_next_link_to_another_host_is_refused(server: ScriptedServer) -> None:
    link = '<http://evil.example.com/admin/api/2026-10/webhooks.json?page_info=x&limit=250>; rel="next"'
    server.script = [Reply(200, {"webhooks": [WEBHOOK]}, {"Link": link})]
    with pytest.raises(errors.UnexpectedResponse) as info:
        make_client(server.base_url, Sleeps()).list_webhooks()
    assert "another host" in str(info.value)


def test_non_json_success_body_is_a_clear_error(server: ScriptedServer) -> None:
    server.script = [Reply(200, "<html>login</html>")]
    with pytest.raises(errors.UnexpectedResponse) as info:
        make_client(server.base_url, Sleeps()).list_webhooks()
    assert "acme-eu" in str(info.value)


def test_get_404_is_none_only_when_the_shop_answers(server: ScriptedServer) -> None:
    server.script = [Reply(404, {"errors": "Not Found"}), Reply(200, {"count": 0})]
    assert make_client(server.base_url, Sleeps()).get_webhook(7) is None
    assert server.received[1].path.endswith("/webhooks/count.json")
    # Shop/endpoint wrong: the count 404s too, and that must not look like "subscription gone".
    server.script = [Reply(404, {"errors": "Not Found"}), Reply(404, {"errors": "Not Found"})]
    with pytest.raises(errors.NotFound):
        make_client(server.base_url, Sleeps()).get_webhook(7)


def test_delete_404_is_false(server: ScriptedServer) -> None:
    server.script = [Reply(404, {"errors": "Not Found"}), Reply(200, {"count": 3})]
    assert make_client(server.base_url, Sleeps()).delete_webhook(7) is False
    server.script = [Reply(200, {})]
    assert make_client(server.base_url, Sleeps()).delete_webhook(7) is True


def test_string_ids_are_normalised_to_int(server: ScriptedServer) -> None:
    server.script = [Reply(200, {"webhook": {**WEBHOOK, "id": "8589935600"}})]
    webhook = make_client(server.base_url, Sleeps()).get_webhook(8589935600)
    assert webhook is not None and webhook["id"] == 8589935600


def test_classify_exception() -> None:
    new_conn = urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection: refused")  # type: ignore[arg-type]
    wrapped = requests.exceptions.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/", new_conn))  # type: ignore[arg-type]
    assert classify_exception(wrapped) is Failure.BEFORE_SEND
    assert classify_exception(requests.exceptions.ConnectTimeout()) is Failure.BEFORE_SEND
    assert classify_exception(requests.exceptions.ReadTimeout()) is Failure.AFTER_SEND
    dropped = requests.exceptions.ConnectionError(urllib3.exceptions.ProtocolError("Connection aborted."))
    assert classify_exception(dropped) is Failure.AFTER_SEND
    assert classify_exception(requests.exceptions.SSLError()) is None
    assert classify_exception(requests.exceptions.InvalidURL()) is None
