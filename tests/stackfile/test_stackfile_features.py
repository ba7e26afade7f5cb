"""Issue 8 keys: shopify.api, uri (HTTPS, Pub/Sub, EventBridge), filter, include_fields, name, adopt,
topic enums, client ids; each mistake a file:line finding."""

from pathlib import Path

import pytest

from shopstream.stackfile import Problem, ShopSpec, TopicSpec, load_stack_file

HEAD = 'shopify:\n  api_version: "2026-10"\n  address: https://example.com/webhooks\nshops:\n  acme:\n'
ARN = "arn:aws:events:us-east-1::event-source/aws.partner/shopify.com/1234567/orders"


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_new_keys_reach_the_model(write) -> None:
    text = """\
shopify:
  api_version: "2026-10"
  uri: pubsub://my-project:shop-events
  client_id: 0123456789abcdef0123456789abcdef
  defaults:
    include_fields: [id]
shops:
  acme:
    client_id: acme-app
    topics:
      - ORDERS_CREATE
      - topic: products/update
        uri: https://hooks.example.com/p
        include_fields: [id, variants.price]
        filter: "variants.price:>=10.00"
        name: products-main
        adopt: true
      - {topic: CUSTOMER_TAGS_ADDED, address: "ARN"}
  beta:
    topics: [shop/update]
""".replace("ARN", ARN)
    spec = load_stack_file(write(text))
    assert spec.api == "graphql"
    acme, beta = spec.shops
    assert acme == ShopSpec(
        name="acme",
        client_id="acme-app",
        topics=(
            TopicSpec("orders/create", "pubsub://my-project:shop-events", "json", ("id",), ()),
            TopicSpec(
                "products/update",
                "https://hooks.example.com/p",
                "json",
                ("id", "variants.price"),
                (),
                filter="variants.price:>=10.00",
                name="products-main",
                adopt=True,
            ),
            TopicSpec("customer.tags_added", ARN, "json", ("id",), ()),
        ),
    )
    assert beta.client_id == "0123456789abcdef0123456789abcdef"
    assert beta.topics[0].adopt is False and beta.topics[0].filter is None and beta.topics[0].name is None


def test_rest_is_still_supported(write) -> None:
    spec = load_stack_file(
        write(HEAD.replace("shops:", "  api: rest\nshops:") + "    topics: [orders/create]\n")
    )
    assert spec.api == "rest"
    assert spec.shops[0].client_id is None


@pytest.mark.parametrize(
    ("snippet", "line", "field", "fragment"),
    [
        (
            "    topics:\n      - {topic: orders/create, address: 'https://a.example.com', uri: 'https://b.example.com'}\n",
            7,
            "shops.acme.topics[0].uri",
            'give either "address" or "uri"',
        ),
        (
            "    topics:\n      - {topic: orders/create, fields: [id], include_fields: [id]}\n",
            7,
            "shops.acme.topics[0].include_fields",
            'give either "fields" or "include_fields"',
        ),
        (
            "    topics:\n      - {topic: orders/create, uri: 'pubsub://my-project:events', format: xml}\n",
            7,
            "shops.acme.topics[0].uri",
            "delivers json only",
        ),
        (
            "    topics:\n      - {topic: orders/create, filter: '   '}\n",
            7,
            "shops.acme.topics[0].filter",
            'is blank; remove "filter"',
        ),
        (
            "    topics:\n      - {topic: orders/create, filter: 'x'}\n",
            7,
            "shops.acme.topics[0].filter",
            "names no field to test",
        ),
        (
            "    topics:\n      - {topic: orders/create, include_fields: [id], filter: 'status:open'}\n",
            7,
            "shops.acme.topics[0].filter",
            'tests "status", which include_fields leaves out',
        ),
        (
            "    topics:\n      - {topic: orders/create, filter: '(a:1'}\n",
            7,
            "shops.acme.topics[0].filter",
            "unbalanced parentheses",
        ),
        ("    topics: [ORDERS_CRATE]\n", 6, "shops.acme.topics[0]", 'did you mean "ORDERS_CREATE"'),
        ("    topics: [CUSTOMERS_REDACT]\n", 6, "shops.acme.topics[0]", "is a compliance topic"),
        (
            "    topics: [orders/create, ORDERS_CREATE]\n",
            6,
            "shops.acme.topics[1]",
            '"ORDERS_CREATE" (orders/create) is listed twice',
        ),
        (
            "    topics:\n      - {topic: orders/create, name: Main}\n"
            "      - {topic: orders/paid, name: main}\n",
            8,
            "shops.acme.topics[1].name",
            'subscription name "main" is used twice for shop "acme" (first at line 7)',
        ),
        (
            "    topics:\n      - orders/paid\n      - {topic: orders/create, name: orders_paid}\n",
            8,
            "shops.acme.topics[1].name",
            "is used twice",
        ),
        (
            "    topics: [metaobjects/create]\n",
            6,
            "shops.acme.topics[0]",
            'needs a "type:<metaobject type>" filter',
        ),
        (
            "    topics:\n      - {topic: metaobjects/create, filter: 'type:*'}\n",
            7,
            "shops.acme.topics[0]",
            "no wildcards",
        ),
        (
            "    topics: [audit_events/admin_api_activity]\n",
            6,
            "shops.acme.topics[0]",
            "only to Pub/Sub or EventBridge",
        ),
    ],
)
def test_feature_mistakes(write, problems_of, snippet: str, line: int, field: str, fragment: str) -> None:
    problem = only(problems_of(write(HEAD + snippet)))
    assert (problem.line, problem.field) == (line, field)
    assert fragment in problem.message


