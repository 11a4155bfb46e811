from __future__ import annotations

from collections.abc import Callable

import strawberry

from cms.graphql.arguments import PAGE_COST
from cms.graphql.execution import plain
from cms.graphql.relay import PageInfo
from cms.graphql.types.article import Article
from cms.services.pagination import encode_cursor


@plain
def search_cursor(root: SearchEdge) -> str:
    return encode_cursor("search", root.position)  # made when asked for, as an article edge's


@strawberry.type(description="One hit of a search: the article, how well it matches, and a passage.")
class SearchEdge:
    cursor: str = strawberry.field(
        resolver=search_cursor, description="Opaque position in this search: pass as `after`."
    )
    node: Article = strawberry.field(description="The matching article.")
    rank: float = strawberry.field(
        description="Relevance; higher is better. Comparable within one search only."
    )
    snippet: str = strawberry.field(
        description="A passage with the matched words in <mark>; the rest is escaped."
    )
    position: strawberry.Private[int]


@strawberry.type(description="How many hits share one section, category or year.")
class FacetCount:
    value: str = strawberry.field(
        description="What to narrow by: a section's or category's slug (for ArticleFilter), or a "
        'year ("2024").'
    )
    label: str = strawberry.field(description="What to show: the section's or category's name, or the year.")
    count: int = strawberry.field(description="Matching articles.")


@strawberry.type(
    description="How all hits of a search (not just this page) spread over sections, categories, years."
)
class SearchFacets:
    sections: list[FacetCount] = strawberry.field(description="By section, most hits first.")
    categories: list[FacetCount] = strawberry.field(description="By category, most hits first.")
    years: list[FacetCount] = strawberry.field(description="By year of publication, newest first.")


@strawberry.type(description=f"A page of search hits, best first (Relay, forwards only). {PAGE_COST}")
class SearchConnection:
    edges: list[SearchEdge] = strawberry.field(description="The page's hits, best first, with cursors.")
    page_info: PageInfo = strawberry.field(
        description="Whether more hits lie beyond this page, and its cursors."
    )
    counter: strawberry.Private[Callable[[], int]]
    facet_maker: strawberry.Private[Callable[[], SearchFacets]]

    @strawberry.field(description="Exact number of matching articles.")
    def total_count(self) -> int:
        return self.counter()

    @strawberry.field(description="Counts of all matches (not just this page) by section, category and year.")
    def facets(self) -> SearchFacets:
        return self.facet_maker()


@strawberry.type(description="Figures about the publication.")
class Stats:
    total_publications: int = strawberry.field(
        description="Articles the public can read now: published, their publication time come."
    )
