"""shopstream.shop_connect without Pulumi: the one-shot listener, --scopes, and the early refusals."""

from __future__ import annotations

import re
import socket
import threading
import time
from pathlib import Path

import pytest
import requests
import yaml
from click.testing import CliRunner
from pulumi import automation as auto

from shopstream import shop_connect
from shopstream.cli import main


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- listener ---------------------------------------------------------------------------------------


def test_the_listener_waits_a_bounded_time() -> None:
    redirect = f"http://127.0.0.1:{free_port()}/cb"
    server = shop_connect.open_listener(redirect)
    started = time.monotonic()
    with pytest.raises(shop_connect.ConnectError, match=r"No redirect reached .* within 0\.5 seconds"):
        shop_connect.wait_for_callback(server, redirect, 0.5)
    assert 0.4 < time.monotonic() - started < 5
    # The port is free again: the listener closed.
    shop_connect.open_listener(redirect).server_close()


def test_the_listener_takes_one_callback_and_ignores_other_paths() -> None:
    port = free_port()
    redirect = f"http://127.0.0.1:{port}/cb"
    server = shop_connect.open_listener(redirect)
    answers: list[requests.Response] = []

    def browser() -> None:
        answers.append(requests.get(f"http://127.0.0.1:{port}/favicon.ico", timeout=5))
        answers.append(requests.get(f"{redirect}?code=c&state=s", timeout=5))

    thread = threading.Thread(target=browser)
    thread.start()
    query = shop_connect.wait_for_callback(server, redirect, 10)
    thread.join(timeout=10)

    assert query == "code=c&state=s"
    assert [a.status_code for a in answers] == [404, 200]
    with pytest.raises(requests.ConnectionError):  # exited after the callback
        requests.get(redirect, timeout=2)


@pytest.mark.parametrize(
    "redirect", ["https://127.0.0.1:8788/cb", "http://example.com:8788/cb", "http://10.0.0.1/cb"]
)
def test_the_listener_runs_on_loopback_http_only(redirect: str) -> None:
    with pytest.raises(shop_connect.ConnectError, match=re.escape("runs on http://127.0.0.1 only")):
        shop_connect.open_listener(redirect)


def test_a_busy_port_is_a_clear_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(shop_connect.ConnectError, match=f"Cannot listen on 127.0.0.1:{port}"):
            shop_connect.open_listener(f"http://localhost:{port}/cb")


def test_pasted_input() -> None:
    assert shop_connect.read_pasted_callback(lambda: "  http://x/cb?a=1\n") == "http://x/cb?a=1"
    with pytest.raises(shop_connect.ConnectError, match="No callback URL was pasted"):
        shop_connect.read_pasted_callback(lambda: "")


# --- scopes -----------------------------------------------------------------------------------------


def test_scopes_option() -> None:
    assert shop_connect.parse_scopes_option(None) is None
    assert shop_connect.parse_scopes_option(" read_orders, write_products,read_orders") == (
        "read_orders",
        "write_products",
    )
    for bad in ["", ",", "read orders", "READ_ORDERS", "read-orders"]:
        with pytest.raises(shop_connect.ConnectError, match="--scopes takes comma-separated scope handles"):
            shop_connect.parse_scopes_option(bad)


# --- early refusals through the command (they stop before any Pulumi call) ---------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: shopstream\nruntime: python\nstackConfigDir: stacks\n")
    (tmp_path / "stacks").mkdir()
    stack = {
        "shopify": {"api_version": "2026-10", "address": "https://hooks.example.com/s"},
        "shops": {"acme": {"topics": ["orders/create", "products/update"]}},
    }
    (tmp_path / "stacks" / "dev.yaml").write_text(yaml.safe_dump(stack))
    return tmp_path


def run(project: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, ["--project-dir", str(project), "shop", "connect", "--stack", "dev", *args], input=""
    )
    return result.exit_code, result.output


def test_a_shop_outside_the_stack_file(project: Path) -> None:
    code, output = run(project, "--shop", "globex", "--paste")
    assert code == 1
    assert output.strip() == (
        "shopstream: Shop 'globex' is not in the stack file of stack dev (its shops: acme)."
    )


def test_scopes_that_do_not_cover_the_topics(project: Path) -> None:
    code, output = run(project, "--shop", "acme", "--scopes", "write_orders", "--paste")
    assert code == 1
    assert output.strip() == (
        "shopstream: --scopes does not cover the stack's topics for shop acme (products/update needs "
        "read_products): add the missing scopes, or leave --scopes out to request what the topics need."
    )


def test_a_broken_stack_file(project: Path) -> None:
    (project / "stacks" / "dev.yaml").write_text("shops: [\n")
    code, output = run(project, "--shop", "acme", "--paste")
    assert code == 1 and output.startswith("shopstream: ") and "Traceback" not in output


# --- where the client secret comes from ------------------------------------------------------------------


class FakeConfig:
    def __init__(self, **values: auto.ConfigValue) -> None:
        self.values = values

    def get(self, key: str) -> auto.ConfigValue | None:
        return self.values.get(key)


def client_secret(environ: dict[str, str], config: FakeConfig) -> tuple[str, list[str]]:
    warnings: list[str] = []
    secret = shop_connect._client_secret(environ, config, "dev", warnings.append)  # type: ignore[arg-type]
    return secret, warnings


def test_client_secret_sources_in_order() -> None:
    stored = FakeConfig(shopifyAppSecret=auto.ConfigValue("from-config", secret=True))
    assert client_secret({"SHOPIFY_CLIENT_SECRET": "from-env"}, stored) == ("from-env", [])
    assert client_secret({}, stored) == ("from-config", [])
    plain = FakeConfig(shopifyAppSecret=auto.ConfigValue("plain", secret=False))
    assert client_secret({}, plain) == (
        "plain",
        [
            "warning: shopifyAppSecret is stored in plain text; "
            "set it again with `pulumi config set --secret`."
        ],
    )
    with pytest.raises(shop_connect.ConnectError, match="No client secret: export SHOPIFY_CLIENT_SECRET"):
        client_secret({"SHOPIFY_CLIENT_SECRET": ""}, FakeConfig())
