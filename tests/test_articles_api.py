"""The public read API as a front end uses it: lists, pages, orders, filters, lookups, credits."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from cms.models import Article
from cms.services import changes
from cms.services.pagination import encode_cursor
from tests.conftest import PG_URL, GraphQLClient
from tests.factories import Seeder

BASE = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
_ARTICLE = Article.__table__  # type: ignore[attr-defined]

ARTICLES = """
query($first: Int, $after: String, $last: Int, $before: String, $orderBy: ArticleOrder,
      $filter: ArticleFilter) {
  articles(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy, filter: $filter) {
    totalCount
    edges { cursor node { title } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


def _articles(gql: GraphQLClient, **variables: Any) -> dict[str, Any]:
    clean = {k: v for k, v in variables.items() if v is not None}
    return gql.data(ARTICLES, clean)["articles"]  # type: ignore[no-any-return]


def _titles(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["title"] for edge in connection["edges"]]


def _walk_forward(gql: GraphQLClient, size: int, **variables: Any) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    after = None
    while True:
        page = _articles(gql, first=size, after=after, **variables)
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            return pages
        after = page["pageInfo"]["endCursor"]
        assert len(pages) < 100, "paging never ends"


def _walk_backward(gql: GraphQLClient, size: int, **variables: Any) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    before = None
    while True:
        page = _articles(gql, last=size, before=before, **variables)
        pages.append(page)
        if not page["pageInfo"]["hasPreviousPage"]:
            return pages
        before = page["pageInfo"]["startCursor"]
        assert len(pages) < 100, "paging never ends"


def _seed_timeline(seed: Seeder, count: int) -> list[str]:
    """``count`` articles an hour apart, seeded oldest last; returns titles newest first."""
    titles = [f"Story {i:02d}" for i in range(count)]
    for i, title in enumerate(titles):
        seed.article(title, published_at=BASE - timedelta(hours=i))
    return titles


# --- Relay pagination ---------------------------------------------------------------------------


def test_articles_default_page_is_the_twenty_newest(seed: Seeder, gql: GraphQLClient) -> None:
    newest_first = _seed_timeline(seed, 25)
    page = _articles(gql)
    assert _titles(page) == newest_first[:20]
    assert page["totalCount"] == 25
    assert page["pageInfo"]["hasNextPage"] is True
    assert page["pageInfo"]["hasPreviousPage"] is False


def test_paging_forward_visits_every_article_once_newest_first(seed: Seeder, gql: GraphQLClient) -> None:
    newest_first = _seed_timeline(seed, 23)
    pages = _walk_forward(gql, 5)
    assert [len(p["edges"]) for p in pages] == [5, 5, 5, 5, 3]
    assert [t for p in pages for t in _titles(p)] == newest_first
    assert all(p["totalCount"] == 23 for p in pages)
    assert [p["pageInfo"]["hasNextPage"] for p in pages] == [True, True, True, True, False]
    assert pages[0]["pageInfo"]["hasPreviousPage"] is False
    for page in pages:
        cursors = [edge["cursor"] for edge in page["edges"]]
        assert page["pageInfo"]["startCursor"] == cursors[0]
        assert page["pageInfo"]["endCursor"] == cursors[-1]


def test_paging_backward_with_last_and_before_walks_from_the_oldest(seed: Seeder, gql: GraphQLClient) -> None:
    newest_first = _seed_timeline(seed, 12)
    pages = _walk_backward(gql, 5)
    assert [_titles(p) for p in pages] == [newest_first[7:], newest_first[2:7], newest_first[:2]]
    assert all(p["totalCount"] == 12 for p in pages)
    assert [p["pageInfo"]["hasPreviousPage"] for p in pages] == [True, True, False]
    assert pages[0]["pageInfo"]["hasNextPage"] is False  # the last page of the list
    for page in pages:
        assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]


def test_a_cursor_leads_back_to_the_same_place_in_both_directions(seed: Seeder, gql: GraphQLClient) -> None:
    newest_first = _seed_timeline(seed, 9)
    first = _articles(gql, first=4)
    after = _articles(gql, first=3, after=first["pageInfo"]["endCursor"])
    assert _titles(after) == newest_first[4:7]
    back = _articles(gql, last=10, before=after["pageInfo"]["startCursor"])
    assert _titles(back) == newest_first[:4]
    assert back["pageInfo"]["hasPreviousPage"] is False


def test_last_with_after_never_repeats_the_cursor_item(seed: Seeder, gql: GraphQLClient) -> None:
    newest_first = _seed_timeline(seed, 5)
    cursor = _articles(gql, first=4)["edges"][3]["cursor"]  # the 4th of 5
    query = "query($after: String) { articles(last: 2, after: $after) { edges { node { title } } } }"
    body = gql.post(query, {"after": cursor}).json()
    if "errors" in body:  # refusing the combination would be fine too
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    else:
        # Relay: take the edges after the cursor, then the last two of those.
        assert _titles(body["data"]["articles"]) == newest_first[4:]


def test_an_empty_list_has_empty_page_info(gql: GraphQLClient) -> None:
    page = _articles(gql, first=5)
    assert page == {
        "totalCount": 0,
        "edges": [],
        "pageInfo": {"hasNextPage": False, "hasPreviousPage": False, "startCursor": None, "endCursor": None},
    }


def test_a_page_of_exactly_the_maximum_is_served(seed: Seeder, gql: GraphQLClient) -> None:
    _seed_timeline(seed, 3)
    assert len(_articles(gql, first=100)["edges"]) == 3
    assert len(_articles(gql, last=100)["edges"]) == 3


@pytest.mark.parametrize(
    "arguments",
    ["first: 101", "last: 101", "first: 5000", "first: -1", "last: -1"],
)
def test_page_sizes_out_of_range_are_refused_not_capped(
    seed: Seeder, gql: GraphQLClient, arguments: str
) -> None:
    _seed_timeline(seed, 2)
    assert gql.codes(f"{{ articles({arguments}) {{ totalCount edges {{ cursor }} }} }}") == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "!!!",
        "",
        "W10",  # base64 of []
        encode_cursor("PUBLISHED_AT_DESC", "not a date", 1),
        encode_cursor("PUBLISHED_AT_DESC", "2024-05-01T12:00:00+00:00", "one"),
    ],
)
def test_a_garbage_after_cursor_is_bad_user_input(seed: Seeder, gql: GraphQLClient, cursor: str) -> None:
    _seed_timeline(seed, 3)
    assert gql.codes(
        "query($after: String) { articles(first: 2, after: $after) { totalCount } }", {"after": cursor}
    ) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param(
            encode_cursor("PUBLISHED_AT_DESC", "2024-05-01T12:00:00", 1), id="timestamp-without-offset"
        ),
        pytest.param(encode_cursor("PUBLISHED_AT_DESC", "2024-05-01T12:00:00+00:00", 10**30), id="huge-id"),
    ],
)
def test_a_hand_edited_cursor_is_bad_user_input_not_a_server_error(
    seed: Seeder, gql: GraphQLClient, cursor: str
) -> None:
    _seed_timeline(seed, 3)
    assert gql.codes(
        "query($after: String) { articles(first: 2, after: $after) { totalCount } }", {"after": cursor}
    ) == ["BAD_USER_INPUT"]


