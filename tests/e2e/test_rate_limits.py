"""At a tight rate limit, one `pulumi up` converges and refresh costs one list per shop (issue 7)."""

from __future__ import annotations

import math

from tests.e2e.bulk import topics_with_scopes
from tests.e2e.worlds import ShopifyWorld

SHOP = "bulk-eu"
TOPICS = 60


def test_sixty_topics_on_a_tight_bucket_converge_in_one_up_and_refresh_lists_once(
    world: ShopifyWorld,
) -> None:
    wanted, scopes = topics_with_scopes(TOPICS)
    control = world.emulator.control
    control.create_shop(SHOP)
    token = control.create_token(SHOP, scopes)
    control.set_rate_limit(SHOP, bucket_size=10, leak_rate=2.0)
    world.project.init({SHOP: token})
    world.project.write_stack_file(world.stack_file({SHOP: wanted}))

    up = world.project.up()
    assert up.returncode == 0, up.output
    subscriptions = world.subscriptions(SHOP)
    assert sorted(s["topic"] for s in subscriptions) == sorted(wanted)  # none missing, none twice
    log = control.requests(SHOP)
    posts = [r for r in log if r["method"] == "POST"]
    assert len([r for r in posts if r["status"] == 201]) == TOPICS
    # One write per subscription plus the scope check: no list before each POST.
    assert len([r for r in log if r["status"] != 429]) <= TOPICS + 1
    throttled = [r for r in log if r["status"] == 429]
    assert len(throttled) <= 3, f"pacing should make 429s rare, got {len(throttled)}"

    since = world.last_request_seq(SHOP)
    refresh = world.project.run("refresh", "--yes", "--skip-preview")
    assert refresh.returncode == 0, refresh.output
    reads = [r for r in control.requests(SHOP, since=since) if r["status"] != 429]
    assert len(reads) <= math.ceil(TOPICS / 250) + 1, reads
    assert all(r["method"] == "GET" for r in reads)

    again = world.project.up()
    assert again.returncode == 0 and f"{TOPICS + 1} unchanged" in again.output, again.output  # + the stack
