"""A faster path through graphql-core for the fields that are plain data.

A front page asks for some 350 fields, most of them titles, slugs and names read
straight off an object that the list resolver already built. For every field,
graphql-core builds a resolve-info object and walks its generic completion; for
a field that has no resolver of its own, none of that can change the answer.
Such fields take a short path here:

- scalars and enums: read the attribute, serialise it;
- objects and lists of objects of a concrete type: read the attribute and go
  straight to executing the sub-selection.

Everything else (resolvers, arguments, abstract types, a null where the schema
forbids one, a value of the wrong type) goes through graphql-core unchanged, and
errors raised below a short-cut field are reported exactly as graphql-core does.

This overrides graphql-core internals (``execute_field``, ``handle_field_error``,
``collect_and_execute_subfields``), so graphql-core is pinned to the minor version it
was written for; ``CMS_FAST_PATH=off`` runs the stock engine instead.

Both engines check a deadline before each field: a query past its time gets no
further than the field it is in (see ``TimedExecutionContext``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    Undefined,
    is_leaf_type,
)
from graphql.pyutils import Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

_LEAF, _OBJECT, _OBJECT_LIST, _SLOW = range(4)
_PLAN = "_cms_plan"  # where a field's plan is kept, on the field itself


def _unwrap(type_: GraphQLOutputType) -> tuple[GraphQLOutputType, bool]:
    if isinstance(type_, GraphQLNonNull):
        return type_.of_type, False
    return type_, True


def _plan(field: GraphQLField) -> tuple[Any, ...]:
    resolve = field.resolve
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if resolve is None or not getattr(resolve, "_is_default", False) or field.args or definition is None:
        return (_SLOW,)
    # Strawberry's default resolver is getattr by the Python name, behind two calls.
    resolve = attrgetter(definition.python_name)
    inner, nullable = _unwrap(field.type)
    if is_leaf_type(inner):
        return (_LEAF, resolve, inner, nullable)
    if isinstance(inner, GraphQLObjectType):
        return (_OBJECT, resolve, inner, nullable)
    if isinstance(inner, GraphQLList):
        item, item_nullable = _unwrap(inner.of_type)
        if isinstance(item, GraphQLObjectType) and not item_nullable:
            return (_OBJECT_LIST, resolve, item, nullable)
    return (_SLOW,)


class DeadlineExceeded(GraphQLError):
    """Raised at the first field reached after the deadline; the runner answers for the
    whole operation with one EXECUTION_TIMEOUT (see operations.py)."""

    def __init__(self) -> None:
        super().__init__("The query ran out of time.", extensions={"code": "EXECUTION_TIMEOUT"})


class TimedExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, refusing to start a field once ``deadline`` (monotonic) has passed.

    Resolvers are synchronous, so nothing can interrupt one from outside; checking
    between fields bounds a query to the deadline plus its slowest single field, and
    the database's own limits bound that field's statements (see cms/db.py).
    """

    def __init__(self, *args: Any, deadline: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = deadline

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise DeadlineExceeded
        return super().execute_field(parent_type, source, field_details_list, path, position_context)


class FastExecutionContext(TimedExecutionContext):
    def _plan_for(self, field: GraphQLField) -> tuple[Any, ...]:
        plan: tuple[Any, ...] | None = getattr(field, _PLAN, None)
        if plan is None:
            plan = _plan(field)
            setattr(field, _PLAN, plan)
        return plan

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's loop over a selection, with plain scalar fields answered in it.

        Most fields of a page are such scalars (a title, a slug, a name): read and serialised
        here, they cost no path, no call to ``execute_field`` and no awaitable check."""
        middleware = self.middleware_manager
        if middleware is not None and middleware.middlewares:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        fields = parent_type.fields
        try:
            for response_name, field_details_list in grouped_field_set.items():
                field = fields.get(field_details_list[0].node.name.value)
                if field is not None:
                    plan = getattr(field, _PLAN, None) or self._plan_for(field)
                    if plan[0] == _LEAF:
                        value = plan[1](source_value)
                        if value is None:
                            if plan[3]:
                                results[response_name] = None
                                continue
                        else:
                            try:
                                serialized = plan[2].serialize(value)
                            except Exception:
                                serialized = None  # graphql-core reports it, below
                            if serialized is not None and serialized is not Undefined:
                                results[response_name] = serialized
                                continue
                result = self.execute_field(
                    parent_type,
                    source_value,
                    field_details_list,
                    Path(path, response_name, parent_type.name),
                    position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[name] for name in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            done = await gather_with_cancel(*(results[name] for name in awaitable_fields))
            results.update(zip(awaitable_fields, done, strict=True))
            return results

        return get_results()

    def _is_instance(self, type_: GraphQLObjectType, value: Any) -> bool:
        is_type_of = type_.is_type_of
        if is_type_of is None:
            return True
        definition = (type_.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
        if definition is not None and type(value) is definition.origin:
            return True  # the common case, settled without Strawberry's general check
        return is_type_of(value, None) is True  # type: ignore[arg-type]

    def _subfields(
        self, type_: GraphQLObjectType, field_details_list: Any, path: Any, value: Any, position_context: Any
    ) -> Any:
        return self.collect_and_execute_subfields(type_, field_details_list, path, value, position_context)

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise DeadlineExceeded
        middleware = self.middleware_manager
        field = parent_type.fields.get(field_details_list[0].node.name.value)
        if field is None or (middleware is not None and middleware.middlewares):
            return super().execute_field(parent_type, source, field_details_list, path, position_context)
        plan = self._plan_for(field)
        kind = plan[0]
        if kind == _SLOW:
            return super().execute_field(parent_type, source, field_details_list, path, position_context)
        _, resolve, type_, nullable = plan
        value = resolve(source)
        if value is None:
            if nullable:
                return None
            return super().execute_field(parent_type, source, field_details_list, path, position_context)
        if kind == _LEAF:
            try:
                serialized = type_.serialize(value)
            except Exception:
                serialized = Undefined
            if serialized is Undefined or serialized is None:
                return super().execute_field(parent_type, source, field_details_list, path, position_context)
            return serialized
        if kind == _OBJECT:
            if not self._is_instance(type_, value):
                return super().execute_field(parent_type, source, field_details_list, path, position_context)
            return self._guard(
                lambda: self._subfields(type_, field_details_list, path, value, position_context),
                field.type,
                field_details_list,
                path,
            )
        if not isinstance(value, list) or not all(self._is_instance(type_, item) for item in value):
            return super().execute_field(parent_type, source, field_details_list, path, position_context)
        return self._guard(
            lambda: self._list(type_, field_details_list, path, value, position_context),
            field.type,
            field_details_list,
            path,
        )

    def _list(
        self,
        type_: GraphQLObjectType,
        field_details_list: Any,
        path: Any,
        items: list[Any],
        position_context: Any,
    ) -> Any:
        results = [
            self._subfields(type_, field_details_list, path.add_key(index, None), item, position_context)
            for index, item in enumerate(items)
        ]
        if not any(self.is_awaitable(r) for r in results):
            return results

        async def gather() -> list[Any]:
            # Concurrently, as graphql-core does: loaders batch only what is asked
            # for in the same turn of the event loop.
            pending = [(i, r) for i, r in enumerate(results) if self.is_awaitable(r)]
            done = await asyncio.gather(*(r for _, r in pending))
            for (i, _), value in zip(pending, done, strict=True):
                results[i] = value
            return results

        return gather()

    def _guard(self, complete: Any, return_type: Any, field_details_list: Any, path: Any) -> Any:
        """Report an error below this field as graphql-core's own execute_field would."""
        try:
            completed = complete()
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
        if not self.is_awaitable(completed):
            return completed

        async def await_completed(awaitable: Awaitable[Any]) -> Any:
            try:
                return await awaitable
            except Exception as raw_error:
                self.handle_field_error(raw_error, return_type, field_details_list, path)
                return None

        return await_completed(completed)
