"""`shopstream shop connect --client-credentials` end to end: the real CLI process, a real Pulumi stack, the
emulator's client credentials grant. A good run stores the client secret (never a token) as a Pulumi secret;
every refusal stores nothing (the stack's config file is byte for byte unchanged)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from tests.e2e.worlds import ShopifyWorld

SHOP = "acme-eu"
CLIENT_ID = "dev-dashboard-app"
CLIENT_SECRET = "dev-dashboard-secret-0123456789"
TOPICS = {SHOP: ["orders/create", "products/update"], "acme-us": ["orders/create"]}


def run_connect(
    world: ShopifyWorld, *args: str, stdin: str = CLIENT_SECRET + "\n"
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in world.project.env.items() if k != "SHOPIFY_CLIENT_SECRET"}
    command = [sys.executable, "-m", "shopstream", "--project-dir", str(world.project.root)]
    command += ["shop", "connect", "--stack", world.project.stack, "--shop", SHOP, "--client-credentials"]
    return subprocess.run(
        [*command, *args],
        cwd=world.project.root,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def stack_config(world: ShopifyWorld) -> bytes:
    return (world.project.root / "stacks" / f"Pulumi.{world.project.stack}.yaml").read_bytes()


def stack_file(world: ShopifyWorld, client_id: str | None = CLIENT_ID) -> dict[str, Any]:
    desired = world.stack_file(TOPICS)
    if client_id is not None:
        desired["shops"][SHOP]["client_id"] = client_id
    return desired


@pytest.fixture
def cc_world(world: ShopifyWorld) -> ShopifyWorld:
    """acme-eu has a Dev Dashboard app (client id and secret) installed with read_orders and read_products."""
    world.emulator.control.create_app(
        SHOP,
        "dev-app",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        scopes=["read_orders", "read_products"],
    )
    world.project.init({"acme-us": world.tokens["acme-us"]})
    world.project.write_stack_file(stack_file(world))
    return world


def test_stores_the_client_secret_after_checking_the_grant_and_the_scopes(cc_world: ShopifyWorld) -> None:
    world = cc_world
    finished = run_connect(world)
    output = finished.stdout + finished.stderr
    assert finished.returncode == 0, output
    assert f"installed on shop {SHOP} (scopes: read_orders, read_products)" in finished.stdout
    assert f"shopifyClientSecrets.{SHOP}" in finished.stdout
    stored = world.project.run("config", "get", "--path", f"shopifyClientSecrets.{SHOP}").check()
    assert stored.stdout.strip() == CLIENT_SECRET
    config_text = stack_config(world).decode()
    assert "secure:" in config_text and CLIENT_SECRET not in config_text  # stored encrypted
    assert CLIENT_SECRET not in output and "shpat_" not in output
    grants = [r for r in world.emulator.control.requests(SHOP) if r["path"] == "/admin/oauth/access_token"]
    assert [r["status"] for r in grants] == [200]


def test_app_wide_stores_one_secret_for_every_shop(cc_world: ShopifyWorld) -> None:
    finished = run_connect(cc_world, "--app-wide")
    assert finished.returncode == 0, finished.stdout + finished.stderr
    stored = cc_world.project.run("config", "get", "shopifyClientSecret").check()
    assert stored.stdout.strip() == CLIENT_SECRET


def test_a_wrong_secret_stores_nothing_and_never_prints_it(cc_world: ShopifyWorld) -> None:
    before = stack_config(cc_world)
    wrong = "wrong-secret-aaaaaaaaaaaaaaaa"
    finished = run_connect(cc_world, stdin=wrong + "\n")
    assert finished.returncode != 0
    assert "invalid_client" in finished.stderr and "Nothing was stored" in finished.stderr
    assert wrong not in finished.stdout + finished.stderr and "Traceback" not in finished.stderr
    assert stack_config(cc_world) == before


def test_an_app_not_installed_stores_nothing(cc_world: ShopifyWorld) -> None:
    cc_world.emulator.control.update_app(SHOP, "dev-app", installed=False)
    before = stack_config(cc_world)
    finished = run_connect(cc_world)
    assert finished.returncode != 0 and "not installed on this shop" in finished.stderr
    assert stack_config(cc_world) == before


def test_scopes_that_do_not_cover_the_topics_store_nothing(cc_world: ShopifyWorld) -> None:
    cc_world.emulator.control.update_app(SHOP, "dev-app", scopes=["read_orders"])
    before = stack_config(cc_world)
    finished = run_connect(cc_world)
    assert finished.returncode != 0
    assert "products/update needs read_products" in finished.stderr and "Dev Dashboard" in finished.stderr
    assert stack_config(cc_world) == before


def test_a_client_id_flag_that_contradicts_the_stack_file_is_refused(cc_world: ShopifyWorld) -> None:
    before = stack_config(cc_world)
    finished = run_connect(cc_world, "--client-id", "another-app")
    assert finished.returncode != 0 and "is not the client_id dev-dashboard-app" in finished.stderr
    assert stack_config(cc_world) == before


def test_no_secret_on_stdin_stores_nothing(cc_world: ShopifyWorld) -> None:
    before = stack_config(cc_world)
    finished = run_connect(cc_world, stdin="")
    assert finished.returncode != 0 and "No client secret was given" in finished.stderr
    assert stack_config(cc_world) == before
