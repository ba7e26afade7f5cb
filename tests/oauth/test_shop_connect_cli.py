"""`shopstream shop connect` end to end: the real CLI process, a real Pulumi stack, the emulator's OAuth.

A good callback stores a working token as the stack secret shopifyTokens.<shop>; every refused callback
stores nothing (the stack's config file is byte for byte unchanged)."""

from __future__ import annotations

import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest
import requests

from shopstream.shopify_api import oauth
from tests.e2e.worlds import ShopifyWorld

SHOP = "acme-eu"
CLIENT_ID = "cid-shopstream"
CLIENT_SECRET = "connector-secret-0123456789"
REDIRECT = "http://127.0.0.1:9/shopify/callback"  # paste mode: nothing listens there
TOPICS = {SHOP: ["orders/create", "products/update"], "acme-us": ["orders/create"]}


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class ConnectRun:
    """`python -m shopstream shop connect …` as a child process; its stdout is read line by line."""

    def __init__(self, world: ShopifyWorld, *args: str, secret_in_env: bool = True) -> None:
        env = {k: v for k, v in world.project.env.items() if k != "SHOPIFY_CLIENT_SECRET"}
        if secret_in_env:
            env["SHOPIFY_CLIENT_SECRET"] = CLIENT_SECRET
        env["PYTHONUNBUFFERED"] = "1"
        command = [sys.executable, "-m", "shopstream", "--project-dir", str(world.project.root)]
        command += ["shop", "connect", "--stack", world.project.stack, "--shop", SHOP, *args]
        self.process = subprocess.Popen(
            command,
            cwd=world.project.root,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def authorize_url(self, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while True:
            line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            if line is None:
                raise AssertionError(f"no authorize URL; output: {''.join(self.seen)}{self.finish().stderr}")
            self.seen.append(line)
            if "/admin/oauth/authorize?" in line:
                return line.strip()

    def finish(self, pasted: str | None = None, timeout: float = 120) -> Finished:
        assert self.process.stdin is not None and self.process.stderr is not None
        if pasted is not None:
            self.process.stdin.write(pasted + "\n")
        self.process.stdin.close()
        self.process.wait(timeout=timeout)
        self.reader.join(timeout=10)
        while True:
            line = self.lines.get_nowait() if not self.lines.empty() else None
            if line is None:
                break
            self.seen.append(line)
        return Finished(self.process.returncode, "".join(self.seen), self.process.stderr.read())


@pytest.fixture
def connect_world(world: ShopifyWorld) -> ShopifyWorld:
    """acme-us has a token already; acme-eu gets an OAuth app and no token yet."""
    world.emulator.control.call(
        "POST",
        f"/shops/{SHOP}/apps",
        {
            "name": "connector",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_urls": [REDIRECT],
        },
    )
    world.project.init({"acme-us": world.tokens["acme-us"]})
    world.project.write_stack_file(world.stack_file(TOPICS))
    return world


def stack_config(world: ShopifyWorld) -> bytes:
    # Pulumi.yaml sets stackConfigDir: stacks
    return (world.project.root / "stacks" / f"Pulumi.{world.project.stack}.yaml").read_bytes()


def stored_token(world: ShopifyWorld) -> str | None:
    result = world.project.run("config", "get", "--path", f"shopifyTokens.{SHOP}")
    return result.stdout.strip() if result.returncode == 0 else None


def follow_authorize(url: str) -> list[tuple[str, str]]:
    """What the merchant's browser does: open the URL; the emulator approves and redirects."""
    response = requests.get(url, allow_redirects=False, timeout=30)
    assert response.status_code == 302, response.text
    return oauth.parse_query(response.headers["Location"])


def as_redirect_url(pairs: list[tuple[str, str]]) -> str:
    parts = urlsplit(REDIRECT)
    return urlunsplit(parts._replace(query=urlencode(pairs)))


def resigned(pairs: list[tuple[str, str]], **changes: str) -> list[tuple[str, str]]:
    """The callback with some values changed and a valid hmac again (as if signed with the app secret)."""
    unsigned = [(k, changes.get(k, v)) for k, v in pairs if k != "hmac"]
    return [*unsigned, ("hmac", oauth.sign_query(unsigned, CLIENT_SECRET))]


def exchanges(world: ShopifyWorld) -> list[dict[str, object]]:
    return [r for r in world.emulator.control.requests(SHOP) if r["path"] == "/admin/oauth/access_token"]


def assert_no_secret_printed(finished: Finished, *secrets: str) -> None:
    for value in (CLIENT_SECRET, *secrets):
        assert value not in finished.output


# --- the good path ------------------------------------------------------------------------------------


def test_paste_mode_stores_a_working_token(connect_world: ShopifyWorld) -> None:
    world = connect_world
    # Client id and secret from the stack config this time (no flag, no environment variable).
    world.project.run("config", "set", "shopifyClientId", CLIENT_ID).check()
    world.project.run("config", "set", "--secret", "shopifyAppSecret", stdin=CLIENT_SECRET).check()
    run = ConnectRun(world, "--redirect-uri", REDIRECT, "--paste", "--no-open-browser", secret_in_env=False)
    url = run.authorize_url()
    query = dict(oauth.parse_query(url))
    assert url.startswith(f"{world.emulator.shop_url(SHOP)}/admin/oauth/authorize?")
    # Scopes derived from the stack file's topics for the shop; a fresh random state.
    assert query["client_id"] == CLIENT_ID and query["scope"] == "read_orders,read_products"
    assert query["redirect_uri"] == REDIRECT and len(query["state"]) >= 32
    callback = follow_authorize(url)

    finished = run.finish(as_redirect_url(callback))

    assert finished.returncode == 0, finished.output
    assert (
        f"Stored the access token for shop {SHOP} (scopes: read_orders,read_products)".replace(",", ", ")
        in finished.stdout
    )
    token = stored_token(world)
    assert token is not None and token.startswith("shpat_")
    assert_no_secret_printed(finished, token, dict(callback)["code"])
    config_text = stack_config(world).decode()
    assert "secure:" in config_text and token not in config_text  # stored encrypted
    scopes = requests.get(
        f"{world.emulator.shop_url(SHOP)}/admin/oauth/access_scopes.json",
        headers={"X-Shopify-Access-Token": token},
        timeout=10,
    )
    assert scopes.status_code == 200
    assert scopes.json() == {"access_scopes": [{"handle": "read_orders"}, {"handle": "read_products"}]}
    # The other shop's token is untouched.
    other = world.project.run("config", "get", "--path", "shopifyTokens.acme-us").check()
    assert other.stdout.strip() == world.tokens["acme-us"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_listener_mode_catches_the_redirect(connect_world: ShopifyWorld) -> None:
    world = connect_world
    redirect = f"http://127.0.0.1:{free_port()}/shopify/callback"
    world.emulator.control.call("PATCH", f"/shops/{SHOP}/apps/connector/oauth", {"redirect_urls": [redirect]})
    run = ConnectRun(world, "--client-id", CLIENT_ID, "--redirect-uri", redirect, "--timeout", "60")
    url = run.authorize_url()
    browser: dict[str, requests.Response] = {}
    # The "browser": follows the authorize redirect on to the local listener.
    follower = threading.Thread(target=lambda: browser.update(page=requests.get(url, timeout=30)))
    follower.start()

    finished = run.finish()
    follower.join(timeout=30)

    assert finished.returncode == 0, finished.output
    assert f"Waiting up to 60 seconds for the redirect to {redirect}" in finished.stdout
    page = browser["page"]
    assert page.status_code == 200 and "You can close this tab" in page.text
    assert page.url.startswith(redirect + "?code=")
    token = stored_token(world)
    assert token is not None and token.startswith("shpat_")
    assert_no_secret_printed(finished, token)


# --- refusals: nothing stored ---------------------------------------------------------------------------


def bad_hmac(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    def flip(digest: str) -> str:  # one hex digit changed
        return digest[:-1] + ("1" if digest.endswith("0") else "0")

    return [(k, flip(v) if k == "hmac" else v) for k, v in pairs]


def wrong_state(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return resigned(pairs, state="a-state-from-another-attempt")


def stale_timestamp(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return resigned(pairs, timestamp=str(int(time.time()) - 600))


def foreign_shop(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return resigned(pairs, shop=f"{SHOP}.myshopify.com.evil.example")


@pytest.mark.parametrize(
    ("tamper", "message", "exchanged"),
    [
        (bad_hmac, "The callback's hmac does not match its parameters", False),
        (wrong_state, "The callback's state does not match the one this authorization sent", False),
        (stale_timestamp, "seconds away from now (more than 90 allowed), so it is stale or replayed", False),
        (foreign_shop, "which is not a {shop}.myshopify.com domain", False),
        (None, "granted only the scopes read_orders, which do not cover the stack's topics", True),
    ],
    ids=["bad-hmac", "wrong-state", "stale-timestamp", "shop-outside-pattern", "missing-scopes"],
)
def test_a_refused_callback_stores_nothing(
    connect_world: ShopifyWorld,
    tamper: Callable[[list[tuple[str, str]]], list[tuple[str, str]]] | None,
    message: str,
    exchanged: bool,
) -> None:
    world = connect_world
    if tamper is None:  # the merchant unticks read_products
        world.emulator.control.call("PUT", "/oauth/settings", {"withhold_scopes": ["read_products"]})
    before = stack_config(world)
    run = ConnectRun(world, "--client-id", CLIENT_ID, "--redirect-uri", REDIRECT, "--paste")
    callback = follow_authorize(run.authorize_url())
    pasted = tamper(callback) if tamper else callback

    finished = run.finish(as_redirect_url(pasted))

    assert finished.returncode == 1, finished.output
    lines = finished.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("shopstream: ") and message in lines[0], finished.stderr
    assert "Traceback" not in finished.output
    assert stack_config(world) == before
    assert stored_token(world) is None
    # Only a verified callback's code is exchanged.
    assert len(exchanges(world)) == (1 if exchanged else 0)
    assert_no_secret_printed(finished, dict(callback)["code"])


def test_without_a_client_secret_nothing_starts(connect_world: ShopifyWorld) -> None:
    run = ConnectRun(connect_world, "--client-id", CLIENT_ID, "--paste", secret_in_env=False)
    finished = run.finish()
    assert finished.returncode == 1
    assert finished.stderr.strip() == (
        "shopstream: No client secret: export SHOPIFY_CLIENT_SECRET, or store it with "
        "`pulumi config set --secret shopifyAppSecret --stack e2e` (it is never a flag)."
    )
    assert "/admin/oauth/authorize" not in finished.stdout


def test_the_client_secret_is_never_a_flag(connect_world: ShopifyWorld) -> None:
    run = ConnectRun(connect_world, "--client-secret", CLIENT_SECRET, "--paste")
    finished = run.finish()
    assert finished.returncode == 2 and "No such option '--client-secret'" in finished.stderr


def test_nothing_pasted_stores_nothing(connect_world: ShopifyWorld) -> None:
    before = stack_config(connect_world)
    run = ConnectRun(connect_world, "--client-id", CLIENT_ID, "--redirect-uri", REDIRECT, "--paste")
    run.authorize_url()
    finished = run.finish("")
    assert finished.returncode == 1
    assert "shopstream: No callback URL was pasted, so nothing was stored." in finished.stderr
    assert stack_config(connect_world) == before
