"""The state file keeps what GraphQL and the 2026 credentials added: filter, name, the shop's cost limit and
switch, the app's installation, token expiry."""

from __future__ import annotations

from tests.emulator.support import FakeClock
from tests.emulator_graphql.support import ONE, Graphql, make_shop


def test_a_restart_keeps_the_new_attributes(tmp_path, emulator_factory):
    state = tmp_path / "emulator.json"
    clock = FakeClock()
    first = emulator_factory(state_file=state, clock=clock)
    api = make_shop(first, scopes=("read_orders",))
    created = api.create("ORDERS_CREATE", uri="https://h.example.com/a", filter="id:>1", name="kept")
    first.control.set_cost_limit("acme", maximum_available=321)
    first.control.update_shop("acme", refuse_non_expiring_tokens=True)
    first.control.update_app("acme", "default", scopes=["read_orders"], public=False)
    expiring = first.control.create_expiring_token("acme", 60, ["read_orders"])
    first.stop()

    second = emulator_factory(state_file=state, clock=clock)
    again = Graphql(api.shop_url.replace(str(first.port), str(second.port)), api.token)
    read = again.data(ONE, {"id": created["id"]})["webhookSubscription"]
    assert (read["filter"], read["name"]) == ("id:>1", "kept")
    shop = second.control.call("GET", "/shops/acme")["shop"]
    assert shop["cost_limit"]["maximum_available"] == 321 and shop["refuse_non_expiring_tokens"] is True
    assert shop["apps"][0]["scopes"] == ["read_orders"]
    short = Graphql(again.shop_url, expiring)
    assert short.post("{ webhookSubscriptionsCount { count } }").status_code == 200
    clock.advance(60)
    assert short.post("{ webhookSubscriptionsCount { count } }").status_code == 401
