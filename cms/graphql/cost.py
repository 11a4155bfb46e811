"""What a query may cost, known before any resolver runs.

The cost is the number of objects the answer can hold at most, the way GitHub's and
Shopify's APIs count. With the variables applied:

- a scalar or enum field costs 0, and so does ``__typename``;
- an object field costs 1 for each time it can appear, plus what is selected inside it;
- a connection (a type named ``...Connection`` with ``first``/``last``), or a field
  registered as paged, costs 1, and the lists directly inside it (``edges``,
  ``nodes``, ``items``...) hold its page size: ``first``, else ``last``, else the
  default page size (a size past the largest page is counted at the largest page, so
  that such a query is refused with the page size's own, clearer error);
- any other list of objects holds ``LIST_SIZE`` items, unless registered otherwise;
- every item multiplies what is selected inside it, all the way down;
- ``__schema`` and ``__type`` cost ``INTROSPECTION_COST`` whatever they select;
- each mutation field costs ``MUTATION_COST`` on top of its payload.

Fragments count where they are spread; fragments on different types are all counted
(an upper bound). ``FIELD_COSTS`` holds the exceptions, by schema coordinate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_argument_values,
    is_leaf_type,
)
from graphql.execution.values import VariableValues

LIST_SIZE = 10
INTROSPECTION_COST = 1000
MUTATION_COST = 10


@dataclass(frozen=True)
class FieldCost:
    """How one field counts, when the general rules above do not fit.

    ``page``: the field returns a page; lists directly inside its type hold
    ``page(arguments)`` items (arguments coerced, defaults applied).
    ``size``: a plain list of about this many items.
    """

    page: Callable[[Mapping[str, Any]], int] | None = None
    size: int | None = None


def page_argument(name: str = "first", default: int = 20) -> Callable[[Mapping[str, Any]], int]:
    """A page sized by one integer argument, e.g. ``changes(first: 1000)``."""

    def size(arguments: Mapping[str, Any]) -> int:
        value = arguments.get(name)
        return value if isinstance(value, int) and value >= 0 else default

    return size


#: Exceptions to the general rules, by ``Type.field``. Other modules add theirs with
#: ``register`` when they are imported (before the schema serves its first request).
FIELD_COSTS: dict[str, FieldCost] = {
    # Reference data served from memory: licences are some 40; a publication has a
    # dozen or two sections and categories.
    "Query.licenses": FieldCost(size=50),
    "Query.sections": FieldCost(size=20),
    "Query.categories": FieldCost(size=20),
}


def register(coordinate: str, cost: FieldCost) -> None:
    FIELD_COSTS[coordinate] = cost


def _unwrap(type_: Any) -> tuple[Any, bool]:
    """The named type, and whether a list stands in between."""
    is_list = False
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        is_list = is_list or isinstance(type_, GraphQLList)
        type_ = type_.of_type
    return type_, is_list


class CostCalculator:
    """One calculation: an operation, its fragments and its coerced variables."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: VariableValues | None,
        *,
        default_page: int,
        max_page: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.default_page = default_page
        self.max_page = max_page
        self._fragment_costs: dict[tuple[str, int | None], int] = {}
        #: The variables the cost depended on: a cache of costs may key on these alone.
        self.variables_used: set[str] = set()

    def operation(self, operation: OperationDefinitionNode) -> int:
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return 0
        total = self.selections(root, operation.selection_set, None)
        if operation.operation is OperationType.MUTATION:
            total += MUTATION_COST * sum(
                1
                for node in operation.selection_set.selections
                if isinstance(node, FieldNode) and not node.name.value.startswith("__")
            )
        return total

    def selections(self, parent: GraphQLObjectType, selection_set: SelectionSetNode, page: int | None) -> int:
        """Cost of one selection set, once. ``page`` sizes the lists of a page's type."""
        total = 0
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                total += self.field(parent, node, page)
            elif isinstance(node, InlineFragmentNode):
                inner = self._condition(
                    node.type_condition.name.value if node.type_condition else None, parent
                )
                total += self.selections(inner, node.selection_set, page)
            elif isinstance(node, FragmentSpreadNode):
                total += self.fragment(node.name.value, parent, page)
        return total

    def fragment(self, name: str, parent: GraphQLObjectType, page: int | None) -> int:
        # A fragment's cost does not depend on where it is spread (beyond the page of
        # its type), so each is counted once: spreading one fragment many times inside
        # another cannot make the count itself exponential.
        key = (name, page)
        cost = self._fragment_costs.get(key)
        if cost is None:
            definition = self.fragments.get(name)
            self._fragment_costs[key] = 0  # a cycle (refused by validation anyway) ends here
            cost = 0
            if definition is not None:
                inner = self._condition(definition.type_condition.name.value, parent)
                cost = self.selections(inner, definition.selection_set, page)
            self._fragment_costs[key] = cost
        return cost

    def _condition(self, name: str | None, parent: GraphQLObjectType) -> Any:
        found = self.schema.get_type(name) if name else None
        return found if found is not None else parent

    def field(self, parent: Any, node: FieldNode, page: int | None) -> int:
        name = node.name.value
        if name.startswith("__"):
            return INTROSPECTION_COST if name in {"__schema", "__type"} else 0
        definition = getattr(parent, "fields", {}).get(name)
        if definition is None:
            return 0  # validation reports it
        type_, is_list = _unwrap(definition.type)
        if is_leaf_type(type_) or node.selection_set is None:
            return 0
        rule = FIELD_COSTS.get(f"{parent.name}.{name}")
        inner_page = self._page(definition, node, rule)
        if inner_page is not None:
            return 1 + self.selections(type_, node.selection_set, inner_page)
        inside = 1 + self.selections(type_, node.selection_set, None)
        if not is_list:
            return inside
        if rule is not None and rule.size is not None:
            size = rule.size
        elif page is not None:
            size = page
        else:
            size = LIST_SIZE
        return size * inside

    def _page(self, definition: Any, node: FieldNode, rule: FieldCost | None) -> int | None:
        """The page size if this field returns a page, else None."""
        if rule is not None and rule.page is not None:
            return max(0, rule.page(self._arguments(definition, node)))
        type_, is_list = _unwrap(definition.type)
        if is_list or not type_.name.endswith("Connection") or "first" not in definition.args:
            return None
        arguments = self._arguments(definition, node)
        for name in ("first", "last"):
            value = arguments.get(name)
            if isinstance(value, int):
                return min(max(0, value), self.max_page)
        return self.default_page

    def _arguments(self, definition: Any, node: FieldNode) -> dict[str, Any]:
        for argument in node.arguments or ():
            self.variables_used.update(_variables_in(argument.value))
        try:
            return get_argument_values(definition, node, self.variables)
        except GraphQLError:
            return {}  # execution reports the bad argument; count the defaults


def _variables_in(value: Any) -> set[str]:
    if isinstance(value, VariableNode):
        return {value.name.value}
    found: set[str] = set()
    for inner in getattr(value, "values", None) or ():  # lists
        found |= _variables_in(inner)
    for field in getattr(value, "fields", None) or ():  # input objects
        found |= _variables_in(field.value)
    return found