def test_a_cursor_from_one_order_is_refused_in_another(seed: Seeder, gql: GraphQLClient) -> None:
    _seed_timeline(seed, 4)
    cursor = _articles(gql, first=2, orderBy="TITLE_ASC")["pageInfo"]["endCursor"]
    query = (
        "query($c: String, $o: ArticleOrder) { articles(first: 2, after: $c, orderBy: $o) { totalCount } }"
    )
    for other in ("PUBLISHED_AT_DESC", "PUBLISHED_AT_ASC", "UPDATED_AT_DESC"):
        assert gql.codes(query, {"c": cursor, "o": other}) == ["BAD_USER_INPUT"]
    backwards = "query($c: String) { articles(last: 2, before: $c) { totalCount } }"
    assert gql.codes(backwards, {"c": cursor}) == ["BAD_USER_INPUT"]


# --- Orders -------------------------------------------------------------------------------------


def test_published_at_asc_lists_oldest_first_across_pages(seed: Seeder, gql: GraphQLClient) -> None:
    newest_first = _seed_timeline(seed, 7)
    pages = _walk_forward(gql, 3, orderBy="PUBLISHED_AT_ASC")
    assert [t for p in pages for t in _titles(p)] == newest_first[::-1]


def test_title_asc_lists_alphabetically_across_pages(seed: Seeder, gql: GraphQLClient) -> None:
    for i, title in enumerate(["Mango", "Apple", "Kiwi", "Banana", "Zucchini", "Cherry", "Lemon"]):
        seed.article(title, published_at=BASE - timedelta(days=i))
    pages = _walk_forward(gql, 2, orderBy="TITLE_ASC")
    assert [t for p in pages for t in _titles(p)] == [
        "Apple", "Banana", "Cherry", "Kiwi", "Lemon", "Mango", "Zucchini",
    ]  # fmt: skip
    assert all(p["totalCount"] == 7 for p in pages)


