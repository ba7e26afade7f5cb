"""A state written by the previous module layout (top-level `providers`, `emulator`, … packages; recorded at
commit d044803) still loads and previews with no changes: its pickled provider references
`providers.shopify.webhook.WebhookSubscriptionProvider`, which the alias package keeps importable."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.pulumi_project import PulumiProject
from tests.e2e.worlds import ShopifyWorld

FIXTURE = Path(__file__).parent / "fixtures" / "state_previous_layout.json"
SHOP = "acme-eu"


def test_a_state_of_the_previous_layout_refreshes_and_previews_with_no_changes(world: ShopifyWorld) -> None:
    text = FIXTURE.read_text().replace("{{EMULATOR}}", world.emulator.base_url)
    state = json.loads(text)
    subscriptions = sorted(
        (
            r["outputs"]
            for r in state["deployment"]["resources"]
            if r["type"].endswith(":WebhookSubscription")
        ),
        key=lambda outputs: int(outputs["webhook_id"]),
    )
    assert b"providers.shopify.webhook" in __import__("base64").b64decode(subscriptions[0]["__provider"])
    for outputs in subscriptions:  # the same subscriptions, with the same ids, in a fresh emulator
        made = world.emulator.control.create_subscription(
            SHOP, topic=outputs["topic"], address=outputs["address"], fields=outputs["fields"]
        )
        assert str(made["id"]) == outputs["webhook_id"], (
            "a fresh emulator numbers subscriptions from the start"
        )

    project = PulumiProject(world.project.root, stack="previous")  # the recorded stack's name
    project.init(world.tokens)
    # The fixture's default-provider inputs had the recorded run's encrypted tokens; they are stripped
    # (no secret in the repo), so the refresh's provider takes the token from the environment fallback.
    project.env["SHOPSTREAM_SHOPIFY_TOKEN_ACME_EU"] = world.tokens[SHOP]
    topics = [
        {"topic": o["topic"], "fields": o["fields"]} if o["fields"] else o["topic"] for o in subscriptions
    ]
    project.write_stack_file(world.stack_file({SHOP: topics}))
    imported = project.root / "previous.json"
    imported.write_text(json.dumps(state))
    project.run("stack", "import", "--file", str(imported)).check()

    preview = project.preview("--refresh", "--expect-no-changes", "--diff")
    assert preview.returncode == 0, preview.output
    assert "Traceback" not in preview.output
    up = project.up("--refresh")
    assert up.returncode == 0 and "unchanged" in up.output and "created" not in up.output, up.output
