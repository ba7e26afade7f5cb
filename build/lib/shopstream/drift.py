"""Drift: what Shopify and AEP differ in from each stack's state, and subscriptions no stack owns.

Working out the report is pure (`classify_subscriptions`, `drift_rows`); `collect_drift` does the I/O: a
refresh preview per stack (no state lock) and one list call per shop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from shopstream.automation import Progress, StackError, open_stack, refresh_preview_steps
from shopstream.plan import SUBSCRIPTION_TYPE, Step, field_changes
from shopstream.providers.credentials import parse_tokens
from shopstream.providers.shopify.client import ShopifyAdminClient
from shopstream.stackfile.errors import StackFileError
from shopstream.stackfile.load import load_stack_file, stack_file_path
from shopstream.stackfile.model import StackSpec

# Exit codes of `shopstream drift`, like `terraform plan -detailed-exitcode`.
EXIT_NO_DRIFT = 0
EXIT_ERROR = 1
EXIT_DRIFT = 2
# Outputs that change on every read and mean nothing to the user.
NOISE = frozenset(
    {"updated_at", "created_at", "etag", "__provider", "reported_api_version", "granted_scopes"}
)


@dataclass(frozen=True)
class DriftRow:
    stack: str
    name: str
    kind: str
    status: str  # missing | changed
    changes: tuple[tuple[str, Any, Any], ...] = ()


@dataclass(frozen=True)
class Unmanaged:
    shop: str
    id: int
    topic: str
    address: str
    category: str  # duplicate | our-inlet | foreign
    stack: str = ""  # the stack whose credentials listed it (and can delete it)


class DriftError(Exception):
    """A request the drift command refuses; one sentence."""


@dataclass
class DriftReport:
    rows: list[DriftRow] = field(default_factory=list)
    unmanaged: list[Unmanaged] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)  # stacks whose refresh failed: drift unknown

    @property
    def drifted(self) -> bool:
        # Foreign subscriptions are reported but are not drift: they may belong to another deployment.
        return bool(self.rows) or any(u.category != "foreign" for u in self.unmanaged)

    @property
    def exit_code(self) -> int:
        if self.errors:
            return EXIT_ERROR
        return EXIT_DRIFT if self.drifted else EXIT_NO_DRIFT

    def as_json(self) -> dict[str, Any]:
        return {
            "drift": self.drifted,
            "exit_code": self.exit_code,
            "resources": [
                {
                    "stack": r.stack,
                    "name": r.name,
                    "kind": r.kind,
                    "status": r.status,
                    "changes": [{"field": f, "state": old, "actual": new} for f, old, new in r.changes],
                }
                for r in self.rows
            ],
            "unmanaged": [u.__dict__ for u in self.unmanaged],
            "errors": self.errors,
            "unchecked": self.unchecked,
        }


def drift_rows(stack: str, steps: Iterable[Step]) -> list[DriftRow]:
    """Refresh outcomes -> rows: a resource gone from the service, or one whose read differs."""
    rows = []
    for step in steps:
        if not step.type.startswith("pulumi-python:dynamic/"):
            continue
        kind = step.type.split(":")[-1]
        if step.op == "delete":
            rows.append(DriftRow(stack, step.name, kind, "missing"))
        elif step.op == "update":
            changes = tuple(
                (c.field, c.old, c.new)
                for c in field_changes(step.old_inputs, step.new_inputs)
                if c.field not in NOISE
            )
            rows.append(DriftRow(stack, step.name, kind, "changed", changes))
    return rows


def classify_subscriptions(
    shop: str,
    existing: Sequence[Mapping[str, Any]],
    managed_ids: set[int],
    managed_topics: set[str],
    our_inlets: set[str],
    stack: str = "",
) -> list[Unmanaged]:
    """Subscriptions in the shop that no stack owns, each with why it matters."""
    unmanaged = []
    for sub in existing:
        if int(sub["id"]) in managed_ids:
            continue
        topic, address = str(sub["topic"]), str(sub["address"])
        category = (
            "duplicate" if topic in managed_topics else "our-inlet" if address in our_inlets else "foreign"
        )
        unmanaged.append(Unmanaged(shop, int(sub["id"]), topic, address, category, stack))
    return unmanaged


@dataclass
class StackInventory:
    """What one stack's state says it owns, and how to reach its shops."""

    name: str
    spec: StackSpec
    tokens: dict[str, str]
    managed_ids: dict[str, set[int]] = field(default_factory=dict)  # shop -> ids
    managed_topics: dict[str, set[str]] = field(default_factory=dict)  # shop -> topics
    inlets: set[str] = field(default_factory=set)


