"""No N+1: a page costs the same few SQL statements whatever its size."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event

from cms.app import create_app
from cms.settings import Settings
from tests.conftest import GraphQLClient
from tests.factories import Seeder

FRONT_PAGE = """
query($n: Int!) { articles(first: $n) { totalCount edges { node {
  title slug summary publishedAt section { name } category { name slug } authors { name slug photo { title } }
  leadImage { title credit { creator sourceName license { code url } line } } } } } }
"""
NESTED = """
{ authors(first: 20) { totalCount edges { node { name articles(first: 3) { totalCount edges { node {
  title authors { name } leadImage { credit { line } } } } } } } }
  sections { name articles(first: 2) { totalCount edges { node { title } } } } }
"""


@pytest.fixture
def statements(settings: Settings) -> Iterator[tuple[GraphQLClient, list[str]]]:
    from starlette.testclient import TestClient

    app = create_app(settings)
    seen: list[str] = []
    # Transaction control (BEGIN) is not a query; everything else counts.
    event.listen(
        app.state.cms.db.engine,
        "before_cursor_execute",
        lambda *args: None if args[2] == "BEGIN" else seen.append(args[2]),
    )
    with TestClient(app) as http:
        seen.clear()  # start-up work (reference data) is not a request's
        yield GraphQLClient(http), seen


def _populate(seed: Seeder, count: int) -> None:
    sections = [seed.section(f"Section {i}") for i in range(3)]
    categories = [seed.category(f"Category {i}") for i in range(4)]
    photo = seed.image(license="CC0-1.0", title="Portrait")
    authors = [seed.author(f"Author {i}", photo_id=photo) for i in range(6)]
    images = [seed.image(license=lic) for lic in ("CC-BY-2.0", "CC-BY-SA-4.0", "CC0-1.0", "ARR")]
    for i in range(count):
        seed.article(
            f"Article {i}",
            section_id=sections[i % 3],
            category_id=categories[i % 4],
            author_ids=[authors[i % 6], authors[(i + 1) % 6]],
            lead_image_id=images[i % 4],
        )


@pytest.mark.parametrize("size", [5, 20, 100])
def test_front_page_costs_the_same_few_statements_at_any_page_size(
    seed: Seeder, statements: tuple[GraphQLClient, list[str]], size: int
) -> None:
    _populate(seed, 100)
    gql, seen = statements
    gql.data(FRONT_PAGE, {"n": size})  # warm the per-process memo
    seen.clear()
    data = gql.data(FRONT_PAGE, {"n": size})
    assert len(data["articles"]["edges"]) == size
    assert data["articles"]["edges"][0]["node"]["authors"][0]["photo"] == {"title": "Portrait"}
    assert len(seen) <= 5, seen


def test_a_cold_front_page_stays_under_eight_statements(
    seed: Seeder, statements: tuple[GraphQLClient, list[str]]
) -> None:
    _populate(seed, 30)
    gql, seen = statements
    gql.data(FRONT_PAGE, {"n": 20})
    assert len(seen) <= 8, seen


def test_nested_connections_are_batched_not_one_query_per_parent(
    seed: Seeder, statements: tuple[GraphQLClient, list[str]]
) -> None:
    _populate(seed, 60)
    gql, seen = statements
    data = gql.data(NESTED)
    assert len(data["authors"]["edges"]) == 6
    assert all(e["node"]["articles"]["totalCount"] == 20 for e in data["authors"]["edges"])
    assert len(seen) <= 14, "\n".join(
        s.split("\n")[0][:90] + " .. " + s[-60:].replace("\n", " ") for s in seen
    )


def test_each_document_reads_the_relations_it_selects_however_often_it_is_asked(
    seed: Seeder, statements: tuple[GraphQLClient, list[str]]
) -> None:
    """What a selection reads is worked out once per document: a second document on the same field
    must still read its own relations, and the first must still skip them."""
    _populate(seed, 3)
    gql, seen = statements
    titles = "query Titles { articles(first: 3) { edges { node { title } } } }"
    bylines = "query Bylines { articles(first: 3) { edges { node { title authors { name } } } } }"
    for _ in range(2):
        for document, reads_bylines in ((titles, False), (bylines, True), (titles, False)):
            seen.clear()
            edges = gql.data(document)["articles"]["edges"]
            assert len(edges) == 3
            assert any("article_author" in sql for sql in seen) is reads_bylines, document
            if reads_bylines:
                assert all(len(edge["node"]["authors"]) == 2 for edge in edges)
