"""A faster path through graphql-core for the fields that are plain data.

A front page asks for some 350 fields, most of them titles, slugs and names read
straight off an object that the list resolver already built. For every field,
graphql-core builds a resolve-info object and walks its generic completion; for
a field whose value only its object decides, none of that can change the answer.
Such fields are those without arguments or extensions (permissions) whose value is
an attribute, or a method marked ``@plain`` (a credit built from its image, a cursor
made only when asked for); they take a short path here, in the loop over a selection:

- scalars and enums: read the value, serialise it;
- objects and lists of objects of a concrete type: read the value and go straight
  to executing the sub-selection, without graphql-core's per-field and per-object
  layers (resolve info, completion, incremental delivery when nothing is deferred).

Everything else (resolvers that take arguments or the context, abstract types, a null
where the schema forbids one, a value of the wrong type, a method that raised) goes
through graphql-core unchanged, and errors raised below a short-cut field are reported
exactly as graphql-core does.

This overrides graphql-core internals (``execute_field``, ``execute_fields``,
``handle_field_error``, ``collect_subfields``), so graphql-core is pinned to the minor
version it was written for; ``CMS_FAST_PATH=off`` runs the stock engine instead.

Both engines check a deadline before each field that has a sub-selection or a resolver
of its own: a query past its time gets no further than the field it is in (see
``TimedExecutionContext``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from operator import attrgetter
from typing import Any, TypeVar

from graphql import (
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    Undefined,
    is_leaf_type,
)
from graphql.pyutils import Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.fields.resolver import ROOT_PARAMSPEC, SELF_PARAMSPEC

_LEAF, _OBJECT, _OBJECT_LIST, _SLOW = range(4)
_PLAN = "_cms_plan"  # where a field's plan is kept, on the field itself
_METHODS = "_cms_methods"  # on the schema: whether methods may be called directly (see _methods_allowed)
_FALLBACK: Any = object()  # the short path cannot answer this value: graphql-core will
_PLAIN = "_cms_plain"

F = TypeVar("F", bound=Callable[..., Any])


def plain(method: F) -> F:
    """Mark a resolver that computes its value from its object alone, synchronously, never an
    awaitable: the fast path calls it directly, without Strawberry's resolver machinery. Only
    functions taking only their object (``self`` or ``root``) qualify: anything needing the
    context or arguments goes the usual way."""
    setattr(method, _PLAIN, True)
    return method


def _unwrap(type_: GraphQLOutputType) -> tuple[GraphQLOutputType, bool]:
    if isinstance(type_, GraphQLNonNull):
        return type_.of_type, False
    return type_, True


def _methods_allowed(schema: GraphQLSchema) -> bool:
    """Strawberry wraps resolvers in exception handlers when the schema declares any; a method
    called directly would bypass them, so it is called directly only when there are none."""
    allowed: bool | None = getattr(schema, _METHODS, None)
    if allowed is None:
        strawberry_schema = getattr(schema, "_strawberry_schema", None)
        converter = getattr(strawberry_schema, "schema_converter", None)
        allowed = getattr(converter, "_exception_handler_specs", None) == ()
        setattr(schema, _METHODS, allowed)
    return allowed


def _reader(field: GraphQLField, definition: Any, methods: bool) -> Callable[[Any], Any] | None:
    """How to read the field's value off its object, when nothing but the object decides it."""
    if field.args or definition is None:
        return None
    if getattr(field.resolve, "_is_default", False):
        # Strawberry's default resolver is getattr by the Python name, behind two calls.
        return attrgetter(definition.python_name)
    resolver = definition.base_resolver
    if not methods or resolver is None or definition.extensions or resolver.is_async:
        return None
    if not getattr(resolver.wrapped_func, _PLAIN, False):
        return None
    parameters = list(resolver.signature.parameters.values())
    reserved = resolver.reserved_parameters
    source = {reserved.get(SELF_PARAMSPEC), reserved.get(ROOT_PARAMSPEC)} - {None}
    if len(parameters) != 1 or parameters[0] not in source:
        return None  # it takes the context or arguments: Strawberry supplies those
    method: Callable[[Any], Any] = resolver.wrapped_func
    return method


