"""GraphQL webhook subscriptions over the store REST uses: create, read, update, delete, the object's fields,
version differences and shop routing."""

from __future__ import annotations

import requests

from tests.emulator.support import Admin, FakeClock
from tests.emulator_graphql.support import CREATE, DELETE, ONE, UPDATE, Graphql, make_shop


def test_create_renders_every_field_and_rest_sees_the_same_subscription(emulator):
    api = make_shop(emulator, webhook_api_version="2026-07")
    created = api.create(
        "ORDERS_CREATE",
        uri="https://hooks.example.com/orders",
        includeFields=["id", "variants.price"],
        metafieldNamespaces=["custom"],
        filter="",
        name="stack-prod_orders",
    )
    number = created["legacyResourceId"]
    assert created["id"] == f"gid://shopify/WebhookSubscription/{number}" and number.isdigit()
    assert created["topic"] == "ORDERS_CREATE" and created["format"] == "JSON"
    assert created["uri"] == created["callbackUrl"] == "https://hooks.example.com/orders"
    assert created["endpoint"] == {
        "__typename": "WebhookHttpEndpoint",
        "callbackUrl": "https://hooks.example.com/orders",
    }
    assert created["includeFields"] == ["id", "variants.price"]
    assert created["metafieldNamespaces"] == ["custom"]
    assert created["filter"] == "" and created["name"] == "stack-prod_orders"
    # The app's webhook version, not the request's (2026-10).
    assert created["apiVersion"] == {
        "handle": "2026-07",
        "displayName": "2026-07",
        "supported": True,
    }
    assert created["createdAt"].endswith("Z") and created["createdAt"] == created["updatedAt"]

    rest = Admin(api.shop_url, api.token).get(f"/webhooks/{number}.json")
    assert rest.status_code == 200
    webhook = rest.json()["webhook"]
    assert (webhook["id"], webhook["topic"], webhook["address"]) == (
        int(number),
        "orders/create",
        "https://hooks.example.com/orders",
    )
    assert webhook["fields"] == ["id", "variants.price"] and webhook["format"] == "json"
    read = api.data(ONE, {"id": created["id"]})["webhookSubscription"]
    assert read == created


def test_filter_and_name_are_null_when_omitted_and_defaults_apply(emulator):
    api = make_shop(emulator)
    created = api.create("PRODUCTS_UPDATE", uri="https://hooks.example.com/p")
    assert created["filter"] is None and created["name"] is None
    assert created["includeFields"] == [] and created["metafieldNamespaces"] == []
    assert created["format"] == "JSON"


def test_rest_subscriptions_show_in_graphql_and_cloud_uris_show_in_rest(emulator):
    api = make_shop(emulator)
    rest = Admin(api.shop_url, api.token)
    made_by_rest = rest.create("orders/updated", "https://hooks.example.com/u", fields=["id"])
    seen = api.data(ONE, {"id": f"gid://shopify/WebhookSubscription/{made_by_rest['id']}"})
    assert seen["webhookSubscription"]["topic"] == "ORDERS_UPDATED"
    assert seen["webhookSubscription"]["legacyResourceId"] == str(made_by_rest["id"])
    assert seen["webhookSubscription"]["includeFields"] == ["id"]

    pubsub = api.create("ORDERS_CREATE", uri="pubsub://my-project:orders-topic")
    assert pubsub["endpoint"] == {
        "__typename": "WebhookPubSubEndpoint",
        "pubSubProject": "my-project",
        "pubSubTopic": "orders-topic",
    }
    arn = "arn:aws:events:us-east-1::event-source/aws.partner/shopify.com/123/orders"
    bridge = api.create("ORDERS_PAID", uri=arn)
    assert bridge["endpoint"] == {"__typename": "WebhookEventBridgeEndpoint", "arn": arn}
    listed = {w["id"]: w["address"] for w in rest.get("/webhooks.json").json()["webhooks"]}
    assert listed[int(pubsub["legacyResourceId"])] == "pubsub://my-project:orders-topic"
    assert listed[int(bridge["legacyResourceId"])] == arn


def test_update_changes_the_given_fields_and_updated_at(emulator_factory):
    clock = FakeClock()
    emu = emulator_factory(clock=clock)
    api = make_shop(emu)
    created = api.create("ORDERS_CREATE", uri="https://hooks.example.com/a", filter="id:>100", name="a")
    clock.advance(60)
    payload = api.data(
        UPDATE,
        {
            "id": created["id"],
            "sub": {"uri": "pubsub://my-project:orders", "includeFields": ["id"], "filter": ""},
        },
    )["webhookSubscriptionUpdate"]
    assert payload["userErrors"] == []
    updated = payload["webhookSubscription"]
    assert updated["uri"] == "pubsub://my-project:orders" and updated["includeFields"] == ["id"]
    assert updated["filter"] == "" and updated["name"] == "a"  # unchanged when not sent
    assert updated["createdAt"] == created["createdAt"] and updated["updatedAt"] > created["updatedAt"]
    assert updated["topic"] == "ORDERS_CREATE"
    # Nothing changed: updatedAt stays.
    clock.advance(60)
    again = api.data(UPDATE, {"id": created["id"], "sub": {"uri": "pubsub://my-project:orders"}})
    assert again["webhookSubscriptionUpdate"]["webhookSubscription"]["updatedAt"] == updated["updatedAt"]