def test_metaobject_topic_with_a_type_filter(write) -> None:
    spec = load_stack_file(
        write(HEAD + "    topics:\n      - {topic: metaobjects/create, filter: 'type:lookbook'}\n")
    )
    assert spec.shops[0].topics[0].filter == "type:lookbook"


@pytest.mark.parametrize(
    ("option", "fragment"),
    [
        ("uri: 'pubsub://my-project:events'", "Pub/Sub and EventBridge need shopify.api graphql"),
        (f"uri: '{ARN}'", "is an EventBridge destination"),
        ("filter: 'id:1'", "filters need shopify.api graphql"),
        ("name: main", 'subscriptions have a "name" only with shopify.api graphql'),
    ],
)
def test_graphql_only_options_with_rest(write, problems_of, option: str, fragment: str) -> None:
    text = (
        HEAD.replace("shops:", "  api: rest\nshops:")
        + f"    topics:\n      - {{topic: orders/create, {option}}}\n"
    )
    problem = only(problems_of(write(text)))
    assert problem.line == 8 and fragment in problem.message


def test_names_need_2026_04(write, problems_of) -> None:
    text = HEAD.replace("2026-10", "2026-01") + "    topics:\n      - {topic: orders/create, name: main}\n"
    problem = only(problems_of(write(text)))
    assert problem.field == "shops.acme.topics[0].name"
    assert (
        problem.message
        == "subscription names need API version 2026-04 or later (shopify.api_version is 2026-01)"
    )


@pytest.mark.parametrize("stack", ["prod-", "a--b"])
def test_stack_names_that_cannot_own_graphql_subscriptions(write, problems_of, stack: str) -> None:
    problem = only(problems_of(write(HEAD + "    topics: [orders/create]\n", stack)))
    assert problem.field == "shopify"
    assert f'stack "{stack}" cannot own GraphQL subscriptions' in problem.message
    assert load_stack_file(write(HEAD.replace("shops:", "  api: rest\nshops:") + "    topics: []\n", stack))


def test_project_and_stack_too_long_for_the_marker(tmp_path: Path, write, problems_of) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: " + "p" * 30 + "\nruntime: python\n")
    path = write(HEAD + "    topics: [orders/create]\n", "s" * 12)
    problem = only(problems_of(path))
    assert "too long for a subscription name" in problem.message
    assert load_stack_file(path, project="shopstream").api == "graphql"


def test_unserved_api_version_is_refused_by_date(write, problems_of, fixed_today) -> None:
    text = HEAD.replace("2026-10", "2027-04") + "    topics: [orders/create]\n"
    problem = only(problems_of(write(text)))
    assert problem.message.startswith('unsupported API version "2027-04"; supported: 2026-01,')
    from datetime import date

    assert load_stack_file(write(text), today=date(2027, 2, 1)).api_version == "2027-04"
