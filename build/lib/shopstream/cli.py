"""`shopstream`: the operator commands (previews for pull requests, guarded up, drift), on Pulumi's
Automation API and the project's own toolchain. It never prints a secret.

Exit codes (shopstream.exit_codes, the README's table): 0 success; 1 error (a clear message on stderr);
2 changes (`preview --detailed-exitcode`) or drift (`drift`); 3 a guardrail stopped a destructive plan
(`up`, unless --allow-destructive); 4 an interrupted update left a lock or pending operations (`up`).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import click

from shopstream import shop_connect
from shopstream.automation import StackError
from shopstream.deploy import UpOptions, up_stack
from shopstream.drift import DriftError, collect_drift, delete_unmanaged, render_table
from shopstream.exit_codes import EXIT_CHANGES, EXIT_ERROR, worst
from shopstream.guardrails import DEFAULT_MAX_DESTRUCTIVE_SHARE
from shopstream.plan import StackPlan
from shopstream.previews import preview_plan
from shopstream.render import as_json, markdown
from shopstream.shopify_api.oauth import OAuthError
from shopstream.stackfile.errors import StackFileError
from shopstream.toolchain import ToolchainMissing

OUT_FILE = click.Path(dir_okay=False, path_type=Path)
# Changes outside stacks/ that can change every stack's plan.
CODE_PATHS = (
    "shopstream/",
    "providers/",
    "__main__.py",
    "Pulumi.yaml",
    "requirements",
    "pyproject.toml",
)
_print_lock = threading.Lock()


def fail(message: str, code: int = EXIT_ERROR) -> None:
    click.echo(f"shopstream: {message}", err=True)
    sys.exit(code)


def progress_for(stack: str) -> Callable[[str], None]:
    """Progress lines on stderr, one per event worth knowing, prefixed with the stack."""

    def say(line: str) -> None:
        with _print_lock:
            click.echo(f"[{stack}] {line}", err=True)

    return say


def all_stacks(project_dir: Path) -> list[str]:
    return sorted(p.stem for p in (project_dir / "stacks").glob("*.yaml") if not p.name.startswith("Pulumi."))


def stacks_changed_since(project_dir: Path, ref: str) -> list[str]:
    """Stacks whose stack file or Pulumi config changed since `ref`; every stack when shared code changed."""
    result = subprocess.run(
        ["git", "diff", "--name-only", f"{ref}...HEAD", "--", "."],
        cwd=project_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        fail(f"cannot list the files changed since {ref}: {result.stderr.strip()}")
    changed = result.stdout.split()
    known = all_stacks(project_dir)
    if any(path.startswith(CODE_PATHS) for path in changed):
        return known
    names = set()
    for path in changed:
        if path.startswith("stacks/"):
            stem = Path(path).stem
            names.add(stem.removeprefix("Pulumi."))
    return sorted(names & set(known))


def version_text() -> str:
    try:
        return f"shopstream {importlib.metadata.version('shopstream')}"
    except importlib.metadata.PackageNotFoundError:
        return "shopstream (not installed: version unknown)"


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(version_text())
        ctx.exit()


REFRESH_OPTION = click.option(
    "--refresh/--no-refresh",
    default=True,
    show_default=True,
    help="Read what Shopify and AEP have first, so drift is part of the plan.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Print the version and exit.",
)
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path.cwd,
    show_default="the current directory",
    help="The directory holding Pulumi.yaml and stacks/.",
)
@click.pass_context
def main(ctx: click.Context, project_dir: Path) -> None:
    """Operate shopstream stacks: previews, guarded deploys and drift detection."""
    if not (project_dir / "Pulumi.yaml").exists():
        fail(f"{project_dir} has no Pulumi.yaml; run from the project directory or pass --project-dir")
    ctx.obj = project_dir.resolve()


def _plan_or_error(project_dir: Path, name: str, refresh: bool) -> StackPlan:
    try:
        return preview_plan(project_dir, name, refresh=refresh, progress=progress_for(name))
    except (StackError, StackFileError, ToolchainMissing) as error:
        progress_for(name)(f"error: {error}")
        return StackPlan(stack=name, production=False, error=str(error))


@main.command()
@click.option("--stack", "stacks", multiple=True, help="A stack to preview (repeatable).")
@click.option(
    "--changed-since", metavar="REF", help="Preview the stacks whose files changed since this git ref."
)
@click.option("--markdown", "markdown_file", type=OUT_FILE, help="Write the Markdown here.")
@click.option("--json", "json_file", type=OUT_FILE, help="Write the JSON here.")
@REFRESH_OPTION
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 2 when a stack would change (0: no changes, 1: an error or a policy violation).",
)
@click.pass_obj
def preview(
    project_dir: Path,
    stacks: Sequence[str],
    changed_since: str | None,
    markdown_file: Path | None,
    json_file: Path | None,
    refresh: bool,
    detailed_exitcode: bool,
) -> None:
    """Preview stacks (refreshed first, with the policy pack) and render the result for a pull-request
    comment (Markdown) and for tools (JSON). Policy violations, unreachable endpoints and failed stacks
    are at the top; a violation or a failed stack exits 1."""
    names = list(stacks) or (stacks_changed_since(project_dir, changed_since) if changed_since else [])
    if not names and not changed_since:
        fail("name a --stack, or --changed-since REF")
    plans = [_plan_or_error(project_dir, name, refresh) for name in names]
    text = markdown(plans) if plans else "## shopstream preview\n\nNo stack is affected by this change.\n"
    if markdown_file:
        markdown_file.write_text(text)
    if json_file:
        json_file.write_text(json.dumps(as_json(plans), indent=2) + "\n")
    if not markdown_file:
        click.echo(text, nl=False)
    if any(plan.error is not None or plan.violations for plan in plans):
        sys.exit(EXIT_ERROR)
    if detailed_exitcode and any(plan.has_changes for plan in plans):
        sys.exit(EXIT_CHANGES)


def _prefixed(stack: str, echo: Callable[[str], None]) -> Callable[[str], None]:
    def say(text: str) -> None:
        with _print_lock:
            for line in text.rstrip("\n").splitlines() or [""]:
                echo(f"[{stack}] {line}")

    return say


@main.command()
@click.option("--stack", "stacks", multiple=True, help="The stack to update (repeatable).")
@click.option("--all", "all_", is_flag=True, help="Update every stack in stacks/.")
@click.option(
    "--parallel",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="How many stacks to update at once (their lines are prefixed with the stack).",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (needed for more than one stack).")
@click.option(
    "--allow-destructive",
    is_flag=True,
    help="Let a plan through that the guardrails would stop (mass delete or replace, dataflow replace).",
)
@click.option(
    "--max-destructive-share",
    type=click.FloatRange(0, 1),
    default=DEFAULT_MAX_DESTRUCTIVE_SHARE,
    show_default=True,
    help="The share of a production stack's subscriptions one up may delete or replace.",
)
@REFRESH_OPTION
@click.option(
    "--recover",
    is_flag=True,
    help="After a crash: remove a provably stale lock and clear pending creates, then go on.",
)
@click.pass_obj
def up(
    project_dir: Path,
    stacks: Sequence[str],
    all_: bool,
    parallel: int,
    yes: bool,
    allow_destructive: bool,
    max_destructive_share: float,
    refresh: bool,
    recover: bool,
) -> None:
    """Refresh, preview, check the policy pack and the guardrails, then `pulumi up` the stack with the
    policy pack (exit 3 when the guardrails stop it, 1 when a policy does, 4 when an interrupted update
    left the stack locked or with pending operations)."""
    names = all_stacks(project_dir) if all_ else list(dict.fromkeys(stacks))
    if not names:
        fail("name a --stack, or --all")
    if len(names) > 1 and not yes:
        fail("updating several stacks needs --yes (there is no prompt per stack)")
    options = UpOptions(
        yes, allow_destructive, max_destructive_share, refresh, recover, confirm=len(names) == 1
    )
    if len(names) == 1:
        [name] = names
        sys.exit(up_stack(project_dir, name, options, click.echo, lambda line: click.echo(line, err=True)))

    def one(name: str) -> int:
        out = _prefixed(name, click.echo)
        err = _prefixed(name, lambda line: click.echo(line, err=True))
        code = up_stack(project_dir, name, options, out, err)
        err(f"exit {code}")
        return code

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        codes = list(pool.map(one, names))
    sys.exit(worst(codes))


@main.command()
@click.option("--stack", "stacks", multiple=True, help="A stack to check (repeatable).")
@click.option("--all", "all_", is_flag=True, help="Check every stack in stacks/.")
@click.option("--json", "json_file", type=OUT_FILE, help="Also write the JSON here.")
@click.option(
    "--delete-unmanaged",
    "delete_ids",
    type=int,
    multiple=True,
    metavar="ID",
    help="Delete this unmanaged subscription (repeatable; only ids the report lists as unmanaged).",
)
@click.pass_obj
def drift(
    project_dir: Path, stacks: Sequence[str], all_: bool, json_file: Path | None, delete_ids: Sequence[int]
) -> None:
    """Report drift: resources that differ from the state, and subscriptions no stack owns.

    Exit 0: no drift; 2: drift; 1: an error (authentication, an endpoint that cannot be reached, a
    broken stack file). Repair with `shopstream up --stack <stack>` (printed below when needed), which
    refreshes and goes through the guardrails and the policy pack. Unmanaged subscriptions are only
    deleted when named with --delete-unmanaged.
    """
    names = all_stacks(project_dir) if all_ else list(stacks)
    if not names:
        fail("name a --stack, or --all")
    report = collect_drift(project_dir, names, progress=progress_for)
    click.echo(render_table(report))
    if json_file:
        json_file.write_text(json.dumps(report.as_json(), indent=2) + "\n")
    for stack in sorted({row.stack for row in report.rows}):
        click.echo(f"repair: shopstream up --stack {stack}")
    if delete_ids:
        try:
            for gone in delete_unmanaged(project_dir, report, delete_ids):
                click.echo(
                    f"deleted unmanaged subscription {gone.id} ({gone.shop} {gone.topic} -> {gone.address})"
                )
        except DriftError as error:
            fail(str(error))
    sys.exit(report.exit_code)


@main.group("shop")
def shop_group() -> None:
    """Connect shops: obtain their Admin API access tokens."""


@shop_group.command("connect")
@click.option("--stack", required=True, help="The stack whose secret config receives the token.")
@click.option("--shop", "shop", required=True, metavar="NAME", help="The shop handle, as in the stack file.")
@click.option(
    "--scopes", metavar="A,B", help="Scopes to request (default: what the stack's topics for the shop need)."
)
@click.option(
    "--client-id", metavar="ID", help="The app's client id (default: stack config shopifyClientId)."
)
@click.option(
    "--redirect-uri",
    default=shop_connect.DEFAULT_REDIRECT_URI,
    show_default=True,
    help="Where Shopify sends the browser back; must be one of the app's allowed redirect URLs.",
)
@click.option("--paste", is_flag=True, help="Paste the redirect URL instead of listening on 127.0.0.1.")
@click.option(
    "--open-browser/--no-open-browser",
    default=False,
    show_default=True,
    help="Open the authorize URL in the default browser (it is always printed).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=shop_connect.DEFAULT_TIMEOUT_SECONDS,
    show_default=True,
    help="Seconds the listener waits for the redirect.",
)
@click.option(
    "--client-credentials",
    is_flag=True,
    help="A Dev Dashboard app of the shop's organisation: check the client credentials grant and the scopes, "
    "and store the client secret (read from the prompt or stdin) as shopifyClientSecrets.<shop>.",
)
@click.option(
    "--app-wide",
    is_flag=True,
    help="With --client-credentials: store it as shopifyClientSecret (every shop).",
)
@click.pass_obj
def shop_connect_command(
    project_dir: Path,
    stack: str,
    shop: str,
    scopes: str | None,
    client_id: str | None,
    redirect_uri: str,
    paste: bool,
    open_browser: bool,
    timeout: float,
    client_credentials: bool,
    app_wide: bool,
) -> None:
    """Authorize the app on a shop (OAuth) and store the access token as the stack secret
    shopifyTokens.<shop>. The client secret comes from $SHOPIFY_CLIENT_SECRET or the stack secret
    shopifyAppSecret, never from a flag; nothing is stored unless every check
    passes. With --client-credentials, store the app's client secret instead (see shop_connect)."""
    if client_credentials:
        _shop_connect_client_credentials(project_dir, stack, shop, client_id, app_wide)
        return
    try:
        options = shop_connect.ConnectOptions(
            project_dir=project_dir,
            stack=stack,
            shop=shop,
            scopes=shop_connect.parse_scopes_option(scopes),
            client_id=client_id,
            redirect_uri=redirect_uri,
            paste=paste,
            open_browser=open_browser,
            timeout=timeout,
        )
        connected = shop_connect.connect(
            options,
            say=click.echo,
            warn=lambda line: click.echo(line, err=True),
            read_line=sys.stdin.readline,
            environ=os.environ,
        )
    except (shop_connect.ConnectError, OAuthError, StackError, StackFileError, ToolchainMissing) as error:
        fail(str(error))
    granted = ", ".join(connected.scopes) or "none"
    click.echo(
        f"Stored the access token for shop {connected.shop} (scopes: {granted}) "
        f"as the secret {connected.config_key} of stack {stack}."
    )


def _shop_connect_client_credentials(
    project_dir: Path, stack: str, shop: str, client_id: str | None, app_wide: bool
) -> None:
    def read_secret() -> str:
        if sys.stdin.isatty():
            return str(click.prompt("Client secret", hide_input=True, err=True))
        return sys.stdin.readline()

    try:
        connected = shop_connect.connect_client_credentials(
            shop_connect.ClientCredentialsOptions(project_dir, stack, shop, client_id, app_wide),
            warn=lambda line: click.echo(line, err=True),
            read_secret=read_secret,
            environ=os.environ,
        )
    except (shop_connect.ConnectError, OAuthError, StackError, StackFileError, ToolchainMissing) as error:
        fail(str(error))
    granted = ", ".join(connected.scopes) or "none"
    click.echo(
        f"The app is installed on shop {connected.shop} (scopes: {granted}); stored its client secret as the "
        f"secret {connected.config_key} of stack {stack}."
    )


if __name__ == "__main__":
    main()