def test_updated_at_desc_puts_the_latest_edit_first(seed: Seeder, gql: GraphQLClient) -> None:
    ids = [seed.article(f"Piece {i}", published_at=BASE - timedelta(days=i)) for i in range(5)]
    seed.update_article(ids[3], summary="Corrected.")
    seed.update_article(ids[1], summary="Corrected too.")
    pages = _walk_forward(gql, 2, orderBy="UPDATED_AT_DESC")
    assert [t for p in pages for t in _titles(p)] == ["Piece 1", "Piece 3", "Piece 4", "Piece 2", "Piece 0"]


@pytest.mark.parametrize("order", ["PUBLISHED_AT_DESC", "PUBLISHED_AT_ASC"])
def test_articles_published_at_the_same_instant_are_paged_without_gaps_or_repeats(
    seed: Seeder, gql: GraphQLClient, order: str
) -> None:
    same = [seed.article(f"Tied {i}", published_at=BASE) for i in range(5)]
    newer = seed.article("Newer", published_at=BASE + timedelta(minutes=1))
    older = seed.article("Older", published_at=BASE - timedelta(minutes=1))
    titles = {newer: "Newer", older: "Older", **{pk: f"Tied {i}" for i, pk in enumerate(same)}}
    # Ties are broken by id, in the direction of the order.
    if order == "PUBLISHED_AT_DESC":
        expected = [titles[newer], *[titles[pk] for pk in sorted(same, reverse=True)], titles[older]]
    else:
        expected = [titles[older], *[titles[pk] for pk in sorted(same)], titles[newer]]
    forward = _walk_forward(gql, 2, orderBy=order)
    assert [t for p in forward for t in _titles(p)] == expected
    backward = _walk_backward(gql, 2, orderBy=order)
    assert [t for p in reversed(backward) for t in _titles(p)] == expected
    # The same query twice gives the same order (no arbitrary tie-breaking by the database).
    assert _titles(_articles(gql, first=7, orderBy=order)) == expected


# --- Filters ------------------------------------------------------------------------------------


@pytest.fixture
def catalogue(seed: Seeder) -> None:
    world, science = seed.section("World"), seed.section("Science")
    analysis, news = seed.category("Analysis"), seed.category("News")
    ann, bob = seed.author("Ann Lee", slug="ann"), seed.author("Bob Roy", slug="bob")
    day = datetime(2024, 1, 10, 12, 0, tzinfo=UTC)
    seed.article("Alpha", section_id=world, category_id=analysis, author_ids=[ann], published_at=day)
    seed.article("Bravo", section_id=world, category_id=news, author_ids=[bob],
                 published_at=day.replace(month=2))  # fmt: skip
    seed.article("Charlie", section_id=science, category_id=analysis, author_ids=[ann, bob],
                 published_at=day.replace(month=3))  # fmt: skip
    seed.article("Delta", section_id=science, category_id=news, published_at=day.replace(month=4))
    seed.article("Echo", author_ids=[bob], published_at=day.replace(month=5))


