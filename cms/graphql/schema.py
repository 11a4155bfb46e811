"""The schema and its guards: depth, alias and token limits, parser and validation caches."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, ParserCache, ValidationCache
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from cms.graphql.execution import FastExecutionContext
from cms.graphql.queries import Query
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
    # The limit rules are built once: the validation cache is keyed by the rule
    # classes, and Strawberry's limiter extensions make new classes per request,
    # which would miss the cache every time.
    rules = [depth_rule(settings.max_query_depth, should_ignore=None), alias_rule(settings.max_aliases)]
    return Schema(
        query=Query,
        types=[Article, Author, Category, Section, Image],
        config=StrawberryConfig(auto_camel_case=True),
        execution_context_class=FastExecutionContext,
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
            lambda: AddValidationRules(rules),  # type: ignore[arg-type]
            lambda: ParserCache(maxsize=512),
            lambda: ValidationCache(maxsize=512),
        ],
    )


def sdl(settings: Settings | None = None) -> str:
    """The schema as SDL, as committed in schema/schema.graphql."""
    return build_schema(settings or Settings()).as_str() + "\n"
