"""The GraphQL Admin API endpoint: ``POST /admin/api/{version}/graphql.json`` (reference §3.2, §4).

The shop, the access token (401 with the REST body) and the version are admitted by
``shopstream.emulator.admin_api.admit`` as for REST; the REST leaky bucket does not apply here. Then, in
order:

1. the body: JSON ``{query, variables?, operationName?}`` or ``application/graphql`` text; no query ->
   400 ``{"errors":{"query":"Required parameter missing or invalid"}}`` (reference §1.4);
2. parse and validate against the version's schema -> HTTP 200 with top-level ``errors`` only (no ``data``
   and no ``extensions``, as the live captures show for validation failures);
3. variable values -> ``INVALID_VARIABLE`` errors (e.g. an unknown topic enum passed as a variable);
4. the requested cost: over the single-query cap -> ``MAX_COST_EXCEEDED``; over the points currently
   available in the (shop, app) bucket -> ``Throttled`` / ``THROTTLED``; both HTTP 200 with the cost
   extension and ``actualQueryCost: null``;
5. execution over the shared store under its lock; ``extensions.cost`` with the actual cost and the bucket.

Each call is noted for the request log (operation, root fields, costs; never the query text or variables).
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from flask import Blueprint, Flask, current_app, g, request
from flask.typing import ResponseReturnValue
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    execute_sync,
    get_operation_ast,
    parse,
)
from graphql.execution.values import get_variable_values

from shopstream.emulator import graphql_cost
from shopstream.emulator.context import current
from shopstream.emulator.errors import UNAUTHORIZED_BODY, ApiError, not_found
from shopstream.emulator.graphql_errors import ErrorJSON, syntax_error, validation_errors, variable_errors
from shopstream.emulator.graphql_resolvers import RequestContext, schema_for
from shopstream.emulator.state import CostLimit, Shop, Store, Token

EXTENSION_KEY = "shopstream_graphql"
MISSING_QUERY = {"errors": {"query": "Required parameter missing or invalid"}}
GRAPHQL_PATHS = ("/admin/api/<version>/graphql.json", "/admin/api/graphql.json")

bp = Blueprint("graphql_api", __name__)
_log = logging.getLogger(__name__)


def install(app: Flask, store: Store, default_limit: CostLimit) -> graphql_cost.CostThrottle:
    throttle = graphql_cost.CostThrottle(default_limit, store.clock)
    app.extensions[EXTENSION_KEY] = throttle
    app.register_blueprint(bp)
    return throttle


def cost_throttle(app: Flask | None = None) -> graphql_cost.CostThrottle:
    return cast(graphql_cost.CostThrottle, (app or current_app).extensions[EXTENSION_KEY])


def is_graphql_path(path: str) -> bool:
    return path.startswith("/admin/api/") and path.endswith("/graphql.json")


# --- the request body -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GraphqlRequest:
    query: str
    variables: dict[str, Any]
    operation_name: str | None


def _read_request() -> GraphqlRequest:
    if request.mimetype == "application/graphql":
        query: Any = request.get_data(as_text=True)
        variables: Any = {}
        operation_name: Any = None
    else:
        body = request.get_json(force=True, silent=True)
        if not isinstance(body, dict):
            raise ApiError(400, MISSING_QUERY)
        query, variables, operation_name = body.get("query"), body.get("variables"), body.get("operationName")
    if not isinstance(query, str) or not query.strip():
        raise ApiError(400, MISSING_QUERY)
    if isinstance(variables, str):  # some clients send the variables as a JSON string
        try:
            variables = json.loads(variables) if variables.strip() else {}
        except ValueError:
            variables = None
    if variables is None:
        variables = {}
    if not isinstance(variables, dict):
        # UNCONFIRMED: the documented 400 shape, keyed by the parameter.
        raise ApiError(400, {"errors": {"variables": "Required parameter missing or invalid"}})
    return GraphqlRequest(query, variables, operation_name if isinstance(operation_name, str) else None)


# --- parsing and validation (cached: clients send the same few documents again and again) -------------------


@dataclass(frozen=True)
class Checked:
    document: DocumentNode | None
    errors: tuple[ErrorJSON, ...]


@lru_cache(maxsize=512)
def _check(api_version: str, query: str) -> Checked:
    try:
        document = parse(query)
    except GraphQLError as exc:
        return Checked(None, (syntax_error(query, exc),))
    return Checked(document, tuple(validation_errors(schema_for(api_version), document)))


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | ErrorJSON:
    operation = get_operation_ast(document, name)
    if operation is not None:
        return operation
    if name:
        return {"message": f'No operation named "{name}"'}
    return {"message": "An operation name is required"}  # graphql-ruby, several operations and no name


def _root_fields(operation: OperationDefinitionNode) -> list[str]:
    return [s.name.value for s in operation.selection_set.selections if isinstance(s, FieldNode)]


def _internal_error(error: GraphQLError) -> ErrorJSON:
    request_id = str(uuid.uuid4())
    _log.error("GraphQL resolver failed (request %s)", request_id, exc_info=error.original_error)
    return {
        "message": "Internal error. Looks like something went wrong on our end.\n"
        f"Request ID: {request_id} (include this in support requests).",
        "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
    }


def _format(error: GraphQLError) -> ErrorJSON:
    original = error.original_error
    if original is not None and not isinstance(original, GraphQLError):
        return _internal_error(error)
    return cast(ErrorJSON, error.formatted)


def _note(
    operation: OperationDefinitionNode | None, outcome: str, requested: int | None, actual: int | None
) -> None:
    g.graphql_log = {
        "operation": operation.operation.value if operation else None,
        "operation_name": operation.name.value if operation and operation.name else None,
        "root_fields": _root_fields(operation) if operation else [],
        "requested_cost": requested,
        "actual_cost": actual,
        "outcome": outcome,
    }


def _caller(store: Store) -> tuple[Shop, Token]:
    shop = store.shops.get(g.shop_name)
    if shop is None:
        raise not_found()
    token = shop.tokens.get(g.token_id)
    if token is None:
        raise ApiError(401, UNAUTHORIZED_BODY)
    return shop, token


def _endpoint(version: str | None = None) -> ResponseReturnValue:
    incoming = _read_request()
    api_version: str = g.api_version
    schema = schema_for(api_version)
    checked = _check(api_version, incoming.query)
    if checked.document is None or checked.errors:
        _note(None, "invalid", None, None)
        return {"errors": list(checked.errors)}
    operation = _operation(checked.document, incoming.operation_name)
    if isinstance(operation, dict):
        _note(None, "invalid", None, None)
        return {"errors": [operation]}
    problems = variable_errors(schema, operation, incoming.variables)
    if problems:
        _note(operation, "invalid", None, None)
        return {"errors": problems}
    coerced = get_variable_values(schema, operation.variable_definitions or (), incoming.variables)
    if isinstance(coerced, list):  # every problem was reported above; this is a safety net
        _note(operation, "invalid", None, None)
        return {"errors": [cast(ErrorJSON, e.formatted) for e in coerced]}
    fragments = {
        d.name.value: d for d in checked.document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    plan = graphql_cost.plan(schema, operation, fragments, coerced)
    store = current().store
    throttle = cost_throttle()
    with store.lock:
        shop, token = _caller(store)
        bucket = throttle.bucket(shop, token.app)
        max_cost = throttle.max_cost(shop)
        if plan.requested > max_cost:
            _note(operation, "max_cost_exceeded", plan.requested, None)
            return {
                "errors": [graphql_cost.max_cost_exceeded_error(plan.requested, max_cost)],
                "extensions": graphql_cost.cost_extension(plan.requested, None, bucket.status()),
            }
        if not bucket.try_take(plan.requested):
            _note(operation, "throttled", plan.requested, None)
            return {
                "errors": [graphql_cost.throttled_error()],
                "extensions": graphql_cost.cost_extension(plan.requested, None, bucket.status()),
            }
        context = RequestContext(store, shop, token, api_version)
        result = execute_sync(
            schema,
            checked.document,
            context_value=context,
            variable_values=incoming.variables,
            operation_name=incoming.operation_name,
        )
        actual = plan.actual(context.returned)
        bucket.give_back(plan.requested - actual)
        status = bucket.status()
        if context.changed:
            store.save()
    _note(operation, "ok", plan.requested, actual)
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [_format(e) for e in result.errors]
    body["extensions"] = graphql_cost.cost_extension(plan.requested, actual, status)
    return body


for _rule in GRAPHQL_PATHS:
    bp.add_url_rule(
        _rule, endpoint=f"graphql_{GRAPHQL_PATHS.index(_rule)}", view_func=_endpoint, methods=["POST"]
    )