@pytest.mark.usefixtures("catalogue")
@pytest.mark.parametrize(
    ("article_filter", "expected"),
    [
        ({"section": "world"}, ["Bravo", "Alpha"]),
        ({"category": "analysis"}, ["Charlie", "Alpha"]),
        ({"author": "ann"}, ["Charlie", "Alpha"]),
        ({"author": "bob"}, ["Echo", "Charlie", "Bravo"]),
        ({"publishedAfter": "2024-03-10T12:00:00Z"}, ["Echo", "Delta", "Charlie"]),
        ({"publishedBefore": "2024-03-10T12:00:00Z"}, ["Bravo", "Alpha"]),
        ({"publishedAfter": "2024-03-10T14:00:00+02:00"}, ["Echo", "Delta", "Charlie"]),
        (
            {"publishedAfter": "2024-02-10T12:00:00+00:00", "publishedBefore": "2024-04-10T12:00:00+00:00"},
            ["Charlie", "Bravo"],
        ),
        ({"section": "science", "category": "news"}, ["Delta"]),
        ({"section": "world", "author": "bob", "publishedAfter": "2024-02-01T00:00:00Z"}, ["Bravo"]),
        ({"section": "nope"}, []),
        ({"category": "nope"}, []),
        ({"author": "nope"}, []),
        ({"section": "world", "author": "nope"}, []),
    ],
)
def test_filters_narrow_the_list_and_its_total(
    gql: GraphQLClient, article_filter: dict[str, str], expected: list[str]
) -> None:
    page = _articles(gql, filter=article_filter)
    assert _titles(page) == expected
    assert page["totalCount"] == len(expected)


@pytest.mark.usefixtures("catalogue")
def test_filtered_lists_page_with_cursors(gql: GraphQLClient) -> None:
    pages = _walk_forward(gql, 1, filter={"author": "bob"})
    assert [t for p in pages for t in _titles(p)] == ["Echo", "Charlie", "Bravo"]
    assert all(p["totalCount"] == 3 for p in pages)


@pytest.mark.usefixtures("catalogue")
@pytest.mark.parametrize("name", ["publishedAfter", "publishedBefore"])
def test_a_date_filter_without_time_zone_is_refused(gql: GraphQLClient, name: str) -> None:
    response = gql.post(
        "query($f: ArticleFilter) { articles(filter: $f) { totalCount } }",
        {"f": {name: "2024-03-10T12:00:00"}},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]


# --- Nested connections -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["author", "section", "category"])
def test_nested_article_lists_page_with_exact_totals(seed: Seeder, gql: GraphQLClient, kind: str) -> None:
    parents = {
        "author": (seed.author("Prolific Writer", slug="main"), seed.author("Other Writer", slug="other")),
        "section": (seed.section("Main", slug="main"), seed.section("Other", slug="other")),
        "category": (seed.category("Main", slug="main"), seed.category("Other", slug="other")),
    }[kind]

    def link(parent: int) -> dict[str, Any]:
        if kind == "author":
            return {"author_ids": [parent]}
        return {f"{kind}_id": parent}

    for i in range(5):
        seed.article(f"Main {i}", published_at=BASE - timedelta(days=i), **link(parents[0]))
    for i in range(2):
        seed.article(f"Other {i}", published_at=BASE - timedelta(days=i), **link(parents[1]))
    query = f"""
    query($after: String) {{
      {kind}(slug: "main") {{
        articles(first: 2, after: $after) {{
          totalCount edges {{ cursor node {{ title }} }} pageInfo {{ hasNextPage endCursor }}
        }}
      }}
    }}"""
    seen: list[str] = []
    after = None
    for _ in range(10):
        connection = gql.data(query, {"after": after})[kind]["articles"]
        assert connection["totalCount"] == 5
        seen += _titles(connection)
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert seen == [f"Main {i}" for i in range(5)]


def test_article_lists_nested_under_lists_each_get_their_own_page(seed: Seeder, gql: GraphQLClient) -> None:
    world, science = seed.section("World"), seed.section("Science")
    ann, bob = seed.author("Ann Lee"), seed.author("Bob Roy")
    for i in range(3):
        seed.article(f"World {i}", section_id=world, author_ids=[ann], published_at=BASE - timedelta(days=i))
    seed.article("Science 0", section_id=science, author_ids=[ann, bob], published_at=BASE)
    data = gql.data(
        "{ sections { name articles(first: 2) {"
        "    totalCount edges { node { title } } pageInfo { hasNextPage } } }"
        "  authors { edges { node { name articles(first: 1) { totalCount nodes { title } } } } } }"
    )
    sections = {s["name"]: s["articles"] for s in data["sections"]}
    assert sections["World"]["totalCount"] == 3
    assert _titles(sections["World"]) == ["World 0", "World 1"]
    assert sections["World"]["pageInfo"]["hasNextPage"] is True
    assert sections["Science"]["totalCount"] == 1
    assert _titles(sections["Science"]) == ["Science 0"]
    assert sections["Science"]["pageInfo"]["hasNextPage"] is False
    authors = {e["node"]["name"]: e["node"]["articles"] for e in data["authors"]["edges"]}
    assert authors["Ann Lee"]["totalCount"] == 4
    assert authors["Bob Roy"] == {"totalCount": 1, "nodes": [{"title": "Science 0"}]}


