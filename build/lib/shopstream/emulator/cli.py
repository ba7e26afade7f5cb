"""Command line: ``python -m shopstream.emulator serve --host 127.0.0.1 --port 8787 [--state-file PATH]
[--bucket-size 40 --leak-rate 2] [--seed FILE] [--delivery-retry-schedule 60,120,...]
[--delivery-time-scale 1] [--delivery-connect-timeout 1 --delivery-timeout 5] [--delivery-allow-remote]
[--faults FILE.json] [--graphql-bucket-size 2000 --graphql-restore-rate 100 --graphql-max-query-cost 1000]
[--token-lifetime 86399]``. It stops cleanly (state saved, exit 0) on SIGINT or SIGTERM."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from shopstream.emulator.delivery_model import DeliverySettings, SettingsError
from shopstream.emulator.fault_model import FaultConfigError
from shopstream.emulator.faults import load_config_file
from shopstream.emulator.graphql_cost import (
    DEFAULT_MAX_QUERY_COST,
    DEFAULT_MAXIMUM_AVAILABLE,
    DEFAULT_RESTORE_RATE,
)
from shopstream.emulator.oauth import DEFAULT_TOKEN_LIFETIME
from shopstream.emulator.seed import SeedError
from shopstream.emulator.server import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    build_app,
    make_emulator_server,
    serve_until_signalled,
)
from shopstream.emulator.state import CostLimit, StateFileError
from shopstream.shopify_api.ratelimit import DEFAULT_BUCKET_SIZE, DEFAULT_LEAK_RATE


@click.group()
def main() -> None:
    """Local emulator of the Shopify Admin API (webhook subscriptions)."""


@main.command(short_help="Run the emulator's HTTP server.")
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    default=DEFAULT_PORT,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="0 = any free port.",
)
@click.option(
    "--state-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keep state in this JSON file (loaded at start, rewritten after every change).",
)
@click.option(
    "--bucket-size",
    default=DEFAULT_BUCKET_SIZE,
    show_default=True,
    type=click.IntRange(min=1),
    help="REST leaky bucket size per shop and app.",
)
@click.option(
    "--leak-rate",
    default=DEFAULT_LEAK_RATE,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="REST bucket leak rate, requests per second.",
)
@click.option(
    "--seed",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML/JSON file of shops, apps and tokens to create (see shopstream/emulator/seed.py).",
)
@click.option(
    "--delivery-retry-schedule",
    help="Webhook retry delays in seconds, comma-separated ('' = no retries). "
    "Default: 8 retries doubling from 60 s (about 4 h).",
)
@click.option(
    "--delivery-time-scale",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Multiply every retry delay (0.001 turns hours into seconds).",
)
@click.option(
    "--delivery-connect-timeout",
    default=DeliverySettings.connect_timeout,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Webhook delivery connect timeout, seconds.",
)
@click.option(
    "--delivery-timeout",
    default=DeliverySettings.timeout,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Webhook delivery total timeout, seconds.",
)
@click.option(
    "--delivery-allow-remote",
    is_flag=True,
    help="Deliver webhooks to non-loopback addresses too (default: loopback only).",
)
@click.option(
    "--faults",
    "faults_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Inject faults from the start: a JSON file {seed, rules} (see shopstream/emulator/faults.py); "
    "/_control/reset comes back to it.",
)
@click.option(
    "--graphql-bucket-size",
    default=DEFAULT_MAXIMUM_AVAILABLE,
    show_default=True,
    type=click.IntRange(min=1),
    help="GraphQL points bucket per shop and app (maximumAvailable).",
)
@click.option(
    "--graphql-restore-rate",
    default=DEFAULT_RESTORE_RATE,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="GraphQL points restored per second.",
)
@click.option(
    "--graphql-max-query-cost",
    default=DEFAULT_MAX_QUERY_COST,
    show_default=True,
    type=click.IntRange(min=1),
    help="Single-query cost cap (MAX_COST_EXCEEDED above it or above the bucket).",
)
@click.option(
    "--token-lifetime",
    default=DEFAULT_TOKEN_LIFETIME,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds a client-credentials access token lives.",
)
def serve(
    host: str,
    port: int,
    state_file: Path | None,
    bucket_size: int,
    leak_rate: float,
    seed: Path | None,
    delivery_retry_schedule: str | None,
    delivery_time_scale: float,
    delivery_connect_timeout: float,
    delivery_timeout: float,
    delivery_allow_remote: bool,
    faults_file: Path | None,
    graphql_bucket_size: int,
    graphql_restore_rate: float,
    graphql_max_query_cost: int,
    token_lifetime: float,
) -> None:
    """Serve the Admin API at /shops/{shop}/admin/... and the control surface at /_control."""
    changes: dict[str, Any] = {
        "time_scale": delivery_time_scale,
        "connect_timeout": delivery_connect_timeout,
        "timeout": delivery_timeout,
        "allow_remote": delivery_allow_remote,
    }
    if delivery_retry_schedule is not None:
        changes["retry_schedule"] = delivery_retry_schedule
    try:
        delivery_settings = DeliverySettings().updated(changes)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        faults = load_config_file(faults_file) if faults_file is not None else None
    except FaultConfigError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        app = build_app(
            state_file=state_file,
            bucket_size=bucket_size,
            leak_rate=leak_rate,
            seed=seed,
            delivery_settings=delivery_settings,
            faults=faults,
            cost_limit=CostLimit(graphql_bucket_size, graphql_restore_rate, graphql_max_query_cost),
            token_lifetime=token_lifetime,
        )
    except (StateFileError, SeedError) as exc:
        raise click.ClickException(str(exc)) from None
    try:
        server = make_emulator_server(app, host, port)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    url = f"http://{host}:{server.port}"
    banner = f"Shopify Admin API emulator on {url}  (shops: {url}/shops/{{shop}}, control: {url}/_control)"
    # The banner comes once the stop signals are handled: whoever reads it may signal at once.
    serve_until_signalled(server, app, on_ready=lambda: click.echo(banner, err=True))
