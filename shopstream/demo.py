"""The README's demo, end to end: the emulator up; shops, tokens and an AEP org, client, schema and dataset
seeded; `pulumi up` of the `local` stack (the AEP pipeline, then subscriptions pointing at its inlet); what
Shopify now has; then an `orders/create` event in a shop and the record it became in the AEP dataset.

Everything it keeps lives in `.demo/` inside the checkout (file backend, Pulumi home, passphrase, emulator
state), so it never touches the user's own Pulumi login and a second run shows "no changes".
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from shopstream.emulator.control_client import ControlClient, ControlClientError
from shopstream.providers.shopify.client import ShopifyAdminClient
from shopstream.shopify_api.topics import scope_alternatives
from shopstream.stackfile.load import load_stack_file, stack_file_path
from shopstream.stackfile.model import StackSpec
from shopstream.toolchain import PULUMI, REPO, VENV_BIN, pulumi_environment, require_toolchain

STACK = "local"
DEMO_DIR = REPO / ".demo"
# The port the local stack file points at (stacks/local.yaml: endpoint, ims_url, platform_url).
PORT = 8787
EMULATOR_URL = f"http://127.0.0.1:{PORT}"
STARTUP_SECONDS = 20


def step(message: str) -> None:
    print(f"\n==> {message}", flush=True)


def require_free_port(port: int, host: str = "127.0.0.1") -> None:
    """Refuse to run against whatever already listens on the demo's port: the local stack would deploy
    into it (another emulator, or a stranger), not into the emulator the demo starts and seeds."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            raise SystemExit(
                f"demo: port {port} on {host} is already in use, and stacks/local.yaml points the local "
                f"stack at it; stop what listens there (`ss -ltnp 'sport = :{port}'` shows it, often an "
                "emulator left from an earlier run) and run the demo again."
            ) from None


@contextmanager
def running_emulator() -> Iterator[ControlClient]:
    """`python -m shopstream.emulator serve` in the background (the documented command), stopped on the way
    out."""
    require_free_port(PORT)
    DEMO_DIR.mkdir(exist_ok=True)
    command = [
        str(VENV_BIN / "python"), "-m", "shopstream.emulator", "serve",
        "--port", str(PORT), "--state-file", str(DEMO_DIR / "emulator.json"),
    ]  # fmt: skip
    with open(DEMO_DIR / "emulator.log", "w") as log:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
    control = ControlClient(EMULATOR_URL)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                raise SystemExit(
                    f"demo: the emulator did not start (see {DEMO_DIR / 'emulator.log'}); "
                    f"is port {PORT} in use? stacks/local.yaml points at it, so stop what listens there."
                )
            try:
                control.call("GET", "/health")
                break
            except (requests.ConnectionError, ControlClientError):
                if time.monotonic() > deadline:
                    raise SystemExit(
                        f"demo: the emulator did not answer on {EMULATOR_URL} within {STARTUP_SECONDS}s"
                    ) from None
                time.sleep(0.2)
        yield control
    finally:
        process.terminate()
        process.wait(timeout=10)


def scopes_for(spec: StackSpec, shop: str) -> list[str]:
    """The narrowest scope that grants each topic the stack wants for the shop."""
    wanted = next(s for s in spec.shops if s.name == shop).topics
    return sorted({min(scope_alternatives(t.topic), key=len) for t in wanted if scope_alternatives(t.topic)})


def seed_shops(control: ControlClient, spec: StackSpec, app_secret: str) -> dict[str, str]:
    """Each shop exists with a fresh token; a rerun rotates the tokens, which changes no resource."""
    tokens = {}
    for shop in spec.shops:
        try:
            control.create_shop(shop.name, client_secret=app_secret)
        except ControlClientError as error:
            if error.status != 409:
                raise
        scopes = scopes_for(spec, shop.name)
        tokens[shop.name] = control.create_token(shop.name, scopes)
        print(f"    shop {shop.domain}: token granted {', '.join(scopes)}")
    return tokens


def seed_platform(control: ControlClient, spec: StackSpec) -> str:
    """The org, OAuth client, schema and dataset the stack file names; returns a fresh client secret."""
    platform = spec.platform
    assert platform is not None, "stacks/local.yaml declares a platform section"
    aep = control.aep
    tenant, schema_hash = platform.schema_id.removeprefix("https://ns.adobe.com/").split("/schemas/")
    client_secret = secrets.token_urlsafe(24)
    if not any(o["kind"] == "datasets" for o in aep.objects(platform.ims_org, platform.sandbox)):
        aep.create_org(platform.ims_org, tenant=tenant, sandboxes=[platform.sandbox])
        aep.create_client(platform.ims_org, platform.client_id, client_secret)
        schema_id = aep.create_schema(platform.ims_org, platform.sandbox, "Shopify orders", schema_hash)
        aep.create_dataset(
            platform.ims_org, platform.sandbox, "shopify-orders", schema_id, platform.dataset_id
        )
    else:  # like rotating a token: no resource changes
        aep.rotate_client_secret(platform.client_id, client_secret)
    print(f"    AEP org {platform.ims_org}, sandbox {platform.sandbox}, dataset {platform.dataset_id}")
    return client_secret