def test_authors_are_listed_alphabetically_with_a_total(seed: Seeder, gql: GraphQLClient) -> None:
    for name in ["Carol Diaz", "Alice Moss", "Eve Park", "Bob Roy", "Dan Wu"]:
        seed.author(name)
    query = """query($after: String) { authors(first: 2, after: $after) {
        totalCount edges { node { name slug } } pageInfo { hasNextPage endCursor } } }"""
    names: list[str] = []
    after = None
    for _ in range(10):
        connection = gql.data(query, {"after": after})["authors"]
        assert connection["totalCount"] == 5
        names += [e["node"]["name"] for e in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert names == ["Alice Moss", "Bob Roy", "Carol Diaz", "Dan Wu", "Eve Park"]
    assert gql.codes("{ authors(first: 101) { totalCount } }") == ["BAD_USER_INPUT"]


def test_the_byline_keeps_the_order_editors_gave(seed: Seeder, gql: GraphQLClient) -> None:
    a, b, c = seed.author("Aaron First"), seed.author("Beth Second"), seed.author("Cara Third")
    seed.article("Joint work", slug="joint-work", author_ids=[b, c, a])
    data = gql.data(
        '{ article(slug: "joint-work") { authors { name } } articles { nodes { authors { name } } } }'
    )
    expected = [{"name": "Beth Second"}, {"name": "Cara Third"}, {"name": "Aaron First"}]
    assert data["article"]["authors"] == expected
    assert data["articles"]["nodes"][0]["authors"] == expected


# --- Single objects and global IDs --------------------------------------------------------------


@pytest.fixture
def one_of_each(seed: Seeder) -> dict[str, Any]:
    section = seed.section("World", slug="world")
    category = seed.category("Analysis", slug="analysis")
    author = seed.author("Ann Lee", slug="ann")
    image = seed.image(title="Harbour at Dusk")
    decoy = seed.article("Decoy", slug="decoy")
    seed.article(
        "The one", slug="the-one", section_id=section, category_id=category, author_ids=[author],
        lead_image_id=image,
    )  # fmt: skip
    return {"section": section, "category": category, "author": author, "image": image, "decoy": decoy}


def _ids(gql: GraphQLClient) -> dict[str, str]:
    node = gql.data(
        '{ article(slug: "the-one") { id section { id } category { id } authors { id } leadImage { id } } }'
    )["article"]
    return {
        "Article": node["id"],
        "Section": node["section"]["id"],
        "Category": node["category"]["id"],
        "Author": node["authors"][0]["id"],
        "Image": node["leadImage"]["id"],
    }


@pytest.mark.usefixtures("one_of_each")
def test_article_by_slug_and_by_id_is_the_same_article(gql: GraphQLClient) -> None:
    by_slug = gql.data('{ article(slug: "the-one") { id title slug } }')["article"]
    assert by_slug["title"] == "The one"
    by_id = gql.data("query($id: ID) { article(id: $id) { id title slug } }", {"id": by_slug["id"]})[
        "article"
    ]
    assert by_id == by_slug


@pytest.mark.usefixtures("one_of_each")
@pytest.mark.parametrize(
    ("type_name", "fields", "expected"),
    [
        ("Article", "title slug", {"title": "The one", "slug": "the-one"}),
        ("Section", "name slug", {"name": "World", "slug": "world"}),
        ("Category", "name slug", {"name": "Analysis", "slug": "analysis"}),
        ("Author", "name slug", {"name": "Ann Lee", "slug": "ann"}),
        ("Image", "title", {"title": "Harbour at Dusk"}),
    ],
)
def test_node_finds_every_kind_of_object_by_its_id(
    gql: GraphQLClient, type_name: str, fields: str, expected: dict[str, str]
) -> None:
    node_id = _ids(gql)[type_name]
    node = gql.data(
        f"query($id: ID!) {{ node(id: $id) {{ __typename id ... on {type_name} {{ {fields} }} }} }}",
        {"id": node_id},
    )["node"]
    assert node == {"__typename": type_name, "id": node_id, **expected}


def test_global_ids_are_opaque_and_distinct_across_types(
    gql: GraphQLClient, one_of_each: dict[str, Any]
) -> None:
    # The first row of each table tends to have the same database number; the IDs must still differ.
    ids = _ids(gql)
    assert len(set(ids.values())) == 5
    assert {one_of_each["section"], one_of_each["category"], one_of_each["author"]} == {1}
    for value in ids.values():
        assert not value.strip().lstrip("-").isdigit(), value


def test_unknown_and_malformed_ids(seed: Seeder, gql: GraphQLClient, one_of_each: dict[str, Any]) -> None:
    assert gql.codes('{ node(id: "garbage") { id } }') == ["BAD_USER_INPUT"]
    assert gql.codes('{ node(id: "") { id } }') == ["BAD_USER_INPUT"]
    assert gql.codes('{ article(id: "42") { id } }') == ["BAD_USER_INPUT"]
    assert gql.data('{ article(slug: "nope") { id } }') == {"article": None}
    ids = _ids(gql)
    assert gql.codes("query($id: ID) { article(id: $id) { id } }", {"id": ids["Author"]}) == [
        "BAD_USER_INPUT"
    ]
    assert gql.codes("query($id: ID!) { image(id: $id) { id } }", {"id": ids["Article"]}) == [
        "BAD_USER_INPUT"
    ]
    # A well-formed ID of something deleted is simply not there.
    decoy = gql.data('{ article(slug: "decoy") { id } }')["article"]["id"]
    seed.delete_article(one_of_each["decoy"])
    assert gql.data("query($id: ID!) { node(id: $id) { id } }", {"id": decoy}) == {"node": None}
    assert gql.data("query($id: ID) { article(id: $id) { id } }", {"id": decoy}) == {"article": None}


@pytest.mark.usefixtures("one_of_each")
@pytest.mark.parametrize("arguments", ['(slug: "the-one", id: "QXJ0aWNsZToy")', "", "(slug: null, id: null)"])
def test_article_needs_exactly_one_of_slug_or_id(gql: GraphQLClient, arguments: str) -> None:
    assert gql.codes(f"{{ article{arguments} {{ id }} }}") == ["BAD_USER_INPUT"]


# --- Stats --------------------------------------------------------------------------------------


def test_stats_count_only_public_articles_and_follow_every_change(seed: Seeder, gql: GraphQLClient) -> None:
    query = "{ stats { totalPublications } }"
    seed.article("Live")
    seed.article("Draft", state="draft")
    seed.article("Scheduled", published_at=datetime.now(UTC) + timedelta(days=1))
    seed.article("Archived", state="archived", published_at=BASE)
    assert gql.data(query)["stats"]["totalPublications"] == 1
    second = seed.article("Second")
    assert gql.data(query)["stats"]["totalPublications"] == 2
    assert gql.data("{ articles { totalCount } }")["articles"]["totalCount"] == 2
    seed.update_article(second, state="draft")
    assert gql.data(query)["stats"]["totalPublications"] == 1
    assert gql.data("{ articles { totalCount } }")["articles"]["totalCount"] == 1
    seed.update_article(second, state="published")
    assert gql.data(query)["stats"]["totalPublications"] == 2
    seed.delete_article(second)
    assert gql.data(query)["stats"]["totalPublications"] == 1


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="SQLite serialises writers, so commits cannot overtake each other")
def test_stats_are_not_left_stale_when_writes_commit_out_of_order(seed: Seeder, gql: GraphQLClient) -> None:
    """Two editors save at once: the one who started first commits last. Both articles must count."""
    query = "{ stats { totalPublications } articles { totalCount nodes { title } } }"
    seed.article("Earlier")
    now = datetime.now(UTC)
    fast = threading.Thread(target=seed.article, args=("Fast",))
    with seed.db.write() as slow:  # the first writer takes its change number, then is slow to commit
        pk = slow.execute(
            insert(_ARTICLE).returning(_ARTICLE.c.id),
            [{"title": "Slow", "slug": "slow", "state": "published", "published_at": now - timedelta(hours=1),
              "created_at": now, "updated_at": now}],
        ).scalar_one()  # fmt: skip
        changes.record(slow, entity="article", ids=[pk], kind="create")
        fast.start()  # a second writer saves meanwhile
        time.sleep(0.3)
        # Readers are never blocked by writers, and see only what has committed.
        assert gql.data(query)["stats"]["totalPublications"] == 1
    fast.join(timeout=10)
    assert not fast.is_alive()
    data = gql.data(query)
    assert sorted(n["title"] for n in data["articles"]["nodes"]) == ["Earlier", "Fast", "Slow"]
    assert data["articles"]["totalCount"] == 3
    assert data["stats"]["totalPublications"] == 3


