"""The fast path through graphql-core answers exactly as the stock engine does, errors included."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from graphql import ExecutionResult, parse
from strawberry.execution.is_awaitable import optimized_is_awaitable

from cms.graphql.execution import FastExecutionContext, TimedExecutionContext


@strawberry.type
class Licence:
    code: str


@strawberry.type
class Item:
    name: str
    count: int
    note: str | None
    licence: Licence | None
    tags: list[str]


GOOD = Item(name="First", count=1, note=None, licence=Licence(code="CC-BY-2.0"), tags=["a", "b"])
# What a bug might hand the engine: a null where the schema forbids one, a string for an Int.
BROKEN = Item(name=None, count="two", note="kept", licence=Licence(code=None), tags=["c"])  # type: ignore[arg-type]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [GOOD, BROKEN, GOOD]

    @strawberry.field
    def item(self) -> Item | None:
        return BROKEN


SCHEMA = strawberry.Schema(query=Query)
QUERIES = [
    "{ items { name count note tags licence { code } } }",
    "{ items { count } }",
    "{ item { note licence { code } } }",
    "{ item { renamed: note again: note } items { __typename name } }",
]


def _run(query: str, engine: type[TimedExecutionContext]) -> dict[str, Any]:
    executor = engine.build(SCHEMA._schema, parse(query), is_awaitable=optimized_is_awaitable)
    assert not isinstance(executor, list)
    result = executor.execute_operation()
    assert isinstance(result, ExecutionResult)
    return result.formatted


@pytest.mark.parametrize("query", QUERIES)
def test_the_fast_path_gives_the_stock_engines_data_and_errors(query: str) -> None:
    assert _run(query, FastExecutionContext) == _run(query, TimedExecutionContext)


def test_a_bad_scalar_is_reported_at_its_path_and_a_nullable_parent_absorbs_it() -> None:
    answer = _run("{ items { count } }", FastExecutionContext)
    assert answer["data"] is None  # a non-null item in a non-null list: that null reaches the root
    assert [error["path"] for error in answer["errors"]] == [["items", 1, "count"]]
    assert "Int cannot represent non-integer value: 'two'" in answer["errors"][0]["message"]
    nested = _run("{ item { note licence { code } } }", FastExecutionContext)
    assert nested["data"] == {"item": {"note": "kept", "licence": None}}
    assert "Cannot return null for non-nullable field Licence.code." in nested["errors"][0]["message"]