def _plan(field: GraphQLField, methods: bool) -> tuple[Any, ...]:
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    resolve = _reader(field, definition, methods)
    if resolve is None:
        return (_SLOW,)
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
    #: Selections collected once per document and shared by all its runs: set by the runner for a
    #: document without directives, where what a selection holds cannot depend on the variables.
    shapes: dict[tuple[Any, ...], Any] | None = None

    def collect_subfields(self, return_type: GraphQLObjectType, field_details_list: Any) -> Any:
        shapes = self.shapes
        if shapes is None:
            return super().collect_subfields(return_type, field_details_list)
        key = (return_type, *[id(details.node) for details in field_details_list])
        collected = shapes.get(key)
        if collected is None:
            collected = shapes[key] = super().collect_subfields(return_type, field_details_list)
        return collected

    def _plan_for(self, field: GraphQLField) -> tuple[Any, ...]:
        plan: tuple[Any, ...] | None = getattr(field, _PLAN, None)
        if plan is None:
            plan = _plan(field, _methods_allowed(self.schema))
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
        """graphql-core's loop over a selection, with the fields of plain data answered in it.

        Most fields of a page are such scalars (a title, a slug, a name), read and serialised
        here at no cost of a path or a call; an object or list of objects read off its parent
        goes straight to its own selection. Anything the short path cannot answer goes to
        graphql-core's own ``execute_field`` (behind the deadline), which reports it."""
        middleware = self.middleware_manager
        if middleware is not None and middleware.middlewares:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        fields = parent_type.fields
        deadline = self.deadline
        try:
            for response_name, field_details_list in grouped_field_set.items():
                field = fields.get(field_details_list[0].node.name.value)
                result = _FALLBACK
                if field is not None:
                    plan = getattr(field, _PLAN, None) or self._plan_for(field)
                    kind = plan[0]
                    if kind == _LEAF:
                        try:
                            value = plan[1](source_value)
                        except Exception:
                            value = _FALLBACK  # graphql-core calls it again and reports the error
                        if value is None:
                            if plan[3]:
                                results[response_name] = None
                                continue
                        elif value is not _FALLBACK:
                            try:
                                serialized = plan[2].serialize(value)
                            except Exception:
                                serialized = None  # graphql-core reports it, below
                            if serialized is not None and serialized is not Undefined:
                                results[response_name] = serialized
                                continue
                    elif kind != _SLOW and (deadline is None or time.monotonic() <= deadline):
                        field_path = Path(path, response_name, parent_type.name)
                        result = self._complete(
                            plan, field, source_value, field_details_list, field_path, position_context
                        )
                if result is _FALLBACK:
                    result = TimedExecutionContext.execute_field(
                        self,
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

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        """A field reached outside a selection loop (the root's fields)."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise DeadlineExceeded
        middleware = self.middleware_manager
        field = parent_type.fields.get(field_details_list[0].node.name.value)
        if field is not None and not (middleware is not None and middleware.middlewares):
            plan = self._plan_for(field)
            if plan[0] != _SLOW:
                result = self._complete(plan, field, source, field_details_list, path, position_context)
                if result is not _FALLBACK:
                    return result
        return super().execute_field(parent_type, source, field_details_list, path, position_context)

    def _complete(
        self,
        plan: tuple[Any, ...],
        field: GraphQLField,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        """The field's answer by the short path, or _FALLBACK when graphql-core must give it."""
        kind, resolve, type_, nullable = plan
        try:
            value = resolve(source)
        except Exception:
            return _FALLBACK
        if value is None:
            return None if nullable else _FALLBACK
        if kind == _LEAF:
            try:
                serialized = type_.serialize(value)
            except Exception:
                return _FALLBACK
            return _FALLBACK if serialized is Undefined or serialized is None else serialized
        if kind == _OBJECT:
            if not self._is_instance(type_, value):
                return _FALLBACK
        elif not isinstance(value, list) or not all(self._is_instance(type_, item) for item in value):
            return _FALLBACK
        try:
            if kind == _OBJECT:
                completed = self._subfields(type_, field_details_list, path, value, position_context)
            else:
                completed = self._list(type_, field_details_list, path, value, position_context)
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.type, field_details_list, path)
            return None
        if not self.is_awaitable(completed):
            return completed
        return self._guarded(completed, field.type, field_details_list, path)

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
        """graphql-core's collect_and_execute_subfields, straight to the loop when nothing is deferred."""
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(type_, field_details_list)
        if position_context is None and not new_defer_usages:
            return self.execute_fields(type_, value, path, grouped_field_set, None)
        return self.execute_collected_subfields(
            type_, value, path, grouped_field_set, new_defer_usages, position_context
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

    def _guarded(
        self, completed: Awaitable[Any], return_type: Any, field_details_list: Any, path: Any
    ) -> Any:
        """An error below this field, once awaited, reported as graphql-core's execute_field would."""

        async def await_completed() -> Any:
            try:
                return await completed
            except Exception as raw_error:
                self.handle_field_error(raw_error, return_type, field_details_list, path)
                return None

        return await_completed()