# --- Dates --------------------------------------------------------------------------------------

_ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|\+00:00)")


def test_dates_are_iso_8601_in_utc_with_an_offset(seed: Seeder, gql: GraphQLClient) -> None:
    published = datetime(2024, 5, 1, 14, 30, 15, 123456, tzinfo=UTC)
    pk = seed.article("Dated", slug="dated", published_at=published)
    node = gql.data('{ article(slug: "dated") { publishedAt updatedAt } }')["article"]
    for value in node.values():
        assert _ISO_UTC.fullmatch(value), value
    assert datetime.fromisoformat(node["publishedAt"]) == published
    assert datetime.fromisoformat(node["updatedAt"]) == seed.article_row(pk).updated_at


# --- Image credits and licences -----------------------------------------------------------------

CREDIT = """
{ article(slug: "pictured") { leadImage {
    credit { creator sourceName sourceUrl line
             license { code url name allowsCommercialUse allowsAdaptations shareAlike } }
    attribution { text html }
} } }
"""


def test_lead_image_credit_for_a_cc_by_nc_nd_photo(seed: Seeder, gql: GraphQLClient) -> None:
    image = seed.image(
        license=3, title="Harbour at Dusk", creator="Jane Example", source_name="Flickr",
        source_url="https://www.flickr.com/photos/jane/1",
    )  # fmt: skip
    seed.article("Pictured", slug="pictured", lead_image_id=image)
    lead = gql.data(CREDIT)["article"]["leadImage"]
    assert lead["credit"] == {
        "creator": "Jane Example",
        "sourceName": "Flickr",
        "sourceUrl": "https://www.flickr.com/photos/jane/1",
        "line": "Image from Jane Example's photostream on Flickr (CC BY-NC-ND 2.0)",
        "license": {
            "code": "CC-BY-NC-ND-2.0",
            "url": "https://creativecommons.org/licenses/by-nc-nd/2.0/",
            "name": "CC BY-NC-ND 2.0",
            "allowsCommercialUse": False,
            "allowsAdaptations": False,
            "shareAlike": False,
        },
    }
    # The photo page follows "on Flickr", not the photographer's name (it is not their page).
    assert lead["attribution"]["text"] == (
        '"Harbour at Dusk" by Jane Example on Flickr (https://www.flickr.com/photos/jane/1) is licensed '
        "under CC BY-NC-ND 2.0 (https://creativecommons.org/licenses/by-nc-nd/2.0/)."
    )
    html = lead["attribution"]["html"]
    assert '<a href="https://www.flickr.com/photos/jane/1">Harbour at Dusk</a>' in html
    assert re.search(
        r'<a (href="https://creativecommons\.org/licenses/by-nc-nd/2\.0/" rel="license"'
        r'|rel="license" href="https://creativecommons\.org/licenses/by-nc-nd/2\.0/")>CC BY-NC-ND 2\.0</a>',
        html,
    ), html
    assert "Jane Example" in html