def test_delete_then_the_subscription_is_gone_everywhere(emulator):
    api = make_shop(emulator)
    created = api.create("ORDERS_CREATE", uri="https://hooks.example.com/a")
    payload = api.data(DELETE, {"id": created["id"]})["webhookSubscriptionDelete"]
    assert payload == {"deletedWebhookSubscriptionId": created["id"], "userErrors": []}
    assert api.data(ONE, {"id": created["id"]}) == {"webhookSubscription": None}
    rest = Admin(api.shop_url, api.token).get(f"/webhooks/{created['legacyResourceId']}.json")
    assert rest.status_code == 404


def test_other_apps_subscriptions_are_invisible(emulator):
    mine = make_shop(emulator, app="default")
    theirs = make_shop(emulator, app="other")
    created = theirs.create("ORDERS_CREATE", uri="https://hooks.example.com/a")
    assert mine.data(ONE, {"id": created["id"]}) == {"webhookSubscription": None}
    payload = mine.data(DELETE, {"id": created["id"]})["webhookSubscriptionDelete"]
    assert payload["userErrors"] == [{"field": ["id"], "message": "Webhook subscription does not exist"}]
    # The other app may use the same topic and address: uniqueness is per app.
    assert mine.create("ORDERS_CREATE", uri="https://hooks.example.com/a")["id"] != created["id"]


def test_count_and_the_granted_scopes(emulator):
    api = make_shop(emulator, scopes=("read_orders", "write_products"))
    for path in ("a", "b"):
        api.create("ORDERS_CREATE", uri=f"https://hooks.example.com/{path}")
    data = api.data(
        "{ webhookSubscriptionsCount { count precision } currentAppInstallation { accessScopes { handle } } }"
    )
    assert data["webhookSubscriptionsCount"] == {"count": 2, "precision": "EXACT"}
    handles = [s["handle"] for s in data["currentAppInstallation"]["accessScopes"]]
    assert handles == ["read_orders", "write_products"]
    limited = api.data("{ webhookSubscriptionsCount(limit: 1) { count precision } }")
    assert limited["webhookSubscriptionsCount"] == {"count": 1, "precision": "AT_LEAST"}


def test_name_exists_from_2026_04_and_callback_url_input_before(emulator):
    old = make_shop(emulator, version="2026-01")
    assert old.call(CREATE, {"topic": "ORDERS_CREATE", "sub": {}})["errors"][0]["message"] == (
        "Field 'name' doesn't exist on type 'WebhookSubscription'"
    )
    without_name = CREATE.replace(" name\n", "\n")
    answer = old.call(
        without_name, {"topic": "ORDERS_CREATE", "sub": {"uri": "https://a.example.com/", "name": "x"}}
    )
    assert answer["errors"][0]["extensions"]["problems"] == [
        {"path": ["name"], "explanation": "Field is not defined on WebhookSubscriptionInput"}
    ]
    legacy = old.data(
        "mutation { webhookSubscriptionCreate(topic: ORDERS_CREATE, "
        'webhookSubscription: {callbackUrl: "https://b.example.com/"}) '
        "{ webhookSubscription { uri } userErrors { message } } }"
    )
    assert legacy["webhookSubscriptionCreate"]["webhookSubscription"] == {"uri": "https://b.example.com/"}
    unknown = old.call("{ webhookSubscriptions(first: 1) { nodes { name } } }")
    assert unknown["errors"][0]["extensions"]["code"] == "undefinedField"
    new = Graphql(old.shop_url, old.token, "2026-04")
    gone = new.call(
        "mutation { webhookSubscriptionCreate(topic: ORDERS_CREATE, "
        'webhookSubscription: {callbackUrl: "https://c.example.com/"}) '
        "{ userErrors { message } } }"
    )
    assert gone["errors"][0]["extensions"]["code"] == "argumentLiteralsIncompatible"


def test_host_routing_and_the_unversioned_path(emulator):
    api = make_shop(emulator)
    api.create("ORDERS_CREATE", uri="https://hooks.example.com/a")
    headers = {"X-Shopify-Access-Token": api.token, "Host": "acme.myshopify.com"}
    query = {"query": "{ webhookSubscriptionsCount { count } }"}
    routed = requests.post(
        f"{emulator.base_url}/admin/api/2026-10/graphql.json", json=query, headers=headers, timeout=10
    )
    assert routed.status_code == 200 and routed.json()["data"]["webhookSubscriptionsCount"] == {"count": 1}
    assert routed.headers["X-Shopify-API-Version"] == "2026-10"
    unversioned = requests.post(
        f"{api.shop_url}/admin/api/graphql.json", json=query, headers=headers, timeout=10
    )
    assert unversioned.status_code == 200 and unversioned.headers["X-Shopify-API-Version"] == "2026-01"
    retired = requests.post(
        f"{api.shop_url}/admin/api/2024-01/graphql.json", json=query, headers=headers, timeout=10
    )
    assert retired.status_code == 200 and retired.headers["X-Shopify-API-Version"] == "2026-01"
    unknown_shop = requests.post(
        f"{emulator.shop_url('nope')}/admin/api/2026-10/graphql.json", json=query, headers=headers, timeout=10
    )
    assert unknown_shop.status_code == 404 and unknown_shop.json() == {"errors": "Not Found"}
