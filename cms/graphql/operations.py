"""Running an operation: parse, validate, coerce, cost, execute, with caches and limits.

graphql-core does the work; this replaces only Strawberry's per-request pipeline
(its extension hooks), which cost more than executing a small query. The parse and
validation results are cached per query text, so a page that sends the same query
each time pays for neither.

Each stage attaches its own error code: GRAPHQL_PARSE_FAILED and the limits in
rules.py, BAD_USER_INPUT for variables that do not coerce, QUERY_TOO_COMPLEX with the
cost and the limit for a query that costs too much (computed with the variables
applied, before any resolver runs), EXECUTION_TIMEOUT for a query past its deadline.

``run`` is synchronous and runs whole on a pool thread (see workers.py).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson
import strawberry
from graphql import (
    DocumentNode,
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    get_operation_ast,
    specified_rules,
    validate,
)
from graphql.execution.values import VariableValues
from strawberry.execution.is_awaitable import optimized_is_awaitable

from cms.db import statement_deadline
from cms.errors import BadInput, UserError
from cms.graphql import rules
from cms.graphql.cost import CostCalculator
from cms.graphql.execution import FastExecutionContext, TimedExecutionContext
from cms.graphql.workers import settle
from cms.models import Role
from cms.observability.requests import note_operation
from cms.services.tokens import Caller
from cms.settings import Settings

log = logging.getLogger("cms.graphql")
_COSTS_PER_OPERATION = 64


class MutationNotAllowed(UserError):
    code = "METHOD_NOT_ALLOWED"


@dataclass(frozen=True)
class Prepared:
    document: DocumentNode | None  # None when it did not parse
    errors: tuple[GraphQLError, ...]
    fragments: dict[str, FragmentDefinitionNode]
    # Costs already computed, per operation: the variables each depends on, and the cost for
    # each of their values seen. A page that sends the same query computes its cost once.
    costs: dict[str | None, tuple[tuple[str, ...], dict[str, int]]] = field(default_factory=dict)
    # Selections the fast path collected, shared by every run (None: the document has directives,
    # or fragment variables, so a selection may depend on the request's variables).
    shapes: dict[tuple[Any, ...], Any] | None = None


@dataclass(frozen=True)
class Outcome:
    result: ExecutionResult
    cost: int  # what the operation may cost; 0 when it was refused before being costed
    cost_limit: int
    request_error: bool = False  # refused before execution: parse, validation, variables, cost
    timed_out: bool = False
    is_query: bool = False  # a query that ran (not a mutation): its answer may be cached


class OperationRunner:
    def __init__(self, schema: strawberry.Schema, settings: Settings, *, cache_size: int = 512) -> None:
        self.schema = schema._schema
        self.settings = settings
        self.max_tokens = settings.max_tokens
        self.rules = (*specified_rules, rules.limits_rule(settings.max_query_depth, settings.max_aliases))
        self.executor_class = FastExecutionContext if settings.fast_path else TimedExecutionContext
        # Bounded, so unique query texts cannot grow memory without limit.
        self.prepare = lru_cache(maxsize=cache_size)(self._prepare)

    def cost_limit(self, caller: Caller) -> int:
        if caller.role is None:
            return self.settings.max_cost_anonymous
        if caller.role is Role.PARTNER:
            return self.settings.max_cost_partner
        return self.settings.max_cost_staff

    def _prepare(self, query: str) -> Prepared:
        try:
            document = rules.parse(query, max_tokens=self.max_tokens)
        except GraphQLError as error:
            return Prepared(None, (error,), {})
        errors = rules.with_codes(validate(self.schema, document, self.rules, max_errors=50))
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        fixed = "@" not in query and not any(f.variable_definitions for f in fragments.values())
        return Prepared(document, tuple(errors), fragments, shapes={} if fixed else None)

    def _cost(
        self,
        prepared: Prepared,
        operation: OperationDefinitionNode,
        operation_name: str | None,
        variables: VariableValues,
    ) -> int:
        known = prepared.costs.get(operation_name)
        if known is not None:
            names, by_values = known
            key = _key(variables.coerced, names)
            cost = by_values.get(key)
            if cost is not None:
                return cost
        calculator = CostCalculator(
            self.schema,
            prepared.fragments,
            variables,
            default_page=self.settings.default_page_size,
            max_page=self.settings.max_page_size,
        )
        cost = calculator.operation(operation)
        names = tuple(sorted(calculator.variables_used))
        if known is None or known[0] != names:
            known = (names, {})
            prepared.costs[operation_name] = known
        if len(known[1]) >= _COSTS_PER_OPERATION:
            known[1].clear()  # bounded: a client cycling through page sizes cannot grow it
        known[1][_key(variables.coerced, names)] = cost
        return cost

    def run(
        self,
        query: str,
        *,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        context: Any,
        allow_mutations: bool,
    ) -> Outcome:
        limit = self.cost_limit(context.caller)
        prepared = self.prepare(query)
        if prepared.document is None:
            return Outcome(ExecutionResult(None, list(prepared.errors)), 0, limit, request_error=True)
        # The HTTP method is checked before validation, as GraphQL over HTTP asks.
        operation = get_operation_ast(prepared.document, operation_name)
        if operation is not None:  # named in /metrics and access logs (bounded there)
            note_operation(operation.name.value if operation.name else None)
        if operation is None:
            if operation_name:
                raise BadInput(f"the document has no operation named {operation_name!r}")
            raise BadInput("the document has several operations: name one with `operationName`")
        if operation.operation is OperationType.SUBSCRIPTION:
            raise BadInput("subscriptions are not supported")
        if operation.operation is OperationType.MUTATION and not allow_mutations:
            raise MutationNotAllowed("mutations must be sent with POST")
        if prepared.errors:
            return Outcome(ExecutionResult(None, list(prepared.errors)), 0, limit, request_error=True)
        # A mutation is not cut short: a write that committed must be reported as done.
        timeout = self.settings.execution_timeout
        deadline = None if operation.operation is OperationType.MUTATION else time.monotonic() + timeout
        executor = self.executor_class.build(
            self.schema,
            prepared.document,
            context_value=context,
            raw_variable_values=variables,
            operation_name=operation_name,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
            deadline=deadline,
        )
        if isinstance(executor, list):
            errors = [rules.coded(error, "BAD_USER_INPUT") for error in executor]
            return Outcome(ExecutionResult(None, errors), 0, limit, request_error=True)
        if isinstance(executor, FastExecutionContext):
            executor.shapes = prepared.shapes
        cost = self._cost(prepared, operation, operation_name, executor.variable_values)
        if cost > limit:
            error = GraphQLError(
                f"The query may cost {cost}, more than the limit of {limit} for this caller: ask for "
                "smaller pages or nest fewer connections (see Query cost in the README).",
                extensions={"code": rules.TOO_COMPLEX, "cost": {"requested": cost, "limit": limit}},
            )
            return Outcome(ExecutionResult(None, [error]), cost, limit, request_error=True)
        reset = statement_deadline.set(deadline)
        try:
            result = settle(executor.execute_operation())
        finally:
            statement_deadline.reset(reset)
        assert isinstance(result, ExecutionResult)
        if deadline is not None and _timed_out(result, deadline):
            name = operation.name.value if operation.name else "an anonymous operation"
            log.warning("stopped %s at its %s s deadline (cost %s)", name, timeout, cost)
            error = GraphQLError(
                f"The query took longer than {timeout:g} s and was stopped: ask for less, "
                "or split it into several requests.",
                extensions={"code": "EXECUTION_TIMEOUT", "timeout": timeout},
            )
            return Outcome(ExecutionResult(None, [error]), cost, limit, timed_out=True)
        return Outcome(result, cost, limit, is_query=operation.operation is OperationType.QUERY)


def _key(values: dict[str, Any], names: tuple[str, ...]) -> str:
    return orjson.dumps([values.get(name) for name in names], default=str).decode()


def _timed_out(result: ExecutionResult, deadline: float) -> bool:
    """The deadline stopped a field, or a statement the database cut short at it."""
    for error in result.errors or ():
        if (error.extensions or {}).get("code") == "EXECUTION_TIMEOUT":
            return True
        original = error.original_error
        unexpected = original is not None and not isinstance(original, UserError | GraphQLError)
        if unexpected and time.monotonic() > deadline:
            return True  # SQLite's "interrupted", PostgreSQL's statement_timeout
    return False