def test_lead_image_credit_for_a_cc0_photo(seed: Seeder, gql: GraphQLClient) -> None:
    image = seed.image(
        license="CC0-1.0", title="Lighthouse", creator="Sam Doe", source_name="Wikimedia Commons",
        source_url="https://commons.wikimedia.org/wiki/File:Lighthouse.jpg",
    )  # fmt: skip
    seed.article("Pictured", slug="pictured", lead_image_id=image)
    lead = gql.data(CREDIT)["article"]["leadImage"]
    assert lead["credit"] == {
        "creator": "Sam Doe",
        "sourceName": "Wikimedia Commons",
        "sourceUrl": "https://commons.wikimedia.org/wiki/File:Lighthouse.jpg",
        "line": "Image by Sam Doe via Wikimedia Commons (CC0 1.0)",
        "license": {
            "code": "CC0-1.0",
            "url": "https://creativecommons.org/publicdomain/zero/1.0/",
            "name": "CC0 1.0",
            "allowsCommercialUse": True,
            "allowsAdaptations": True,
            "shareAlike": False,
        },
    }
    text = lead["attribution"]["text"]
    assert text.startswith(
        '"Lighthouse" by Sam Doe from Wikimedia Commons (https://commons.wikimedia.org/wiki/File:Lighthouse.jpg)'
    )
    assert "CC0 1.0 (https://creativecommons.org/publicdomain/zero/1.0/)" in text
    assert "licensed under" not in text  # CC0 waives rights; it is not a licence grant
    assert 'href="https://creativecommons.org/publicdomain/zero/1.0/"' in lead["attribution"]["html"]


