"""IMS token caching/refresh and the Platform client's errors, retries and paging, over HTTP."""

from __future__ import annotations

import socket
import threading
from typing import Any

import pytest

from shopstream.aep_api import bodies, errors, kinds
from shopstream.providers import credentials
from shopstream.providers.aep import client as client_module
from shopstream.providers.aep import ims
from shopstream.providers.aep.client import PlatformClient
from shopstream.providers.aep.settings import ApiSettings
from shopstream.providers.retry import RetryPolicy
from tests.providers.scripted_server import Reply, scripted_server
from tests.providers_aep.conftest import AepWorld


def ims_requests(aep: AepWorld) -> list[dict[str, Any]]:
    return [r for r in aep.control.requests() if r["service"] == "ims"]


def test_token_is_cached_across_clients_and_calls(aep: AepWorld) -> None:
    for _ in range(3):
        assert aep.client().get_flow_spec("e77fde5a-22a8-11ed-861d-0242ac120002") is not None
    assert len(ims_requests(aep)) == 1
    # Another org/scope set is another cache entry.
    aep.client(scopes="openid").get_flow_spec("e77fde5a-22a8-11ed-861d-0242ac120002")
    assert len(ims_requests(aep)) == 2


def test_expired_token_is_refreshed_once_on_401(aep: AepWorld) -> None:
    client = aep.client()
    assert client.list_all(kinds.FLOW) == []
    assert aep.control.expire_tokens() == 1  # the Platform now answers 401 to the cached token
    assert client.list_all(kinds.FLOW) == []
    assert len(ims_requests(aep)) == 2
    statuses = [r["status"] for r in aep.control.requests() if r["service"] == "flowservice"]
    assert statuses == [200, 401, 200]


