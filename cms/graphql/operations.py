"""Running an operation: parse, validate, execute, with caches and limits.

graphql-core does the work; this replaces only Strawberry's per-request
pipeline (its extension hooks), which cost more than executing a small query.
The parse and validation results are cached per query text, so a page that
sends the same query each time pays for neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import strawberry
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    OperationType,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)
from graphql.execution import execute
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule

from cms.errors import BadInput, UserError
from cms.graphql.execution import FastExecutionContext
from cms.settings import Settings


class MutationNotAllowed(UserError):
    code = "METHOD_NOT_ALLOWED"


@dataclass(frozen=True)
class Prepared:
    document: DocumentNode | None  # None when it did not parse
    errors: tuple[GraphQLError, ...]


class OperationRunner:
    def __init__(self, schema: strawberry.Schema, settings: Settings, *, cache_size: int = 512) -> None:
        self.schema = schema._schema
        self.max_tokens = settings.max_tokens
        self.rules = (
            *specified_rules,
            depth_rule(settings.max_query_depth, should_ignore=None),
            alias_rule(settings.max_aliases),
        )
        # Bounded, so unique query texts cannot grow memory without limit.
        self.prepare = lru_cache(maxsize=cache_size)(self._prepare)

    def _prepare(self, query: str) -> Prepared:
        try:
            document = parse(query, max_tokens=self.max_tokens)
        except GraphQLError as error:
            return Prepared(None, (error,))
        return Prepared(document, tuple(validate(self.schema, document, self.rules, max_errors=50)))

    async def run(
        self,
        query: str,
        *,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        context: Any,
        allow_mutations: bool,
    ) -> ExecutionResult:
        prepared = self.prepare(query)
        if prepared.document is None:
            return ExecutionResult(data=None, errors=list(prepared.errors))
        # The HTTP method is checked before validation, as GraphQL over HTTP asks.
        operation = get_operation_ast(prepared.document, operation_name)
        if operation is None:
            if operation_name:
                raise BadInput(f"the document has no operation named {operation_name!r}")
            raise BadInput("the document has several operations: name one with `operationName`")
        if operation.operation is OperationType.SUBSCRIPTION:
            raise BadInput("subscriptions are not supported")
        if operation.operation is OperationType.MUTATION and not allow_mutations:
            raise MutationNotAllowed("mutations must be sent with POST")
        if prepared.errors:
            return ExecutionResult(data=None, errors=list(prepared.errors))
        result = execute(
            self.schema,
            prepared.document,
            context_value=context,
            variable_values=variables,
            operation_name=operation_name,
            executor_class=FastExecutionContext,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
        )
        if not isinstance(result, ExecutionResult):
            result = await result
        return result
