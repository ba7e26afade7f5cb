"""GraphQL calculated query cost and the points bucket per (shop, app) (reference §3.2).

Costs (the observed ones, and a formula for the rest):

* every mutation field: 10 (captured for create, update and delete), whatever it selects;
* a connection (``webhookSubscriptions``): requested ``2 + page size * 1``, actual ``2 + returned * 1``.
  UNCONFIRMED formula (the brief's; captures give 4 for first:2, 6 for first:3 and 4 for last:1, and an older
  throttled example 752 for 250 nodes with two nested objects each), kept simple: nested objects inside a
  node are not multiplied. ``CONNECTION_BASE_COST`` and ``NODE_COST`` are the knobs;
* any other object field: 1 plus its nested object fields (``webhookSubscription(id)`` = 1 when it selects
  scalars, as captured; ``currentAppInstallation { accessScopes { handle } }`` = 2);
* scalars, enums, ``__typename`` and introspection: 0.

The bucket: ``maximum_available`` points restored at ``restore_rate`` per second. A query is admitted when
its requested cost fits the points currently available; the requested cost is taken, and after execution the
difference to the actual cost is given back. A query whose requested cost exceeds the single-query cap
(``max_query_cost``, Shopify's documented 1,000, or the bucket if smaller) is refused as MAX_COST_EXCEEDED.
Levels live in memory only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution.values import VariableValues, get_argument_values

from shopstream.emulator.state import CostLimit, Shop

MUTATION_COST = 10
CONNECTION_BASE_COST = 2
NODE_COST = 1
OBJECT_COST = 1
DEFAULT_MAXIMUM_AVAILABLE = 2000  # captured dev-store value
DEFAULT_RESTORE_RATE = 100.0  # points per second, Standard plan
DEFAULT_MAX_QUERY_COST = 1000  # Shopify's single-query limit (rate-limits docs; not in the captures)
DOCUMENTATION_URL = "https://shopify.dev/api/usage/rate-limits"


def default_cost_limit() -> CostLimit:
    return CostLimit(DEFAULT_MAXIMUM_AVAILABLE, DEFAULT_RESTORE_RATE, DEFAULT_MAX_QUERY_COST)


@dataclass(frozen=True)
class ConnectionCharge:
    """One connection field of the query: what it was charged for, so the actual cost can be settled."""

    page_size: int
    per_node: int


@dataclass
class CostPlan:
    requested: int
    connections: dict[int, ConnectionCharge] = field(default_factory=dict)  # by id() of the FieldNode

    def actual(self, returned: dict[int, int]) -> int:
        """The actual cost once the connections returned ``returned[id(node)]`` nodes (0 if never run)."""
        refund = sum(
            max(0, charge.page_size - returned.get(key, 0)) * charge.per_node
            for key, charge in self.connections.items()
        )
        return self.requested - refund


def _is_composite(type_: Any) -> bool:
    return isinstance(get_named_type(type_), GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType)


class _Planner:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: VariableValues,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.connections: dict[int, ConnectionCharge] = {}

    def _fields(
        self, selection_set: SelectionSetNode | None, seen: frozenset[str] = frozenset()
    ) -> list[FieldNode]:
        """The field nodes of a selection set with fragments flattened (any type condition)."""
        found: list[FieldNode] = []
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                found.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                found += self._fields(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:
                    found += self._fields(fragment.selection_set, seen | {name})
        return found

    def _field_def(self, parent: Any, node: FieldNode) -> GraphQLField | None:
        named = get_named_type(parent)
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            found: GraphQLField | None = named.fields.get(node.name.value)
            return found
        return None

    def _possible_fields(self, parent: Any, node: FieldNode) -> GraphQLField | None:
        """A field of ``parent``, looked up in the members when ``parent`` is a union."""
        named = get_named_type(parent)
        if isinstance(named, GraphQLUnionType):
            for member in named.types:
                candidate: GraphQLField | None = member.fields.get(node.name.value)
                if candidate is not None:
                    return candidate
            return None
        return self._field_def(named, node)

    def selection_cost(self, parent: Any, selection_set: SelectionSetNode | None) -> int:
        total = 0
        for node in self._fields(selection_set):
            if node.name.value.startswith("__"):
                continue
            definition = self._possible_fields(parent, node)
            if definition is None or not _is_composite(definition.type):
                continue
            named = get_named_type(definition.type)
            if named.name.endswith("Connection"):
                total += self.connection_cost(node, definition)
            else:
                total += OBJECT_COST + self.selection_cost(named, node.selection_set)
        return total

    def connection_cost(self, node: FieldNode, definition: GraphQLField) -> int:
        try:
            args = get_argument_values(definition, node, self.variables)
        except Exception:
            args = {}
        size = args.get("first") if args.get("first") is not None else args.get("last")
        page_size = max(0, int(size)) if isinstance(size, int) else 0
        self.connections[id(node)] = ConnectionCharge(page_size, NODE_COST)
        return CONNECTION_BASE_COST + page_size * NODE_COST


def plan(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: VariableValues,
) -> CostPlan:
    """The requested cost of ``operation`` (variables already coerced)."""
    planner = _Planner(schema, fragments, variables)
    if operation.operation == OperationType.MUTATION:
        fields = [n for n in planner._fields(operation.selection_set) if not n.name.value.startswith("__")]
        return CostPlan(MUTATION_COST * len(fields))
    requested = planner.selection_cost(schema.query_type, operation.selection_set)
    return CostPlan(requested, planner.connections)


# --- the bucket -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThrottleStatus:
    maximum_available: int
    currently_available: float
    restore_rate: float

    def to_json(self) -> dict[str, Any]:
        rate = self.restore_rate
        return {
            "maximumAvailable": self.maximum_available,
            "currentlyAvailable": math.floor(self.currently_available),
            "restoreRate": int(rate) if float(rate).is_integer() else rate,
        }


class PointsBucket:
    """Not thread-safe by itself: the caller holds the store lock."""

    def __init__(self, limit: CostLimit, clock: Callable[[], float]) -> None:
        self.limit = limit
        self._clock = clock
        self._available = float(limit.maximum_available)
        self._last = clock()

    def status(self) -> ThrottleStatus:
        now = self._clock()
        elapsed = max(0.0, now - self._last)
        self._available = min(
            float(self.limit.maximum_available), self._available + elapsed * self.limit.restore_rate
        )
        self._last = now
        return ThrottleStatus(self.limit.maximum_available, self._available, self.limit.restore_rate)

    def try_take(self, points: int) -> bool:
        if self.status().currently_available < points:
            return False
        self._available -= points
        return True

    def give_back(self, points: int) -> None:
        self.status()
        self._available = min(float(self.limit.maximum_available), self._available + max(0, points))


class CostThrottle:
    """One points bucket per (shop, app); a shop's own CostLimit overrides the server default."""

    def __init__(self, default: CostLimit, clock: Callable[[], float]) -> None:
        self.default = default
        self._clock = clock
        self._buckets: dict[tuple[str, str], PointsBucket] = {}

    def limit_for(self, shop: Shop) -> CostLimit:
        return shop.cost_limit or self.default

    def bucket(self, shop: Shop, app: str) -> PointsBucket:
        limit = self.limit_for(shop)
        key = (shop.name, app)
        bucket = self._buckets.get(key)
        if bucket is None or bucket.limit != limit:
            bucket = PointsBucket(limit, self._clock)  # new settings start with a full bucket
            self._buckets[key] = bucket
        return bucket

    def max_cost(self, shop: Shop) -> int:
        limit = self.limit_for(shop)
        return min(limit.max_query_cost, limit.maximum_available)

    def forget(self, shop_name: str | None = None) -> None:
        if shop_name is None:
            self._buckets.clear()
            return
        for key in [k for k in self._buckets if k[0] == shop_name]:
            del self._buckets[key]


def throttled_error() -> dict[str, Any]:
    return {
        "message": "Throttled",
        "extensions": {"code": "THROTTLED", "documentation": DOCUMENTATION_URL},
    }


def max_cost_exceeded_error(cost: int, max_cost: int) -> dict[str, Any]:
    """Shopify's wording for a query over the single-query limit (not in the captures: UNCONFIRMED detail)."""
    message = (
        f"Query cost is {cost}, which exceeds the single query max cost limit ({max_cost}).\n\n"
        "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n"
        "cost of a query is calculated.\n\n"
        "To query larger amounts of data with fewer limits, bulk operations should be used instead.\n"
        "See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n"
    )
    return {
        "message": message,
        "extensions": {
            "code": "MAX_COST_EXCEEDED",
            "cost": cost,
            "maxCost": max_cost,
            "documentation": DOCUMENTATION_URL,
        },
    }


def cost_extension(requested: int, actual: int | None, status: ThrottleStatus) -> dict[str, Any]:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": status.to_json(),
        }
    }
