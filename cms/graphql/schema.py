"""The schema: the Query type and every type reachable only through interfaces."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from cms.graphql.execution import FastExecutionContext
from cms.graphql.mutations import Mutation
from cms.graphql.queries import Query
from cms.graphql.scalars import SCALAR_MAP
from cms.graphql.types.article import Article, Author, Category, Section
from cms.graphql.types.image import Image
from cms.settings import Settings


class Schema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Silence Strawberry's own logging: client mistakes are not server errors, and
        unexpected ones are logged, with their traceback, where they are masked."""


def build_schema(settings: Settings) -> strawberry.Schema:
    """The schema; requests run through OperationRunner, which applies the limits."""
    return Schema(
        query=Query,
        mutation=Mutation,
        types=[Article, Author, Category, Section, Image],
        config=StrawberryConfig(auto_camel_case=True, scalar_map=SCALAR_MAP),
        execution_context_class=FastExecutionContext,
    )


def sdl(settings: Settings | None = None) -> str:
    """The schema as SDL, as committed in schema/schema.graphql."""
    return build_schema(settings or Settings()).as_str() + "\n"
