"""The README's demo, end to end: emulator up, shops and tokens seeded, `pulumi up` of the `local` stack,
then what Shopify now has.

Everything it keeps lives in `.demo/` inside the checkout (file backend, Pulumi home, passphrase, emulator
state), so it never touches the user's own Pulumi login and a second run shows "no changes".
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests

from emulator.control_client import ControlClient, ControlClientError
from providers.shopify.client import ShopifyAdminClient
from shopify_api.topics import scope_alternatives
from shopstream.toolchain import PULUMI, REPO, VENV_BIN, pulumi_environment, require_toolchain
from stackfile.load import load_stack_file, stack_file_path
from stackfile.model import StackSpec

STACK = "local"
DEMO_DIR = REPO / ".demo"
PORT = int(os.environ.get("SHOPSTREAM_DEMO_PORT", "8787"))
EMULATOR_URL = f"http://127.0.0.1:{PORT}"
STARTUP_SECONDS = 20


def step(message: str) -> None:
    print(f"\n==> {message}", flush=True)


@contextmanager
def running_emulator() -> Iterator[ControlClient]:
    """`python -m emulator serve` in the background (the documented command), stopped on the way out."""
    DEMO_DIR.mkdir(exist_ok=True)
    command = [
        str(VENV_BIN / "python"), "-m", "emulator", "serve",
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
                    f"is port {PORT} in use? Set SHOPSTREAM_DEMO_PORT to another port."
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


def seed_shops(control: ControlClient, spec: StackSpec) -> dict[str, str]:
    """Each shop exists with a fresh token; a rerun rotates the tokens, which changes no resource."""
    tokens = {}
    for shop in spec.shops:
        try:
            control.create_shop(shop.name)
        except ControlClientError as error:
            if error.status != 409:
                raise
        tokens[shop.name] = control.create_token(shop.name, scopes_for(spec, shop.name))
        print(f"    shop {shop.domain}: token granted {', '.join(scopes_for(spec, shop.name))}")
    return tokens


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


def main() -> int:
    require_toolchain()
    spec = load_stack_file(stack_file_path(REPO, STACK))
    passphrase = DEMO_DIR / "passphrase"
    with running_emulator() as control:
        step(f"Shopify emulator on {EMULATOR_URL}: seeding shops and Admin API tokens")
        tokens = seed_shops(control, spec)
        if not passphrase.exists():
            passphrase.write_text(secrets.token_urlsafe(24))
            passphrase.chmod(0o600)
        # No backend URL: the demo logs in, as a user would, but with its own Pulumi home.
        env = pulumi_environment(
            os.environ, home=DEMO_DIR / "pulumi-home", backend_url=None, passphrase_file=passphrase
        )
        step(f"pulumi login to a file backend inside the checkout ({DEMO_DIR / 'backend'})")
        (DEMO_DIR / "backend").mkdir(exist_ok=True)
        pulumi(env, "login", f"file://{DEMO_DIR / 'backend'}", quiet=True)
        pulumi(env, "stack", "select", "--create", STACK, quiet=True)
        for shop, token in tokens.items():
            pulumi(
                env, "config", "set", "--secret", "--path", f"shopifyTokens.{shop}", stdin=token, quiet=True
            )
        step(f"pulumi up of the `{STACK}` stack ({spec.path.relative_to(REPO)})")
        pulumi(env, "up", "--yes", "--non-interactive")
        step("What Shopify has now (read back through the Admin API)")
        show_subscriptions(spec, tokens)
    print(
        "\nDone. Run the demo again: the second `pulumi up` reports no changes."
        "\nTo use the CLI on this stack yourself: source .venv/bin/activate;"
        f" export PULUMI_HOME={DEMO_DIR}/pulumi-home PULUMI_CONFIG_PASSPHRASE_FILE={passphrase};"
        " and start the emulator with"
        f" `python -m emulator serve --port {PORT} --state-file {DEMO_DIR}/emulator.json`."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
