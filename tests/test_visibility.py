"""Public callers see only published articles whose time has come, whichever way they ask."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cms.graphql.relay import to_global_id
from tests.conftest import GraphQLClient
from tests.factories import Seeder

HIDDEN = ["draft", "scheduled", "archived", "trashed", "unpublished"]


@pytest.fixture
def newsroom(seed: Seeder) -> dict[str, Any]:
    """One public article and one of every kind the public must not see, all alike otherwise.

    Every article shares the section, category, author and the search word "zeppelin"; the
    hidden ones sit in other years, so a leak would show in the year facets too.
    """
    section = seed.section("World", slug="world")
    category = seed.category("Analysis", slug="analysis")
    author = seed.author("Ann Lee", slug="ann")
    common = {"section_id": section, "category_id": category, "author_ids": [author]}
    body = "<p>The zeppelin returns to the harbour.</p>"
    now = datetime.now(UTC)
    ids = {
        "public": seed.article("Zeppelin public", slug="public", body=body,
                               published_at=datetime(2024, 3, 1, tzinfo=UTC), **common),
        "draft": seed.article("Zeppelin draft", slug="draft", body=body, state="draft", **common),
        "scheduled": seed.article("Zeppelin scheduled", slug="scheduled", body=body,
                                  published_at=now + timedelta(days=400), **common),
        "archived": seed.article("Zeppelin archived", slug="archived", body=body, state="archived",
                                 published_at=datetime(2019, 3, 1, tzinfo=UTC), **common),
        "trashed": seed.article("Zeppelin trashed", slug="trashed", body=body, state="trashed",
                                published_at=datetime(2018, 3, 1, tzinfo=UTC), **common),
        # Was published, then taken down: keeps its old publication time.
        "unpublished": seed.article("Zeppelin unpublished", slug="unpublished", body=body, state="draft",
                                    published_at=datetime(2017, 3, 1, tzinfo=UTC), **common),
    }  # fmt: skip
    return ids


def _article_ids(newsroom: dict[str, Any]) -> dict[str, str]:
    """Global IDs as the API makes them, without asking the API (it shows none for hidden articles)."""
    return {kind: to_global_id("Article", pk) for kind, pk in newsroom.items()}


def test_lists_and_totals_show_only_the_public_article(newsroom: dict[str, Any], gql: GraphQLClient) -> None:
    data = gql.data(
        "{ articles(first: 100) { totalCount nodes { slug status } }"
        "  byTitle: articles(first: 100, orderBy: TITLE_ASC) { totalCount nodes { slug } }"
        "  byUpdate: articles(first: 100, orderBy: UPDATED_AT_DESC) { totalCount nodes { slug } }"
        "  oldest: articles(last: 100) { totalCount nodes { slug } }"
        "  stats { totalPublications } }"
    )
    assert data["articles"] == {"totalCount": 1, "nodes": [{"slug": "public", "status": "PUBLISHED"}]}
    for alias in ("byTitle", "byUpdate", "oldest"):
        assert data[alias] == {"totalCount": 1, "nodes": [{"slug": "public"}]}
    assert data["stats"] == {"totalPublications": 1}


@pytest.mark.usefixtures("newsroom")
@pytest.mark.parametrize(
    "article_filter",
    [
        {"section": "world"},
        {"category": "analysis"},
        {"author": "ann"},
        {"publishedAfter": "2000-01-01T00:00:00Z"},
        {"publishedBefore": "2999-01-01T00:00:00Z"},
        {"publishedAfter": "2025-01-01T00:00:00Z"},
        {"status": "PUBLISHED"},
    ],
)
def test_filtered_lists_show_only_the_public_article(
    gql: GraphQLClient, article_filter: dict[str, str]
) -> None:
    connection = gql.data(
        "query($f: ArticleFilter) { articles(first: 100, filter: $f) { totalCount nodes { slug } } }",
        {"f": article_filter},
    )["articles"]
    visible = [] if "2025" in article_filter.get("publishedAfter", "") else [{"slug": "public"}]
    assert connection == {"totalCount": len(visible), "nodes": visible}


@pytest.mark.parametrize("kind", HIDDEN)
def test_hidden_articles_cannot_be_fetched_one_by_one(
    newsroom: dict[str, Any], gql: GraphQLClient, kind: str
) -> None:
    global_id = _article_ids(newsroom)[kind]
    data = gql.data(
        "query($slug: String, $id: ID, $node: ID!) {"
        "  bySlug: article(slug: $slug) { id } byId: article(id: $id) { id } node(id: $node) { id } }",
        {"slug": kind, "id": global_id, "node": global_id},
    )
    assert data == {"bySlug": None, "byId": None, "node": None}


def test_the_public_article_can_be_fetched_one_by_one(newsroom: dict[str, Any], gql: GraphQLClient) -> None:
    # The same lookups as above find a public article: the IDs are built the API's way.
    global_id = _article_ids(newsroom)["public"]
    data = gql.data(
        "query($id: ID, $node: ID!) {"
        '  bySlug: article(slug: "public") { id } byId: article(id: $id) { id } node(id: $node) { id } }',
        {"id": global_id, "node": global_id},
    )
    assert data == {"bySlug": {"id": global_id}, "byId": {"id": global_id}, "node": {"id": global_id}}


@pytest.mark.usefixtures("newsroom")
def test_nested_lists_and_totals_show_only_the_public_article(gql: GraphQLClient) -> None:
    one = "articles(first: 100) { totalCount nodes { slug } }"
    data = gql.data(
        f'{{ author(slug: "ann") {{ {one} }} section(slug: "world") {{ {one} }}'
        f'   category(slug: "analysis") {{ {one} }}'
        f"   authors {{ nodes: edges {{ node {{ {one} }} }} }} sections {{ {one} }} categories {{ {one} }} }}"
    )
    expected = {"totalCount": 1, "nodes": [{"slug": "public"}]}
    assert data["author"]["articles"] == expected
    assert data["section"]["articles"] == expected
    assert data["category"]["articles"] == expected
    assert [e["node"]["articles"] for e in data["authors"]["nodes"]] == [expected]
    assert [s["articles"] for s in data["sections"]] == [expected]
    assert [c["articles"] for c in data["categories"]] == [expected]


@pytest.mark.usefixtures("newsroom")
def test_search_hits_totals_and_facets_show_only_the_public_article(gql: GraphQLClient) -> None:
    search = gql.data(
        '{ search(query: "zeppelin", first: 50) { totalCount edges { node { slug } }'
        "  facets { sections { value count } categories { value count } years { value count } } } }"
    )["search"]
    assert search["totalCount"] == 1
    assert [e["node"]["slug"] for e in search["edges"]] == ["public"]
    assert search["facets"] == {
        "sections": [{"value": "world", "count": 1}],
        "categories": [{"value": "analysis", "count": 1}],
        "years": [{"value": "2024", "count": 1}],
    }


@pytest.mark.usefixtures("newsroom")
@pytest.mark.parametrize("kind", HIDDEN)
def test_searching_for_a_hidden_title_finds_nothing(gql: GraphQLClient, kind: str) -> None:
    search = gql.data(
        "query($q: String!) { search(query: $q) { totalCount edges { node { slug } }"
        "  facets { sections { count } years { value } } } }",
        {"q": f"zeppelin {kind}"},
    )["search"]
    assert search == {"totalCount": 0, "edges": [], "facets": {"sections": [], "years": []}}


def test_taking_an_article_down_hides_it_everywhere_at_once(
    seed: Seeder, newsroom: dict[str, Any], gql: GraphQLClient
) -> None:
    query = (
        '{ articles { totalCount } stats { totalPublications } article(slug: "public") { slug }'
        '  author(slug: "ann") { articles { totalCount } } section(slug: "world") { articles { totalCount } }'
        '  category(slug: "analysis") { articles { totalCount } } search(query: "zeppelin") { totalCount } }'
    )
    before = gql.data(query)
    assert before["stats"] == {"totalPublications": 1}
    assert before["author"]["articles"]["totalCount"] == 1
    seed.update_article(newsroom["public"], state="draft")
    after = gql.data(query)
    assert after == {
        "articles": {"totalCount": 0},
        "stats": {"totalPublications": 0},
        "article": None,
        "author": {"articles": {"totalCount": 0}},
        "section": {"articles": {"totalCount": 0}},
        "category": {"articles": {"totalCount": 0}},
        "search": {"totalCount": 0},
    }


def test_a_scheduled_article_goes_live_by_itself_when_its_time_comes(
    seed: Seeder, gql: GraphQLClient
) -> None:
    author = seed.author("Ann Lee", slug="ann")
    section = seed.section("World", slug="world")
    for i in range(3):
        seed.article(f"Earlier {i}", author_ids=[author], section_id=section)
    at = datetime.now(UTC) + timedelta(seconds=2)
    seed.article(
        "Embargoed zeppelin", slug="embargoed", published_at=at, author_ids=[author], section_id=section
    )
    query = (
        "{ articles { totalCount nodes { slug } } stats { totalPublications }"
        '  article(slug: "embargoed") { slug }'
        '  author(slug: "ann") { articles { totalCount } } section(slug: "world") { articles { totalCount } }'
        '  search(query: "zeppelin") { totalCount } }'
    )
    early = gql.data(query)
    assert early["articles"]["totalCount"] == 3
    assert "embargoed" not in [n["slug"] for n in early["articles"]["nodes"]]
    assert early["stats"] == {"totalPublications": 3}
    assert early["article"] is None
    assert early["author"]["articles"]["totalCount"] == 3
    assert early["section"]["articles"]["totalCount"] == 3
    assert early["search"]["totalCount"] == 0
    time.sleep(max(0.0, (at - datetime.now(UTC)).total_seconds()) + 0.3)
    # No write in between: only the clock moved.
    late = gql.data(query)
    assert late["articles"]["totalCount"] == 4
    assert late["articles"]["nodes"][0]["slug"] == "embargoed"
    assert late["stats"] == {"totalPublications": 4}
    assert late["article"] == {"slug": "embargoed"}
    assert late["author"]["articles"]["totalCount"] == 4
    assert late["section"]["articles"]["totalCount"] == 4
    assert late["search"]["totalCount"] == 1


@pytest.mark.usefixtures("newsroom")
def test_preview_without_a_token_is_unauthenticated(gql: GraphQLClient) -> None:
    assert gql.codes('{ article(slug: "draft", preview: true) { title } }') == ["UNAUTHENTICATED"]
    assert gql.codes('{ article(slug: "public", preview: true) { title } }') == ["UNAUTHENTICATED"]


@pytest.mark.usefixtures("newsroom")
def test_a_bad_preview_token_is_forbidden(gql: GraphQLClient) -> None:
    errors = gql.errors('{ article(slug: "draft", previewToken: "x") { title bodyHtml } }')
    assert [e["extensions"]["code"] for e in errors] == ["FORBIDDEN"]
    assert "zeppelin" not in str(errors).lower()


@pytest.mark.usefixtures("newsroom")
@pytest.mark.parametrize("status", ["DRAFT", "SCHEDULED", "ARCHIVED", "TRASHED"])
def test_filtering_by_a_non_public_status_is_forbidden_to_the_public(gql: GraphQLClient, status: str) -> None:
    response = gql.post(f"{{ articles(filter: {{status: {status}}}) {{ totalCount nodes {{ title }} }} }}")
    body = response.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    search = gql.codes(f'{{ search(query: "zeppelin", filter: {{status: {status}}}) {{ totalCount }} }}')
    assert search == ["FORBIDDEN"]
