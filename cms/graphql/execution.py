"""A faster path through graphql-core for the fields that are plain data.

A front page asks for some 350 fields, most of them titles, slugs and names read
straight off an object. graphql-core spends most of its time per field building
a resolve-info object and walking its generic completion; for a field that has
no resolver of its own and a scalar or enum type, none of that can change the
answer. Such fields take this short path; everything else (objects, lists,
resolvers with arguments, nulls where the schema forbids them, any error) goes
through graphql-core unchanged.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLField, GraphQLLeafType, GraphQLNonNull, GraphQLObjectType, Undefined, is_leaf_type
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

_SLOW = object()
_plans: dict[int, Any] = {}


def _plan(field: GraphQLField) -> Any:
    """(resolver, leaf type, nullable) for a plain data field, or _SLOW."""
    resolve = field.resolve
    if resolve is None or not getattr(resolve, "_is_default", False) or field.args:
        return _SLOW
    field_type = field.type
    nullable = not isinstance(field_type, GraphQLNonNull)
    inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    if not is_leaf_type(inner):
        return _SLOW
    return resolve, inner, nullable


class FastExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        field = parent_type.fields.get(field_details_list[0].node.name.value)
        middleware = self.middleware_manager
        if field is not None and (middleware is None or not middleware.middlewares):
            plan = _plans.get(id(field))
            if plan is None:
                # Fields live as long as the schema, so their ids are stable keys.
                plan = _plans[id(field)] = (field, _plan(field))
            plan = plan[1]
            if plan is not _SLOW:
                resolve, leaf, nullable = plan
                value = resolve(source, None)
                if value is None:
                    if nullable:
                        return None
                else:
                    leaf_type: GraphQLLeafType = leaf
                    try:
                        serialized = leaf_type.serialize(value)
                    except Exception:
                        serialized = Undefined
                    if serialized is not Undefined and serialized is not None:
                        return serialized
        return super().execute_field(parent_type, source, field_details_list, path, position_context)