def test_attribution_html_escapes_the_credit_fields(seed: Seeder, gql: GraphQLClient) -> None:
    image = seed.image(
        license="CC-BY-4.0", title='<script>alert("t")</script>', creator="Tom & <b>Jerry</b>",
        creator_url="javascript:alert(1)", source_url="https://example.org/p?a=1&b=2",
    )  # fmt: skip
    seed.article("Pictured", slug="pictured", lead_image_id=image)
    html = gql.data(CREDIT)["article"]["leadImage"]["attribution"]["html"]
    assert "<script>" not in html
    assert "<b>" not in html
    assert "javascript:" not in html
    assert "&lt;script&gt;" in html
    assert "Tom &amp; &lt;b&gt;Jerry&lt;/b&gt;" in html
    assert 'href="https://example.org/p?a=1&amp;b=2"' in html


LICENSE_FLAGS = {
    # code: (allowsCommercialUse, allowsAdaptations, shareAlike, requiresAttribution, isPublicDomain)
    "CC-BY-4.0": (True, True, False, True, False),
    "CC-BY-SA-2.0": (True, True, True, True, False),
    "CC-BY-NC-ND-2.0": (False, False, False, True, False),
    "CC-BY-NC-SA-4.0": (False, True, True, True, False),
    "CC-BY-ND-4.0": (True, False, False, True, False),
    "CC0-1.0": (True, True, False, False, True),
    "CC-PDM-1.0": (True, True, False, False, True),
    "ARR": (False, False, False, True, False),
    "NKCR": (True, True, False, True, False),
    "US-GOV": (True, True, False, False, True),
}
LICENSE_URLS = {
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC-BY-SA-2.0": "https://creativecommons.org/licenses/by-sa/2.0/",
    "CC-BY-NC-ND-2.0": "https://creativecommons.org/licenses/by-nc-nd/2.0/",
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "CC-PDM-1.0": "https://creativecommons.org/publicdomain/mark/1.0/",
    "NKCR": "https://www.flickr.com/commons/usage/",
    "US-GOV": "https://www.usa.gov/government-copyright",
}


def test_licenses_list_every_licence_with_its_permissions(gql: GraphQLClient) -> None:
    licenses = gql.data(
        "{ licenses { code name url allowsCommercialUse allowsAdaptations shareAlike"
        " requiresAttribution isPublicDomain } }"
    )["licenses"]
    by_code = {lic["code"]: lic for lic in licenses}
    assert len(by_code) == len(licenses), "codes are unique"
    for code, flags in LICENSE_FLAGS.items():
        lic = by_code[code]
        got = (
            lic["allowsCommercialUse"], lic["allowsAdaptations"], lic["shareAlike"],
            lic["requiresAttribution"], lic["isPublicDomain"],
        )  # fmt: skip
        assert got == flags, code
    for code, url in LICENSE_URLS.items():
        assert by_code[code]["url"] == url
    assert by_code["ARR"]["url"] is None
    assert by_code["CC-BY-SA-2.0"]["name"] == "CC BY-SA 2.0"
    assert by_code["CC0-1.0"]["name"] == "CC0 1.0"
