"""The schema documents itself: GraphiQL's documentation pane is the first manual people read.

Every type, field, argument, input field, enum value and directive we define carries a
one-line description. Only what the GraphQL spec defines (introspection types, the five
standard scalars, the built-in directives) is left out; the Relay types (Node, PageInfo,
edges, connections) and the scalars we add are ours and are checked like the rest.
"""

from __future__ import annotations

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    is_introspection_type,
    is_specified_directive,
    is_specified_scalar_type,
)

from cms.graphql.schema import build_schema as build_cms_schema
from cms.settings import Settings


def _described(text: str | None) -> str | None:
    """Why a description does not do, or None when it does."""
    if text is None or not text.strip():
        return "no description"
    if "\n" in text.strip():
        return "more than one line"
    return None


def undescribed(schema: GraphQLSchema) -> list[str]:
    """Every element of ours whose description is missing or not one line, as
    `coordinate: why`, in schema order (coordinates as in the GraphQL spec: Type.field,
    Type.field(arg:), Enum.VALUE, Input.field, @directive(arg:))."""
    found: list[str] = []

    def check(coordinate: str, text: str | None) -> None:
        if why := _described(text):
            found.append(f"{coordinate}: {why}")

    for name, type_ in schema.type_map.items():
        if is_introspection_type(type_) or is_specified_scalar_type(type_):
            continue
        check(name, type_.description)
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in type_.fields.items():
                check(f"{name}.{field_name}", field.description)
                for arg_name, arg in field.args.items():
                    check(f"{name}.{field_name}({arg_name}:)", arg.description)
        elif isinstance(type_, GraphQLInputObjectType):
            for field_name, input_field in type_.fields.items():
                check(f"{name}.{field_name}", input_field.description)
        elif isinstance(type_, GraphQLEnumType):
            for value_name, value in type_.values.items():
                check(f"{name}.{value_name}", value.description)
    for directive in schema.directives:
        if is_specified_directive(directive):
            continue
        check(f"@{directive.name}", directive.description)
        for arg_name, arg in directive.args.items():
            check(f"@{directive.name}({arg_name}:)", arg.description)
    return found


HOW = (
    "Describe each in one line, in the API's own terms (what it is, units and defaults, "
    "which roles see it, how it pages): strawberry.type/field/mutation/enum(description=...), "
    'arguments as Annotated[int | None, strawberry.argument(description="...")] (shared ones in '
    "cms/graphql/arguments.py), enum values with strawberry.enum_value(..., description=...) or "
    "cms.graphql.arguments.describe_values. Then run `make schema`."
)


def test_every_element_of_the_schema_is_described() -> None:
    missing = undescribed(build_cms_schema(Settings())._schema)
    if missing:
        pytest.fail(f"{len(missing)} schema elements lack a description. {HOW}\n" + "\n".join(missing), False)


# The test of the test: a schema with holes of every kind must show each of them.

HOLES = '''
"""Root."""
type Query {
  """Described."""
  node(id: ID!, """Described."""
    kind: String): Node
  bare: Thing
}
"""Has an ID."""
interface Node { id: ID! }
type Thing implements Node {
  """Described."""
  id: ID!
  """
  Two
  lines.
  """
  name: String
}
"""An order."""
enum Order { """Described.""" NEWEST OLDEST }
input Filter { """  """ section: String }
scalar Money
directive @cost("""Described.""" weight: Int, limit: Int) on FIELD_DEFINITION
'''


def test_the_walk_finds_every_kind_of_hole_and_only_those() -> None:
    assert undescribed(build_schema(HOLES)) == [
        "Query.node(id:): no description",
        "Query.bare: no description",
        "Node.id: no description",
        "Thing: no description",
        "Thing.name: more than one line",
        "Order.OLDEST: no description",
        "Filter: no description",
        "Filter.section: no description",
        "Money: no description",
        "@cost: no description",
        "@cost(limit:): no description",
    ]


def test_the_walk_leaves_out_only_what_the_spec_defines() -> None:
    schema = build_schema('"""Root."""\ntype Query { """Described.""" ok: Boolean }')
    # String, Boolean, __Schema, __Type, @skip, @include, @deprecated ... are not ours to describe.
    assert undescribed(schema) == []
