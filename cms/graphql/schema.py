"""The schema and its guards: depth, alias and token limits, parser and validation caches."""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, ParserCache, QueryDepthLimiter, ValidationCache
from strawberry.schema.config import StrawberryConfig

from cms.graphql.queries import Query
from cms.graphql.types.article import Article, Author, Category, Section
from cms.graphql.types.image import Image
from cms.settings import Settings


def build_schema(settings: Settings) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        types=[Article, Author, Category, Section, Image],
        config=StrawberryConfig(auto_camel_case=True),
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
            lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
            lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
            lambda: ParserCache(maxsize=512),
            lambda: ValidationCache(maxsize=512),
        ],
    )


def sdl(settings: Settings | None = None) -> str:
    """The schema as SDL, as committed in schema/schema.graphql."""
    return build_schema(settings or Settings()).as_str() + "\n"
