"""End to end through the real `pulumi` CLI with `shopify.api: graphql` and a Dev Dashboard app's client
credentials (issue 8): create, no-op, edits in place, drift, adoption, destroy, no secret anywhere, and
switching a stack from REST to GraphQL without a replace."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shopstream.emulator import RunningEmulator
from tests.e2e.pulumi_project import PulumiProject
from tests.e2e.worlds import SCOPES

SHOP = "acme-eu"
CLIENT_ID = "0b1e6a3dc1ient1d0000000000000001"
CLIENT_SECRET = "shpss_" + "c" * 32
APP = "dev-dashboard"
ADDRESS = "https://hooks.example.com/shopify"
TOPICS = ["orders/create", "ORDERS_UPDATED", "products/update"]


class GraphqlWorld:
    def __init__(self, emulator: RunningEmulator, project: PulumiProject) -> None:
        self.emulator = emulator
        self.project = project
        emulator.control.create_shop(SHOP)
        emulator.control.create_app(
            SHOP, APP, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, scopes=SCOPES, installed=True
        )

    def init(self) -> None:
        self.project.run("stack", "init").check()
        self.project.run("config", "set", "--secret", "shopifyClientSecret", stdin=CLIENT_SECRET).check()

    def stack_file(self, topics: list[Any], **shopify: Any) -> dict[str, Any]:
        return {
            "shopify": {
                "api": "graphql",
                "api_version": "2026-10",
                "client_id": CLIENT_ID,
                "endpoint": f"{self.emulator.base_url}/shops/{{shop}}",
                "address": ADDRESS,
                **shopify,
            },
            "shops": {SHOP: {"topics": topics}},
        }

    def subscriptions(self) -> list[dict[str, Any]]:
        return [s for s in self.emulator.control.subscriptions(SHOP) if s["app"] == APP]

    def by_topic(self) -> dict[str, dict[str, Any]]:
        return {s["topic"]: s for s in self.subscriptions()}


@pytest.fixture
def gql(tmp_path: Any, emulator_factory: Any) -> GraphqlWorld:
    return GraphqlWorld(emulator_factory(), PulumiProject(tmp_path / "project", stack="e2e"))


def no_secret_in(text: str) -> None:
    # The client secret, and any access token (the emulator's all start with "shpat_"/"shpca_").
    assert CLIENT_SECRET not in text
    assert "shpat_" not in text and "shpca_" not in text


def test_graphql_with_client_credentials_create_noop_edit_drift_adopt_destroy(gql: GraphqlWorld) -> None:
    gql.init()
    gql.project.write_stack_file(gql.stack_file(TOPICS))
    up = gql.project.up()
    assert up.returncode == 0, up.output
    subs = gql.by_topic()
    assert sorted(subs) == ["orders/create", "orders/updated", "products/update"]  # one canonical form
    assert all(s["name"] and s["name"].startswith("shopstream--e2e--") for s in subs.values())
    grants = [t for t in gql.emulator.control.tokens(SHOP) if t["grant"] == "client_credentials"]
    assert grants, "the token must come from the client credentials grant"

    noop = gql.project.up()
    assert noop.returncode == 0 and "4 unchanged" in noop.output, noop.output

    # Edits in place: filter, include_fields (nested), and the uri.
    edited = [
        {
            "topic": "orders/create",
            "filter": "total_price:>100",
            "include_fields": ["id", "line_items.price", "total_price"],
        },
        {"topic": "orders/updated", "uri": "https://other.example.com/orders"},
        "products/update",
    ]
    gql.project.write_stack_file(gql.stack_file(edited))
    preview = gql.project.preview("--diff")
    assert preview.returncode == 0 and "replace" not in preview.output.lower(), preview.output
    before = {t: s["id"] for t, s in gql.by_topic().items()}
    assert gql.project.up().returncode == 0
    after = gql.by_topic()
    assert {t: s["id"] for t, s in after.items()} == before  # updated, not replaced
    assert after["orders/create"]["filter"] == "total_price:>100"
    assert after["orders/create"]["fields"] == ["id", "line_items.price", "total_price"]
    assert after["orders/updated"]["address"] == "https://other.example.com/orders"

    # Drift: one deleted behind our back, one edited; refresh + up repairs both.
    control = gql.emulator.control
    control.delete_subscription(SHOP, after["products/update"]["id"])
    control.change_subscription(SHOP, after["orders/create"]["id"], filter="total_price:>1")
    drift = gql.project.run("refresh", "--preview-only", "--expect-no-changes")
    assert drift.returncode != 0
    repaired = gql.project.up("--refresh")
    assert repaired.returncode == 0, repaired.output
    fixed = gql.by_topic()
    assert sorted(fixed) == sorted(after) and fixed["orders/create"]["filter"] == "total_price:>100"

    # Adoption: lost state, then the same stack adopts its own named subscriptions instead of duplicating.
    gql.project.run("stack", "rm", "--force", "--yes", "--preserve-config").check()
    gql.project.run("stack", "init").check()
    readopt = gql.project.up()
    assert readopt.returncode == 0, readopt.output
    assert {t: s["id"] for t, s in gql.by_topic().items()} == {t: s["id"] for t, s in fixed.items()}
    outputs = json.loads(gql.project.run("stack", "export").check().stdout)
    adopted = [
        r["outputs"].get("adopted") for r in outputs["deployment"]["resources"] if "Webhook" in r["type"]
    ]
    assert adopted and all(adopted)

    state = gql.project.export_state()
    for text in (up.output, noop.output, preview.output, repaired.output, readopt.output, state):
        no_secret_in(text)

    destroyed = gql.project.run("destroy", "--yes", "--skip-preview")
    assert destroyed.returncode == 0, destroyed.output
    assert gql.subscriptions() == []


def test_switching_a_stack_from_rest_to_graphql_replaces_and_deletes_nothing(gql: GraphqlWorld) -> None:
    token = gql.emulator.control.create_token(SHOP, SCOPES, app=APP)
    gql.project.run("stack", "init").check()
    gql.project.run("config", "set", "--secret", "--path", f"shopifyTokens.{SHOP}", stdin=token).check()
    rest = gql.stack_file(TOPICS)
    rest["shopify"]["api"] = "rest"
    del rest["shopify"]["client_id"]
    gql.project.write_stack_file(rest)
    assert gql.project.up().returncode == 0
    ids = {t: s["id"] for t, s in gql.by_topic().items()}

    graphql = gql.stack_file(TOPICS)
    del graphql["shopify"]["client_id"]  # the same app's static token, now over GraphQL
    gql.project.write_stack_file(graphql)
    preview = gql.project.preview("--diff")
    assert preview.returncode == 0, preview.output
    assert "replace" not in preview.output.lower() and "- shopstream" not in preview.output
    up = gql.project.up()
    assert up.returncode == 0, up.output
    assert {t: s["id"] for t, s in gql.by_topic().items()} == ids
    assert gql.project.up().returncode == 0