def read_or_create_secret(path: Path) -> str:
    if not path.exists():
        path.write_text(secrets.token_hex(16))
        path.chmod(0o600)
    return path.read_text().strip()


def pulumi(env: dict[str, str], *args: str, stdin: str | None = None, quiet: bool = False) -> None:
    result = subprocess.run(
        [str(PULUMI), *args], cwd=REPO, env=env, input=stdin, text=True, check=False,
        capture_output=quiet,
    )  # fmt: skip
    if result.returncode != 0:
        detail = (result.stdout or "") + (result.stderr or "") if quiet else ""
        raise SystemExit(
            f"demo: `pulumi {' '.join(args)}` failed (exit {result.returncode}). {detail}".strip()
        )


def show_subscriptions(spec: StackSpec, tokens: dict[str, str]) -> None:
    print(f"    {'shop':<10} {'topic':<18} {'id':<15} address")
    for shop in spec.shops:
        client = ShopifyAdminClient(
            spec.shop_base_url(shop.name), spec.api_version, tokens[shop.name], shop.name
        )
        for webhook in sorted(client.list_webhooks(), key=lambda w: str(w["topic"])):
            print(f"    {shop.name:<10} {webhook['topic']:<18} {webhook['id']!s:<15} {webhook['address']}")


def send_order(control: ControlClient, spec: StackSpec) -> None:
    platform = spec.platform
    assert platform is not None
    shop = spec.shops[0].name
    order = {
        "id": 5820982911946154508 + int(time.time()),
        "email": "jon@example.com",
        "total_price": "199.00",
        "currency": "EUR",
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
        "updated_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
        "line_items": [{"title": "IPod Nano - 8GB", "quantity": 1, "price": "199.00"}],
    }
    event = control.trigger_event(shop, "orders/create", order, wait=15)
    for delivery in event["deliveries"]:
        codes = ", ".join(str(a["status_code"]) for a in delivery["attempts"])
        print(f"    delivered to {delivery['address']} (HTTP {codes}, {delivery['status']})")
    records = [r for r in control.aep.records(platform.dataset_id) if str(order["id"]) in str(r.get("_id"))]
    print(f"    dataset {platform.dataset_id} now holds {len(records)} record(s) for order {order['id']}:")
    for record in records:
        print(textwrap.indent(json.dumps(record, indent=2), "      "))


def main() -> int:
    require_toolchain()
    spec = load_stack_file(stack_file_path(REPO, STACK))
    DEMO_DIR.mkdir(exist_ok=True)
    passphrase = DEMO_DIR / "passphrase"
    if not passphrase.exists():
        # A new passphrase cannot read the old stack config, which the demo alone wrote (emulator secrets).
        (REPO / "stacks" / f"Pulumi.{STACK}.yaml").unlink(missing_ok=True)
    read_or_create_secret(passphrase)
    # Kept across runs so the pipeline's base connection (which holds it) does not change every time.
    app_secret = read_or_create_secret(DEMO_DIR / "shopify-app-secret")
    with running_emulator() as control:
        step(f"Emulator on {EMULATOR_URL}: seeding Shopify shops with Admin API tokens, and AEP")
        tokens = seed_shops(control, spec, app_secret)
        aep_client_secret = seed_platform(control, spec)
        # No backend URL: the demo logs in, as a user would, but with its own Pulumi home.
        env = pulumi_environment(
            os.environ, home=DEMO_DIR / "pulumi-home", backend_url=None, passphrase_file=passphrase
        )
        step(f"pulumi login to a file backend inside the checkout ({DEMO_DIR / 'backend'})")
        (DEMO_DIR / "backend").mkdir(exist_ok=True)
        pulumi(env, "login", f"file://{DEMO_DIR / 'backend'}", quiet=True)
        pulumi(env, "stack", "select", "--create", STACK, quiet=True)
        secret_config = {f"shopifyTokens.{shop}": token for shop, token in tokens.items()}
        secret_config |= {"aepClientSecret": aep_client_secret, "shopifyAppSecret": app_secret}
        for key, value in secret_config.items():
            pulumi(env, "config", "set", "--secret", "--path", key, stdin=value, quiet=True)
        step(f"pulumi up of the `{STACK}` stack ({spec.path.relative_to(REPO)})")
        pulumi(env, "up", "--yes", "--non-interactive")
        step("What Shopify has now (read back through the Admin API)")
        show_subscriptions(spec, tokens)
        step(f"An order is placed in {spec.shops[0].domain}: Shopify delivers orders/create to the inlet")
        send_order(control, spec)
    print(
        "\nDone. Run the demo again: the second `pulumi up` reports no changes."
        "\nTo use the CLI on this stack yourself: source .venv/bin/activate;"
        f" export PULUMI_HOME={DEMO_DIR}/pulumi-home PULUMI_CONFIG_PASSPHRASE_FILE={passphrase};"
        " and start the emulator with"
        f" `python -m shopstream.emulator serve --port {PORT} --state-file {DEMO_DIR}/emulator.json`."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
