"""The fast path through graphql-core answers exactly as the stock engine does, errors included."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from graphql import ExecutionResult, parse
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.permission import BasePermission

from cms.graphql.execution import FastExecutionContext, TimedExecutionContext, plain
from tests.conftest import GraphQLClient
from tests.factories import Seeder


@strawberry.type
class Licence:
    code: str


CALLS: list[str] = []


class Refused(BasePermission):
    message = "not for you"

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Item:
    name: str
    count: int
    note: str | None
    licence: Licence | None
    tags: list[str]

    @strawberry.field
    @plain
    def label(self) -> str:
        CALLS.append("label")
        if self.count == "two":
            raise LookupError("no label for a broken item")
        return f"{self.name} ({self.count})"

    @strawberry.field
    @plain
    def licences(self) -> list[Licence]:
        return [self.licence] if self.licence else []

    @strawberry.field(permission_classes=[Refused])
    @plain
    def secret(self) -> str:
        CALLS.append("secret")
        return "leaked"

    @strawberry.field
    def shouted(self, info: strawberry.Info) -> str:
        return str(self.name).upper()


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
    "{ items { label licences { code } shouted } }",
    "{ item { label } }",
    "{ item { secret } }",
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


def test_a_plain_method_is_called_once_per_object_and_its_answer_shown() -> None:
    CALLS.clear()
    answer = _run("{ items { label licences { code } } }", FastExecutionContext)
    assert answer["data"] is None  # the broken item's label raised, and items are non-null
    assert [error["path"] for error in answer["errors"]] == [["items", 1, "label"]]
    assert "no label for a broken item" in answer["errors"][0]["message"]
    # The first item's; the broken one's twice (the short path's call, then graphql-core's, which
    # reports the error); the list stops there, as graphql-core's own loop does.
    assert CALLS == ["label", "label", "label"]


def test_a_plain_method_behind_a_permission_is_still_refused() -> None:
    CALLS.clear()
    answer = _run("{ item { secret } }", FastExecutionContext)
    assert answer["data"] == {"item": None}
    assert answer["errors"][0]["message"] == "not for you"
    assert CALLS == []


ONE = """query($slug: String!, $full: Boolean!) { article(slug: $slug) {
  title ... on Article { authors { name } } leadImage { credit { creator } }
  more: section @include(if: $full) { name } } }"""
PLAIN = """query($slug: String!) { article(slug: $slug) {
  title ... on Article { authors { name } } leadImage { credit { creator } } more: section { name } } }"""


def test_a_repeated_document_answers_each_request_with_its_own_variables(
    gql: GraphQLClient, seed: Seeder
) -> None:
    section = seed.section("The Peninsula")
    seed.article(title="First", slug="first", section_id=section, author_ids=[seed.author("Ann One")])
    seed.article(title="Second", slug="second", author_ids=[seed.author("Bo Two")])
    for _ in range(2):  # the second run reuses the document's collected selections
        got = gql.data(PLAIN, {"slug": "first"})["article"]
        assert got == {"title": "First", "authors": [{"name": "Ann One"}], "leadImage": None,
                       "more": {"name": "The Peninsula"}}  # fmt: skip
        got = gql.data(PLAIN, {"slug": "second"})["article"]
        assert got == {"title": "Second", "authors": [{"name": "Bo Two"}], "leadImage": None, "more": None}
    # With a directive, what a selection holds follows each request's variables.
    assert "more" in gql.data(ONE, {"slug": "first", "full": True})["article"]
    assert "more" not in gql.data(ONE, {"slug": "first", "full": False})["article"]
    assert "more" in gql.data(ONE, {"slug": "first", "full": True})["article"]