def inventory(name: str, stack: auto.Stack, project_dir: Path) -> StackInventory:
    spec = load_stack_file(stack_file_path(project_dir, name))
    config = stack.get_all_config()
    tokens_value = config.get("shopstream:shopifyTokens")
    found = StackInventory(name, spec, parse_tokens(tokens_value.value) if tokens_value else {})
    deployment = stack.export_stack().deployment or {}
    for resource in deployment.get("resources", []):
        outputs = resource.get("outputs", {})
        if resource.get("type") == SUBSCRIPTION_TYPE and outputs.get("webhook_id"):
            shop = str(outputs.get("shop"))
            found.managed_ids.setdefault(shop, set()).add(int(outputs["webhook_id"]))
            found.managed_topics.setdefault(shop, set()).add(str(outputs.get("topic")))
        if outputs.get("inlet_url"):
            found.inlets.add(str(outputs["inlet_url"]))
    return found


def collect_drift(
    project_dir: Path, stacks: Sequence[str], progress: Callable[[str], Progress] | None = None
) -> DriftReport:
    """`progress(stack)` gives the progress-line function of a stack (lines while the refresh runs)."""
    report = DriftReport()
    inventories: list[StackInventory] = []
    for name in stacks:
        try:
            stack = open_stack(project_dir, name)
            report.rows += drift_rows(
                name, refresh_preview_steps(stack, progress(name) if progress else None)
            )
            inventories.append(inventory(name, stack, project_dir))
        except (StackError, StackFileError, auto.CommandError) as error:
            report.errors.append(f"{name}: {error}")
            report.unchecked.append(name)
    our_inlets = {inlet for inv in inventories for inlet in inv.inlets}
    checked: set[tuple[str, str]] = set()
    for inv in inventories:
        for shop in inv.spec.shops:
            base_url = inv.spec.shop_base_url(shop.name)
            if (base_url, shop.name) in checked or shop.name not in inv.tokens:
                continue
            checked.add((base_url, shop.name))
            same_shop = [i for i in inventories if any(s.name == shop.name for s in i.spec.shops)]
            try:
                existing = shop_client(inv, shop.name).list_webhooks()
            except Exception as error:
                report.errors.append(f"{inv.name}: {error}")
                continue
            report.unmanaged += classify_subscriptions(
                shop.name,
                existing,
                set().union(*(i.managed_ids.get(shop.name, set()) for i in same_shop)),
                set().union(*(i.managed_topics.get(shop.name, set()) for i in same_shop)),
                our_inlets,
                inv.name,
            )
    return report


def shop_client(inv: StackInventory, shop: str) -> ShopifyAdminClient:
    return ShopifyAdminClient(inv.spec.shop_base_url(shop), inv.spec.api_version, inv.tokens[shop], shop)


def delete_unmanaged(project_dir: Path, report: DriftReport, ids: Sequence[int]) -> list[Unmanaged]:
    """Deletes the named subscriptions, each of which must be one the report lists as unmanaged."""
    listed = {u.id: u for u in report.unmanaged}
    refused = [str(i) for i in ids if i not in listed]
    if refused:
        raise DriftError(
            f"refusing to delete {', '.join(refused)}: only subscriptions this report lists as unmanaged "
            "can be deleted (managed ones go by removing them from the stack file)"
        )
    inventories: dict[str, StackInventory] = {}  # one config read per stack, however many ids
    deleted = []
    for subscription_id in ids:
        found = listed[subscription_id]
        if found.stack not in inventories:
            stack = open_stack(project_dir, found.stack)
            inventories[found.stack] = inventory(found.stack, stack, project_dir)
        shop_client(inventories[found.stack], found.shop).delete_webhook(subscription_id, topic=found.topic)
        deleted.append(found)
    return deleted


def render_table(report: DriftReport) -> str:
    lines = []
    if report.rows:
        lines.append(f"{'stack':<12} {'resource':<34} {'status':<8} changes (state -> actual)")
        for row in report.rows:
            changes = "; ".join(f"{f}: {old!r} -> {new!r}" for f, old, new in row.changes)
            lines.append(f"{row.stack:<12} {row.name:<34} {row.status:<8} {changes}")
    elif report.unchecked:
        lines.append(f"Drift could not be checked for {', '.join(report.unchecked)}: see the errors below.")
    else:
        lines.append("No drift in the managed resources.")
    if report.unmanaged:
        lines.append("")
        lines.append(f"{'shop':<12} {'id':<15} {'category':<10} {'topic':<22} address")
        for u in sorted(report.unmanaged, key=lambda u: (u.category == "foreign", u.shop, u.topic)):
            lines.append(f"{u.shop:<12} {u.id:<15} {u.category:<10} {u.topic:<22} {u.address}")
    for error in report.errors:
        lines.append(f"error: {error}")
    return "\n".join(lines)
