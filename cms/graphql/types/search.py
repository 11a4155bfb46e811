from __future__ import annotations

from collections.abc import Callable

import strawberry

from cms.graphql.relay import PageInfo
from cms.graphql.types.article import Article


@strawberry.type
class SearchEdge:
    cursor: str
    node: Article
    rank: float = strawberry.field(
        description="Relevance; higher is better. Comparable within one search only."
    )
    snippet: str = strawberry.field(
        description="A passage with the matched words in <mark>; the rest is escaped."
    )


@strawberry.type
class FacetCount:
    value: str
    label: str
    count: int


@strawberry.type
class SearchFacets:
    sections: list[FacetCount]
    categories: list[FacetCount]
    years: list[FacetCount]


@strawberry.type
class SearchConnection:
    edges: list[SearchEdge]
    page_info: PageInfo
    counter: strawberry.Private[Callable[[], int]]
    facet_maker: strawberry.Private[Callable[[], SearchFacets]]

    @strawberry.field(description="Exact number of matching articles.")
    def total_count(self) -> int:
        return self.counter()

    @strawberry.field(description="Counts of all matches (not just this page) by section, category and year.")
    def facets(self) -> SearchFacets:
        return self.facet_maker()


@strawberry.type
class Stats:
    total_publications: int
