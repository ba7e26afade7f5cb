"""Top-level GraphQL errors in Shopify's shapes: invalid enum values (inline and as variables), malformed and
invalid documents, a missing query, bad tokens."""

from __future__ import annotations

import requests

from tests.emulator_graphql.support import CREATE, make_shop

BOGUS_INLINE = """mutation WebhookSubscriptionBogusTopic {
  webhookSubscriptionCreate(topic: NOT_A_REAL_TOPIC, webhookSubscription: {uri: "https://example.com/x"}) {
    userErrors { field message }
  }
}"""


def test_unknown_topic_inline_is_argument_literals_incompatible(emulator):
    api = make_shop(emulator)
    assert api.call(BOGUS_INLINE) == {
        "errors": [
            {
                "message": "Argument 'topic' on Field 'webhookSubscriptionCreate' has an invalid value "
                "(NOT_A_REAL_TOPIC). Expected type 'WebhookSubscriptionTopic!'.",
                "locations": [{"line": 2, "column": 3}],
                "path": ["mutation WebhookSubscriptionBogusTopic", "webhookSubscriptionCreate", "topic"],
                "extensions": {
                    "code": "argumentLiteralsIncompatible",
                    "typeName": "Field",
                    "argumentName": "topic",
                },
            }
        ]
    }  # no data and no cost extension: nothing ran
    assert emulator.control.subscriptions("acme") == []


def test_unknown_topic_as_variable_is_invalid_variable(emulator):
    api = make_shop(emulator)
    answer = api.call(CREATE, {"topic": "NOT_A_REAL_TOPIC", "sub": {"uri": "https://example.com/x"}})
    assert list(answer) == ["errors"]
    (error,) = answer["errors"]
    assert error["message"] == "Variable $topic of type WebhookSubscriptionTopic! was provided invalid value"
    assert error["locations"] == [{"line": 2, "column": 36}]
    extensions = error["extensions"]
    assert extensions["code"] == "INVALID_VARIABLE" and extensions["value"] == "NOT_A_REAL_TOPIC"
    (problem,) = extensions["problems"]
    assert problem["path"] == []
    assert problem["explanation"].startswith('Expected "NOT_A_REAL_TOPIC" to be one of: ')
    assert "ORDERS_CREATE" in problem["explanation"].split(": ", 1)[1].split(", ")


def test_other_invalid_variables(emulator):
    api = make_shop(emulator)
    missing = api.call(CREATE, {"sub": {"uri": "https://example.com/x"}})["errors"][0]
    assert missing["extensions"]["value"] is None
    assert missing["extensions"]["problems"] == [{"path": [], "explanation": "Expected value to not be null"}]
    wrong = api.call(
        CREATE, {"topic": "ORDERS_CREATE", "sub": {"uri": 5, "includeFields": ["id", 7], "nope": 1}}
    )
    problems = wrong["errors"][0]["extensions"]["problems"]
    assert {"path": ["nope"], "explanation": "Field is not defined on WebhookSubscriptionInput"} in problems
    assert {"path": ["uri"], "explanation": "Could not coerce value 5 to String"} in problems
    assert {"path": ["includeFields", 1], "explanation": "Could not coerce value 7 to String"} in problems


def test_validation_errors(emulator):
    api = make_shop(emulator)
    unknown_field = api.call("query { webhookSubscriptions(first: 1) { nodes { nope } } }")["errors"][0]
    assert unknown_field["message"] == "Field 'nope' doesn't exist on type 'WebhookSubscription'"
    assert unknown_field["path"] == ["query", "webhookSubscriptions", "nodes", "nope"]
    assert unknown_field["extensions"] == {
        "code": "undefinedField",
        "typeName": "WebhookSubscription",
        "fieldName": "nope",
    }
    root = api.call("{ shopify }")["errors"][0]
    assert root["message"] == "Field 'shopify' doesn't exist on type 'QueryRoot'"
    argument = api.call("{ webhookSubscriptions(first: 1, color: RED) { nodes { id } } }")["errors"][0]
    assert argument["message"] == "Field 'webhookSubscriptions' doesn't accept argument 'color'"
    assert argument["extensions"]["code"] == "argumentNotAccepted"
    required = api.call("mutation { webhookSubscriptionDelete { userErrors { message } } }")["errors"][0]
    assert required["message"] == "Field 'webhookSubscriptionDelete' is missing required arguments: id"
    sort_key = api.call("query Q { webhookSubscriptions(first: 1, sortKey: TOPIC) { nodes { id } } }")[
        "errors"
    ][0]
    assert sort_key["message"] == (
        "Argument 'sortKey' on Field 'webhookSubscriptions' has an invalid value (TOPIC). "
        "Expected type 'WebhookSubscriptionSortKeys'."
    )
    assert sort_key["path"] == ["query Q", "webhookSubscriptions", "sortKey"]
    no_selection = api.call("{ webhookSubscriptions(first: 1) }")["errors"][0]
    assert no_selection["extensions"]["code"] == "selectionMismatch"
    undeclared = api.call("query Q { webhookSubscription(id: $id) { id } }")["errors"][0]
    assert undeclared["message"] == "Variable $id is used by Q but not declared"
    unused = api.call(
        'query Q($x: ID) { webhookSubscription(id: "gid://shopify/WebhookSubscription/1") { id } }'
    )
    assert unused["errors"][0]["message"] == "Variable $x is declared by Q but not used"
    mismatch = api.call("query Q($x: String!) { webhookSubscription(id: $x) { id } }")["errors"][0]
    assert mismatch["message"] == "Type mismatch on variable $x and argument id (String! / ID!)"


def test_malformed_documents(emulator):
    api = make_shop(emulator)
    assert api.call("{ webhookSubscriptions(first: 1) { nodes { id }")["errors"] == [
        {"message": "Unexpected end of document", "locations": [{"line": 1, "column": 48}]}
    ]
    assert api.call("{ webhookSubscriptions(first: 1) } }")["errors"][0]["message"] == (
        'Parse error on "}" (RCURLY) at [1, 36]'
    )
    several = api.call(
        "query A { webhookSubscriptionsCount { count } } query B { webhookSubscriptionsCount { count } }"
    )
    assert several["errors"] == [{"message": "An operation name is required"}]


def test_missing_query_is_a_400_and_application_graphql_works(emulator):
    api = make_shop(emulator)
    headers = {"X-Shopify-Access-Token": api.token}
    for body in ({}, {"query": ""}, {"query": 5}):
        response = requests.post(api.url, json=body, headers=headers, timeout=10)
        assert response.status_code == 400
        assert response.json() == {"errors": {"query": "Required parameter missing or invalid"}}
    raw = requests.post(
        api.url,
        data="{ webhookSubscriptionsCount { count } }",
        headers={**headers, "Content-Type": "application/graphql"},
        timeout=10,
    )
    assert raw.status_code == 200 and raw.json()["data"] == {"webhookSubscriptionsCount": {"count": 0}}


def test_bad_token_is_a_401_with_the_rest_body(emulator):
    api = make_shop(emulator)
    body = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
    for headers in ({"X-Shopify-Access-Token": "shpat_" + "0" * 32}, {}):
        response = requests.post(
            api.url, json={"query": "{ webhookSubscriptionsCount { count } }"}, headers=headers, timeout=10
        )
        assert response.status_code == 401 and response.json() == body