def test_a_persistent_401_is_one_sentence(aep: AepWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    client = aep.client()
    client.list_all(kinds.FLOW)
    # Every new token is expired at once, so the single refresh cannot help.
    aep.control.update_settings(token_expires_in=1)
    aep.control.expire_tokens()
    original = ims.access_token

    def expiring(*args: Any, **kwargs: Any) -> str:
        token = original(*args, **kwargs)
        aep.control.expire_tokens()
        return token

    monkeypatch.setattr(ims, "access_token", expiring)
    with pytest.raises(errors.AuthError) as caught:
        client.list_all(kinds.FLOW)
    text = str(caught.value)
    assert text.startswith("AEP refused listing dataflows (401013: Oauth token is not valid)")
    assert "aepClientSecret" in text and "\n" not in text


def test_token_refresh_time_follows_expires_in(aep: AepWorld) -> None:
    aep.control.update_settings(token_expires_in=100)
    key = ims.TokenKey(aep.emulator.base_url, aep.client_id, aep.org_id, "openid")
    now = [1000.0]
    first = ims.access_token(key, aep.client_secret, clock=lambda: now[0])
    now[0] = 1000.0 + 89  # 100 s lifetime → refresh 10 s (10 %) early
    assert ims.access_token(key, aep.client_secret, clock=lambda: now[0]) == first
    now[0] = 1000.0 + 90.5
    assert ims.access_token(key, aep.client_secret, clock=lambda: now[0]) != first
    assert len(ims_requests(aep)) == 2


def test_concurrent_threads_share_one_token_request(aep: AepWorld) -> None:
    key = ims.TokenKey(aep.emulator.base_url, aep.client_id, aep.org_id, "openid")
    got: list[str] = []
    barrier = threading.Barrier(4)

    def fetch() -> None:
        barrier.wait()
        got.append(ims.access_token(key, aep.client_secret))

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 4 and len(set(got)) == 1
    assert len(ims_requests(aep)) == 1


def test_wrong_client_secret_is_one_sentence_without_the_secret(aep: AepWorld) -> None:
    wrong = "definitely-not-the-secret-0123"
    client = PlatformClient(ApiSettings.from_props(aep.connection()), wrong)
    with pytest.raises(errors.AuthError) as caught:
        client.list_all(kinds.FLOW)
    text = str(caught.value)
    assert text.startswith(f"Adobe IMS refused to issue an access token for client id {aep.client_id}")
    assert "invalid_client" in text and "pulumi config set --secret aepClientSecret" in text
    assert wrong not in text and aep.client_secret not in text


def test_gateway_errors_are_sentences(aep: AepWorld) -> None:
    other_org = aep.control.create_org(sandboxes=["prod"])["id"]
    with pytest.raises(errors.AuthError) as caught:
        aep.client(ims_org=other_org).list_all(kinds.FLOW)
    assert "FLOW-2000-401" in str(caught.value) and "no access to this IMS org" in str(caught.value)

    with pytest.raises(errors.AuthError) as caught:
        aep.client(sandbox="qa").get(kinds.FLOW, "f-1")
    text = str(caught.value)
    assert "AEP does not know the sandbox qa" in text and "FLOW-2100-404" in text
    assert text.endswith(".") and "\n" not in text


def test_missing_client_secret_names_the_config_command() -> None:
    credentials.set_aep_client_secret(None)
    with pytest.raises(credentials.MissingAepSecretError) as caught:
        credentials.aep_client_secret()
    assert "pulumi config set --secret aepClientSecret <client secret>" in str(caught.value)


def test_unreachable_platform(aep: AepWorld) -> None:
    sock = socket.socket()  # a port nobody listens on: bind, read the number, close
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    settings = ApiSettings.from_props(aep.connection(platform_url=f"http://127.0.0.1:{port}"))
    sleeps: list[float] = []
    client = PlatformClient(
        settings, aep.client_secret, sleep=sleeps.append, policy=RetryPolicy(max_attempts=3)
    )
    with pytest.raises(errors.ConnectionFailed) as caught:
        client.list_all(kinds.FLOW)
    assert f"Could not reach AEP at http://127.0.0.1:{port}" in str(caught.value)
    assert "platform_url" in str(caught.value)
    assert sleeps == [0.5, 1.0]


def test_list_follows_next_links(aep: AepWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "PAGE_LIMIT", 2)
    client = aep.client()
    made = {
        client.create(kinds.SOURCE_CONNECTION, bodies.source_connection(f"s{i}", "", None))["id"]
        for i in range(5)
    }
    listed = client.list_all(kinds.SOURCE_CONNECTION)
    assert {item["id"] for item in listed} == made and len(listed) == 5
    pages = [
        r for r in aep.control.requests() if r["method"] == "GET" and r["path"].endswith("/sourceConnections")
    ]
    assert len(pages) == 3
    assert "continuationToken=" in pages[1]["query"]
    client.create(kinds.SOURCE_CONNECTION, bodies.source_connection("s1", "", None))
    assert len(client.find_by_name(kinds.SOURCE_CONNECTION, "s1")) == 2


def test_get_of_a_missing_object_is_none_but_a_wrong_url_is_an_error(aep: AepWorld) -> None:
    assert aep.client().get(kinds.FLOW, "00000000-0000-0000-0000-000000000000") is None
    wrong = aep.client(platform_url=aep.emulator.base_url + "/nothing-here")
    with pytest.raises(errors.NotFound) as caught:
        wrong.get(kinds.FLOW, "00000000-0000-0000-0000-000000000000")
    assert "check platform_url and sandbox" in str(caught.value)


# ---- retries, against a scripted server -----------------------------------------------------------


def token_reply() -> Reply:
    return Reply(200, {"access_token": "tok-1", "token_type": "bearer", "expires_in": 86399})


def scripted_client(base_url: str, sleeps: list[float]) -> PlatformClient:
    settings = ApiSettings(
        "http://" + base_url.split("/")[2],
        "http://" + base_url.split("/")[2],
        "ORG@AdobeOrg",
        "prod",
        "cid",
        "openid",
    )
    return PlatformClient(settings, "secret", sleep=sleeps.append)


def test_5xx_is_retried_for_reads_and_429_honours_retry_after() -> None:
    ims.clear()
    with scripted_server() as server:
        server.script = [
            token_reply(),
            Reply(503, "<html>busy</html>"),
            Reply(429, {"error_code": "429050", "message": "Too many requests"}, {"Retry-After": "3"}),
            Reply(200, {"items": [{"id": "f1"}]}),
        ]
        sleeps: list[float] = []
        items = scripted_client(server.base_url, sleeps).list_all(kinds.FLOW)
        assert items == [{"id": "f1"}]
        assert sleeps == [0.5, 3.0]  # first backoff step, then Retry-After
        platform = [r for r in server.received if "flowservice" in r.path]
        assert len(platform) == 3
        headers = {k.lower(): v for k, v in platform[0].headers.items()}
        assert headers["authorization"] == "Bearer tok-1" and headers["x-api-key"] == "cid"
        assert headers["x-gw-ims-org-id"] == "ORG@AdobeOrg" and headers["x-sandbox-name"] == "prod"
        token_call = server.received[0]
        assert token_call.path == "/ims/token/v3" and b"client_secret=secret" in token_call.body
        assert "secret" not in token_call.query
    ims.clear()


def test_a_failed_create_is_not_retried_after_a_5xx() -> None:
    ims.clear()
    with scripted_server() as server:
        server.script = [token_reply(), Reply(502, "<html>bad gateway</html>")]
        sleeps: list[float] = []
        with pytest.raises(errors.ServerError) as caught:
            scripted_client(server.base_url, sleeps).create(kinds.FLOW, {"name": "x"}, name="x")
        assert sleeps == []
        assert 'creating the dataflow "x"' in str(caught.value) and "HTTP 502" in str(caught.value)
        posts = [r for r in server.received if r.method == "POST" and "flowservice" in r.path]
        assert len(posts) == 1
        assert {k.lower(): v for k, v in posts[0].headers.items()}["content-type"] == "application/json"
    ims.clear()


def test_client_is_not_picklable_and_hides_the_secret(aep: AepWorld) -> None:
    import pickle

    client = aep.client()
    with pytest.raises(TypeError):
        pickle.dumps(client)
    assert aep.client_secret not in repr(client)


def test_flow_actions(aep: AepWorld, pipeline_objects: dict[str, Any]) -> None:
    client = aep.client()
    flow_id = pipeline_objects["flow"].id
    answer = client.flow_action(flow_id, "disable", name="shop")
    assert answer["id"] == flow_id and answer["etag"]
    assert client.get(kinds.FLOW, flow_id)["state"] == "disabled"  # type: ignore[index]
    client.flow_action(flow_id, "enable")
    assert client.get(kinds.FLOW, flow_id)["state"] == "enabled"  # type: ignore[index]
    with pytest.raises(ValueError):
        client.flow_action(flow_id, "finalize")
