"""search(query:) as readers use it: matching, ranking, snippets, paging, facets, filters, visibility."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cms.models import utcnow
from tests.conftest import GraphQLClient
from tests.factories import Seeder

SEARCH = """
query Search($query: String!, $first: Int, $after: String, $filter: ArticleFilter) {
  search(query: $query, first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor rank snippet node { title slug } }
    facets {
      sections { value label count }
      categories { value label count }
      years { value label count }
    }
  }
}
"""


def search(gql: GraphQLClient, query: str, **variables: Any) -> dict[str, Any]:
    return gql.data(SEARCH, {"query": query, **variables})["search"]  # type: ignore[no-any-return]


def titles(result: dict[str, Any]) -> list[str]:
    return [edge["node"]["title"] for edge in result["edges"]]


def facet(result: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return sorted(result["facets"][name], key=lambda f: f["value"])


def at(year: int, month: int = 6, day: int = 1) -> datetime:
    return datetime(year, month, day, 9, 30, tzinfo=UTC)


def without_marks(snippet: str) -> str:
    return snippet.replace("<mark>", "").replace("</mark>", "")


# Ranking and the query language


def test_title_match_ranks_above_match_only_in_body(seed: Seeder, gql: GraphQLClient) -> None:
    seed.article("Weather on the coast", body="<p>Fishing boats stayed home because of sanctions.</p>")
    seed.article("Sanctions reach the harbour", body="<p>Fishing boats stayed home this week.</p>")
    result = search(gql, "sanctions")
    assert titles(result) == ["Sanctions reach the harbour", "Weather on the coast"]
    ranks = [edge["rank"] for edge in result["edges"]]
    assert all(isinstance(rank, float) for rank in ranks)
    assert ranks[0] > ranks[1]


def test_results_come_highest_rank_first(seed: Seeder, gql: GraphQLClient) -> None:
    seed.article("Ports", body="<p>Tariffs once.</p>")
    seed.article("Tariffs and more tariffs", summary="Tariffs explained.", body="<p>Tariffs, tariffs.</p>")
    seed.article("Tariffs", body="<p>Nothing else.</p>")
    ranks = [edge["rank"] for edge in search(gql, "tariffs")["edges"]]
    assert len(ranks) == 3
    assert ranks == sorted(ranks, reverse=True)


def test_every_word_must_match(seed: Seeder, gql: GraphQLClient) -> None:
    seed.article("Sanctions and tariffs together")
    seed.article("Sanctions alone")
    seed.article("Tariffs alone")
    result = search(gql, "sanctions tariffs")
    assert titles(result) == ["Sanctions and tariffs together"]
    assert result["totalCount"] == 1


def test_quoted_phrase_matches_only_words_in_that_order(seed: Seeder, gql: GraphQLClient) -> None:
    seed.article("The trade war deepens")
    seed.article("A war over trade routes")
    assert titles(search(gql, '"trade war"')) == ["The trade war deepens"]
    assert sorted(titles(search(gql, "trade war"))) == ["A war over trade routes", "The trade war deepens"]


def test_minus_excludes_articles_with_that_word(seed: Seeder, gql: GraphQLClient) -> None:
    seed.article("Sanctions on shipping")
    seed.article("Sanctions and tariffs")
    result = search(gql, "sanctions -tariffs")
    assert titles(result) == ["Sanctions on shipping"]
    assert result["totalCount"] == 1


def test_minus_excludes_a_quoted_phrase(seed: Seeder, gql: GraphQLClient) -> None:
    seed.article("Sanctions and the trade war")
    seed.article("Sanctions, war and trade")
    assert titles(search(gql, 'sanctions -"trade war"')) == ["Sanctions, war and trade"]


def test_or_finds_either_word(seed: Seeder, gql: GraphQLClient) -> None:
    seed.article("Tariffs on steel")
    seed.article("Semiconductors in demand")
    seed.article("Weather report")
    result = search(gql, "tariffs OR semiconductors")
    assert sorted(titles(result)) == ["Semiconductors in demand", "Tariffs on steel"]
    assert result["totalCount"] == 2


def test_or_binds_tighter_than_and(seed: Seeder, gql: GraphQLClient) -> None:
    seed.article("Korea tariffs")
    seed.article("Korea semiconductors")
    seed.article("Japan tariffs")
    result = search(gql, "korea tariffs OR semiconductors")
    assert sorted(titles(result)) == ["Korea semiconductors", "Korea tariffs"]


def test_a_word_finds_its_other_forms(seed: Seeder, gql: GraphQLClient) -> None:
    seed.article("New sanctions announced")
    seed.article("Weather report")
    assert titles(search(gql, "sanction")) == ["New sanctions announced"]
    assert titles(search(gql, "SANCTIONS")) == ["New sanctions announced"]


def test_accented_and_unaccented_spellings_find_each_other(seed: Seeder, gql: GraphQLClient) -> None:
    seed.article("Café society in Seoul")
    seed.article("The cafe economy")
    seed.article("Tea houses")
    for query in ("café", "cafe", "CAFÉ"):
        assert sorted(titles(search(gql, query))) == ["Café society in Seoul", "The cafe economy"], query


# Snippets


def test_snippet_marks_the_matched_words(seed: Seeder, gql: GraphQLClient) -> None:
    seed.article(
        "Ports", body="<p>Fishing boats stayed home this week because new sanctions closed the harbour.</p>"
    )
    snippet = search(gql, "sanction")["edges"][0]["snippet"]
    marked = re.findall(r"<mark>(.*?)</mark>", snippet)
    assert marked, snippet
    assert all(word.lower().startswith("sanction") for word in marked), snippet
    assert "harbour" in snippet


def test_snippet_escapes_html_in_article_text(seed: Seeder, gql: GraphQLClient) -> None:
    seed.article(
        "Numbers",
        body="<p>Economists said that growth &lt; inflation, so sanctions &amp; tariffs hurt households.</p>",
    )
    snippet = search(gql, "sanctions")["edges"][0]["snippet"]
    assert "<mark>sanctions</mark>" in snippet
    assert "growth &lt; inflation" in snippet
    assert "&amp; tariffs" in snippet
    assert "<" not in without_marks(snippet), snippet
    assert ">" not in without_marks(snippet), snippet


def test_snippet_of_a_short_body_keeps_its_escaped_less_than_sign(seed: Seeder, gql: GraphQLClient) -> None:
    seed.article("Numbers", body="<p>5 &lt; 6 sanctions</p>")
    snippet = search(gql, "sanctions")["edges"][0]["snippet"]
    assert snippet == "5 &lt; 6 <mark>sanctions</mark>"


def test_snippet_shows_tag_like_text_literally_and_escaped(seed: Seeder, gql: GraphQLClient) -> None:
    seed.article(
        "Comments",
        body="<p>Editors found &lt;script&gt;alert(1)&lt;/script&gt; pasted into posts on sanctions.</p>",
    )
    snippet = search(gql, "sanctions")["edges"][0]["snippet"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in snippet
    assert "<mark>sanctions</mark>" in snippet
    assert "<" not in without_marks(snippet), snippet


def test_snippet_of_a_summary_only_match_is_escaped_too(seed: Seeder, gql: GraphQLClient) -> None:
    seed.article(
        "Ports", summary="Harbour pilots & dockworkers discussed sanctions yesterday.", body="<p>No.</p>"
    )
    snippet = search(gql, "sanctions")["edges"][0]["snippet"]
    assert "<mark>sanctions</mark>" in snippet
    assert "pilots &amp; dockworkers" in snippet
    assert "<" not in without_marks(snippet), snippet


def test_hit_only_in_the_title_gets_the_title_marked_as_its_snippet(seed: Seeder, gql: GraphQLClient) -> None:
    seed.article("Sanctions reach the harbour", summary="Boats stayed home.", body="<p>Fishing was slow.</p>")
    assert search(gql, "sanctions")["edges"][0]["snippet"] == "<mark>Sanctions</mark> reach the harbour"


def test_snippet_of_a_long_body_is_a_window_with_ellipses(seed: Seeder, gql: GraphQLClient) -> None:
    before = " ".join(f"word{n}" for n in range(60))
    after = " ".join(f"more{n}" for n in range(60))
    seed.article("Ports", body=f"<p>{before} new sanctions closed the harbour {after}</p>")
    snippet = search(gql, "sanctions")["edges"][0]["snippet"]
    assert snippet.startswith("…"), snippet
    assert snippet.endswith("…"), snippet
    assert "word59 new <mark>sanctions</mark> closed the harbour more0" in snippet
    assert len(without_marks(snippet).split()) <= 31


def test_snippet_shows_the_window_with_the_most_query_terms(seed: Seeder, gql: GraphQLClient) -> None:
    filler = " ".join(f"word{n}" for n in range(60))
    seed.article("Ports", body=f"<p>Sanctions first. {filler} Then sanctions and the alliance together.</p>")
    snippet = search(gql, "sanctions alliance")["edges"][0]["snippet"]
    assert "<mark>sanctions</mark> and the <mark>alliance</mark> together." in snippet, snippet
    assert snippet.startswith("…")
    assert not snippet.endswith("…")


def test_snippet_marks_a_phrase_as_one_and_not_its_words_elsewhere(seed: Seeder, gql: GraphQLClient) -> None:
    seed.article("Ports", body="<p>The trade war began; trade and war are old.</p>")
    snippet = search(gql, '"trade war"')["edges"][0]["snippet"]
    assert snippet == "The <mark>trade war</mark> began; trade and war are old."


def test_exclusions_rank_and_mark_the_words_looked_for(seed: Seeder, gql: GraphQLClient) -> None:
    seed.article("Weather", body="<p>Sanctions once.</p>")
    seed.article("Sanctions on shipping", summary="Sanctions again.", body="<p>Sanctions, sanctions.</p>")
    seed.article("Sanctions and tariffs")
    result = search(gql, "sanctions -tariffs")
    assert titles(result) == ["Sanctions on shipping", "Weather"]
    ranks = [edge["rank"] for edge in result["edges"]]
    assert ranks[0] > ranks[1] > 0
    assert all("<mark>" in edge["snippet"] for edge in result["edges"])


@pytest.mark.parametrize("query", ["sanctions AND tariffs", "sanctions and tariffs", "the sanctions tariffs"])
def test_and_and_common_words_change_nothing(seed: Seeder, gql: GraphQLClient, query: str) -> None:
    seed.article("Sanctions and tariffs together")
    seed.article("Sanctions alone")
    assert titles(search(gql, query)) == ["Sanctions and tariffs together"]


def test_not_in_capitals_excludes(seed: Seeder, gql: GraphQLClient) -> None:
    seed.article("Sanctions on shipping")
    seed.article("Sanctions and tariffs")
    assert titles(search(gql, "sanctions NOT tariffs")) == ["Sanctions on shipping"]


def test_a_search_of_only_common_words_says_so(seed: Seeder, gql: GraphQLClient) -> None:
    seed.article("The and of")
    errors = gql.errors(SEARCH, {"query": "the and of"})
    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]
    assert "very common words" in errors[0]["message"]
    assert titles(search(gql, '"the and of"')) == ["The and of"]


# Counting and paging


def test_total_count_is_exact_whatever_the_page_size(seed: Seeder, gql: GraphQLClient) -> None:
    for n in range(7):
        seed.article(f"Sanctions update {n}")
    seed.article("Weather report")
    for first in (1, 3, 7, 100):
        result = search(gql, "sanctions", first=first)
        assert result["totalCount"] == 7
        assert len(result["edges"]) == min(first, 7)


def test_default_page_is_twenty_hits(seed: Seeder, gql: GraphQLClient) -> None:
    for n in range(23):
        seed.article(f"Sanctions update {n}")
    result = search(gql, "sanctions")
    assert len(result["edges"]) == 20
    assert result["totalCount"] == 23
    assert result["pageInfo"]["hasNextPage"] is True


def test_paging_with_after_visits_every_hit_exactly_once(seed: Seeder, gql: GraphQLClient) -> None:
    for n in range(7):
        seed.article(f"Sanctions update {n}", body="<p>sanctions</p>" * (n % 3 + 1))
    seed.article("Weather report")
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        result = search(gql, "sanctions", first=3, after=after)
        pages += 1
        assert result["totalCount"] == 7
        assert result["pageInfo"]["hasPreviousPage"] is (after is not None)
        seen += [edge["node"]["slug"] for edge in result["edges"]]
        if result["edges"]:
            assert result["pageInfo"]["endCursor"] == result["edges"][-1]["cursor"]
        if not result["pageInfo"]["hasNextPage"]:
            break
        after = result["pageInfo"]["endCursor"]
        assert pages < 10
    assert pages == 3
    assert len(seen) == 7
    assert len(set(seen)) == 7


def test_pages_keep_rank_order_across_page_boundaries(seed: Seeder, gql: GraphQLClient) -> None:
    for n in range(6):
        seed.article(f"Report {n}", body="<p>" + "tariffs " * (n + 1) + "</p>")
    first = search(gql, "tariffs", first=3)
    second = search(gql, "tariffs", first=3, after=first["pageInfo"]["endCursor"])
    whole = search(gql, "tariffs", first=6)
    paged = [e["node"]["slug"] for e in first["edges"] + second["edges"]]
    assert paged == [e["node"]["slug"] for e in whole["edges"]]


# Facets


def _newsroom(seed: Seeder) -> dict[str, int]:
    peninsula = seed.section("The Peninsula")
    briefs = seed.section("Policy Briefs")
    security = seed.category("Security")
    trade = seed.category("Trade")
    park = seed.author("Min-jun Park")
    kim = seed.author("Ji-woo Kim")
    seed.article("Sanctions one", section_id=peninsula, category_id=security, author_ids=[park],
                 published_at=at(2022, 3))  # fmt: skip
    seed.article("Sanctions two", section_id=peninsula, category_id=trade, author_ids=[park, kim],
                 published_at=at(2023, 1))  # fmt: skip
    seed.article("Sanctions three", section_id=peninsula, category_id=trade, author_ids=[kim],
                 published_at=at(2023, 7))  # fmt: skip
    seed.article("Sanctions four", section_id=briefs, category_id=trade, author_ids=[kim],
                 published_at=at(2024, 2))  # fmt: skip
    seed.article("Sanctions five", section_id=briefs, category_id=None, published_at=at(2024, 5))
    seed.article(
        "Weather", section_id=briefs, category_id=security, author_ids=[park], published_at=at(2024, 5)
    )
    return {"peninsula": peninsula, "briefs": briefs, "security": security, "trade": trade}


def test_facets_count_every_match_not_just_the_page(seed: Seeder, gql: GraphQLClient) -> None:
    _newsroom(seed)
    result = search(gql, "sanctions", first=1)
    assert len(result["edges"]) == 1
    assert facet(result, "sections") == [
        {"value": "policy-briefs", "label": "Policy Briefs", "count": 2},
        {"value": "the-peninsula", "label": "The Peninsula", "count": 3},
    ]
    assert facet(result, "categories") == [
        {"value": "security", "label": "Security", "count": 1},
        {"value": "trade", "label": "Trade", "count": 3},
    ]
    assert facet(result, "years") == [
        {"value": "2022", "label": "2022", "count": 1},
        {"value": "2023", "label": "2023", "count": 2},
        {"value": "2024", "label": "2024", "count": 2},
    ]


def test_facet_values_can_be_fed_back_as_filters(seed: Seeder, gql: GraphQLClient) -> None:
    _newsroom(seed)
    result = search(gql, "sanctions")
    for entry in result["facets"]["sections"]:
        narrowed = search(gql, "sanctions", filter={"section": entry["value"]})
        assert narrowed["totalCount"] == entry["count"]
    for entry in result["facets"]["categories"]:
        narrowed = search(gql, "sanctions", filter={"category": entry["value"]})
        assert narrowed["totalCount"] == entry["count"]


# Filters

FILTERS = {
    "section": ({"section": "policy-briefs"}, {"Sanctions four", "Sanctions five"}),
    "category": ({"category": "trade"}, {"Sanctions two", "Sanctions three", "Sanctions four"}),
    "author": ({"author": "min-jun-park"}, {"Sanctions one", "Sanctions two"}),
    "published-after": (
        {"publishedAfter": "2023-07-01T09:30:00Z"},
        {"Sanctions three", "Sanctions four", "Sanctions five"},
    ),
    "published-before": ({"publishedBefore": "2023-07-01T09:30:00Z"}, {"Sanctions one", "Sanctions two"}),
    "date-range": (
        {"publishedAfter": "2023-01-01T00:00:00+00:00", "publishedBefore": "2024-01-01T00:00:00Z"},
        {"Sanctions two", "Sanctions three"},
    ),
    "section-and-category": (
        {"section": "the-peninsula", "category": "trade"},
        {"Sanctions two", "Sanctions three"},
    ),
    "unknown-section": ({"section": "no-such-section"}, set()),
    "unknown-author": ({"author": "nobody"}, set()),
}


@pytest.mark.parametrize(("flt", "expected"), list(FILTERS.values()), ids=list(FILTERS))
def test_filters_narrow_hits_totals_and_facets(
    seed: Seeder, gql: GraphQLClient, flt: dict[str, str], expected: set[str]
) -> None:
    _newsroom(seed)
    result = search(gql, "sanctions", filter=flt)
    assert set(titles(result)) == expected
    assert result["totalCount"] == len(expected)
    assert sum(f["count"] for f in result["facets"]["years"]) == len(expected)
    sections = {"Sanctions one": "the-peninsula", "Sanctions two": "the-peninsula",
                "Sanctions three": "the-peninsula", "Sanctions four": "policy-briefs",
                "Sanctions five": "policy-briefs"}  # fmt: skip
    wanted: dict[str, int] = {}
    for title in expected:
        wanted[sections[title]] = wanted.get(sections[title], 0) + 1
    assert {f["value"]: f["count"] for f in result["facets"]["sections"]} == wanted


def test_filter_without_time_zone_is_bad_input(seed: Seeder, gql: GraphQLClient) -> None:
    seed.article("Sanctions")
    codes = gql.codes(SEARCH, {"query": "sanctions", "filter": {"publishedAfter": "2023-01-01T00:00:00"}})
    assert codes == ["BAD_USER_INPUT"]


# Visibility


def test_unpublished_articles_never_appear(seed: Seeder, gql: GraphQLClient) -> None:
    public = seed.section("Public")
    hidden = seed.section("Hidden")
    shown = seed.category("Shown")
    secret = seed.category("Secret")
    seed.article("Sanctions published", section_id=public, category_id=shown, published_at=at(2023))
    hidden_fields = {"section_id": hidden, "category_id": secret}
    seed.article("Sanctions draft", state="draft", **hidden_fields)
    seed.article("Sanctions draft dated", state="draft", published_at=at(2021), **hidden_fields)
    seed.article("Sanctions scheduled", published_at=utcnow() + timedelta(days=3), **hidden_fields)
    seed.article("Sanctions archived", state="archived", published_at=at(2021), **hidden_fields)
    seed.article("Sanctions trashed", state="trashed", published_at=at(2021), **hidden_fields)
    for query in ("sanctions", "sanctions OR draft OR scheduled OR archived OR trashed"):
        result = search(gql, query)
        assert titles(result) == ["Sanctions published"]
        assert result["totalCount"] == 1
        assert result["facets"]["sections"] == [{"value": "public", "label": "Public", "count": 1}]
        assert result["facets"]["categories"] == [{"value": "shown", "label": "Shown", "count": 1}]
        assert result["facets"]["years"] == [{"value": "2023", "label": "2023", "count": 1}]
    for word in ("draft", "scheduled", "archived", "trashed"):
        empty = search(gql, word)
        assert empty["edges"] == []
        assert empty["totalCount"] == 0
        assert empty["facets"] == {"sections": [], "categories": [], "years": []}


@pytest.mark.parametrize("status", ["DRAFT", "SCHEDULED", "ARCHIVED", "TRASHED"])
def test_public_search_cannot_ask_for_unpublished_articles(
    seed: Seeder, gql: GraphQLClient, status: str
) -> None:
    seed.article("Sanctions draft", state="draft")
    assert gql.codes(SEARCH, {"query": "sanctions", "filter": {"status": status}}) == ["FORBIDDEN"]


def test_public_search_may_ask_for_published_articles(seed: Seeder, gql: GraphQLClient) -> None:
    seed.article("Sanctions published")
    seed.article("Sanctions draft", state="draft")
    result = search(gql, "sanctions", filter={"status": "PUBLISHED"})
    assert titles(result) == ["Sanctions published"]


def test_scheduled_article_is_found_once_its_time_has_come(seed: Seeder, gql: GraphQLClient) -> None:
    pk = seed.article("Sanctions scheduled", published_at=utcnow() + timedelta(days=3))
    assert search(gql, "sanctions")["totalCount"] == 0
    seed.update_article(pk, published_at=utcnow() - timedelta(minutes=1))
    assert titles(search(gql, "sanctions")) == ["Sanctions scheduled"]


# The index follows every write, with no reindexing


def test_edited_article_is_found_by_its_new_words_only(seed: Seeder, gql: GraphQLClient) -> None:
    pk = seed.article("Sanctions on shipping", body="<p>Tankers wait offshore.</p>")
    assert search(gql, "tankers")["totalCount"] == 1
    seed.update_article(pk, title="Semiconductors in demand", body="<p>Foundries run at capacity.</p>")
    for old in ("sanctions", "tankers"):
        result = search(gql, old)
        assert result["totalCount"] == 0, old
        assert result["edges"] == []
    for new in ("semiconductors", "foundries"):
        assert titles(search(gql, new)) == ["Semiconductors in demand"], new


def test_edited_summary_is_searchable_at_once(seed: Seeder, gql: GraphQLClient) -> None:
    pk = seed.article("Ports", summary="About tankers.")
    seed.update_article(pk, summary="About foundries.")
    assert search(gql, "tankers")["totalCount"] == 0
    assert titles(search(gql, "foundries")) == ["Ports"]


def test_article_moved_back_to_draft_disappears(seed: Seeder, gql: GraphQLClient) -> None:
    pk = seed.article("Sanctions on shipping")
    assert search(gql, "sanctions")["totalCount"] == 1
    seed.update_article(pk, state="draft")
    result = search(gql, "sanctions")
    assert result["edges"] == []
    assert result["totalCount"] == 0
    assert result["facets"]["years"] == []


def test_deleted_article_disappears(seed: Seeder, gql: GraphQLClient) -> None:
    keep = seed.article("Sanctions on steel")
    gone = seed.article("Sanctions on shipping")
    assert search(gql, "sanctions")["totalCount"] == 2
    seed.delete_article(gone)
    result = search(gql, "sanctions")
    assert titles(result) == ["Sanctions on steel"]
    assert result["totalCount"] == 1
    assert keep


def test_new_article_is_found_at_once(seed: Seeder, gql: GraphQLClient) -> None:
    seed.article("Sanctions on steel")
    assert search(gql, "shipping")["totalCount"] == 0
    seed.article("Sanctions on shipping")
    assert titles(search(gql, "shipping")) == ["Sanctions on shipping"]
    assert search(gql, "sanctions")["totalCount"] == 2


# Hostile and invalid input

HOSTILE = [
    '"unbalanced',
    'sanctions"',
    '"sanctions',
    "AND OR NOT",
    "sanctions AND OR NOT",
    "*",
    "sanc*",
    "(",
    ")",
    "(sanctions",
    "^",
    "^sanctions",
    "NEAR(a b)",
    "NEAR(sanctions tariffs, 2)",
    "col:sanctions",
    "title:sanctions",
    "-",
    "--x",
    "- -",
    '"" ""',
    '""',
    "sanctions -",
    "sanctions --",
    "😀",
    "sanctions 😀🇰🇷",
    "a" * 400,
    " ".join(["sanctions"] * 40)[:400],
    "'; DROP TABLE article; --",
    "sanctions'; DROP TABLE article; --",
    "OR sanctions",
    "sanctions OR",
    "OR",
    "sanctions OR OR tariffs",
    "-sanctions OR tariffs",
    "café",
    "Ünïcödé naïve façade",
    "東京 ソウル",
    "sanctions & tariffs | !x <-> y",
    "sanctions:* & !",
    "\\",
    "sanctions\\",
    "%_%",
    "sanctions\x00",
    "\t\nsanctions\r\n",
    "u.s.-korea",
    "_ __ ___",
    "the",
    "the and of",
    '"the of"',
    "-the sanctions",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_odd_queries_never_cause_a_server_error(seed: Seeder, gql: GraphQLClient, query: str) -> None:
    seed.article("Sanctions and tariffs", body="<p>Café owners, façades and the U.S.-Korea deal.</p>")
    response = gql.post(SEARCH, {"query": query})
    assert response.status_code == 200, response.text
    body = response.json()
    codes = [error["extensions"]["code"] for error in body.get("errors", [])]
    assert set(codes) <= {"BAD_USER_INPUT"}, body
    if not codes:
        result = body["data"]["search"]
        assert result["totalCount"] == len(result["edges"])
        for edge in result["edges"]:
            assert "<" not in without_marks(edge["snippet"])
    # and the table is still there
    assert search(gql, "sanctions")["totalCount"] == 1


@pytest.mark.parametrize(
    "query",
    ["", " ", "   \t\n ", "-foo", "-foo -bar", '-"foo bar"', "x" * 501, "sanctions " * 60],
    ids=[
        "empty",
        "space",
        "whitespace",
        "exclusion",
        "exclusions",
        "excluded-phrase",
        "too-long",
        "too-long-words",
    ],
)
def test_query_with_nothing_to_look_for_is_bad_input(seed: Seeder, gql: GraphQLClient, query: str) -> None:
    seed.article("Sanctions")
    assert gql.codes(SEARCH, {"query": query}) == ["BAD_USER_INPUT"]


ODD_FILTERS = {
    "nul-in-author": {"author": "park\x00"},
    "nul-in-section": {"section": "the-peninsula\x00"},
    "nul-in-category": {"category": "\x00"},
    "long-author": {"author": "a" * 5000},
    "sql-in-author": {"author": "'; DROP TABLE article; --"},
    "first-day-of-the-calendar-east-of-utc": {"publishedAfter": "0001-01-01T00:00:00+14:00"},
    "last-day-of-the-calendar-west-of-utc": {"publishedBefore": "9999-12-31T23:59:59-12:00"},
    "after-later-than-before": {
        "publishedAfter": "2024-01-01T00:00:00Z",
        "publishedBefore": "2023-01-01T00:00:00Z",
    },
}


@pytest.mark.parametrize("flt", list(ODD_FILTERS.values()), ids=list(ODD_FILTERS))
def test_odd_filters_never_cause_a_server_error(
    seed: Seeder, gql: GraphQLClient, flt: dict[str, str]
) -> None:
    seed.article("Sanctions", published_at=at(2023))
    body = gql.post(SEARCH, {"query": "sanctions", "filter": flt}).json()
    codes = [error["extensions"]["code"] for error in body.get("errors", [])]
    assert set(codes) <= {"BAD_USER_INPUT"}, body
    if not codes:
        assert body["data"]["search"]["totalCount"] == 0


def _cursor(parts: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "after",
    [
        "not a cursor",
        "!!!",
        "",
        _cursor(["search", -1]),
        _cursor(["search", "3"]),
        _cursor(["search", 1.5]),
        _cursor(["search"]),
        _cursor(["PUBLISHED_AT_DESC", "2024-01-01T00:00:00+00:00", 1]),
        _cursor({"search": 1}),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_invalid_after_cursor_is_bad_input(seed: Seeder, gql: GraphQLClient, after: str) -> None:
    seed.article("Sanctions")
    assert gql.codes(SEARCH, {"query": "sanctions", "after": after}) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("offset", [10**6, 2**31, 2**63, 10**22], ids=["1e6", "2^31", "2^63", "1e22"])
def test_forged_cursor_far_past_the_end_never_causes_a_server_error(
    seed: Seeder, gql: GraphQLClient, offset: int
) -> None:
    seed.article("Sanctions")
    body = gql.post(SEARCH, {"query": "sanctions", "after": _cursor(["search", offset])}).json()
    codes = [error["extensions"]["code"] for error in body.get("errors", [])]
    assert set(codes) <= {"BAD_USER_INPUT"}, body
    if not codes:
        assert body["data"]["search"]["edges"] == []
        assert body["data"]["search"]["totalCount"] == 1


def test_cursor_from_the_article_list_is_refused(seed: Seeder, gql: GraphQLClient) -> None:
    seed.article("Sanctions")
    cursor = gql.data("{ articles(first: 1) { edges { cursor } } }")["articles"]["edges"][0]["cursor"]
    assert gql.codes(SEARCH, {"query": "sanctions", "after": cursor}) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("first", [101, 1000, -1])
def test_page_size_outside_the_limits_is_bad_input(seed: Seeder, gql: GraphQLClient, first: int) -> None:
    seed.article("Sanctions")
    assert gql.codes(SEARCH, {"query": "sanctions", "first": first}) == ["BAD_USER_INPUT"]


def test_page_size_of_one_hundred_is_allowed(seed: Seeder, gql: GraphQLClient) -> None:
    seed.article("Sanctions")
    assert search(gql, "sanctions", first=100)["totalCount"] == 1


def test_search_over_real_http_answers_odd_queries_without_a_server_error(
    seed: Seeder, live_gql: GraphQLClient
) -> None:
    seed.article("Sanctions and tariffs", body="<p>5 &lt; 6 sanctions</p>")
    for query in ('"unbalanced', "NEAR(a b)", "'; DROP TABLE article; --", "sanctions OR"):
        response = live_gql.post(SEARCH, {"query": query})
        assert response.status_code == 200, response.text
        assert "errors" not in response.json(), response.text
    for query in ("", "-foo", "x" * 501):
        response = live_gql.post(SEARCH, {"query": query})
        assert response.status_code == 200, response.text
        assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["BAD_USER_INPUT"]
    assert titles(live_gql.data(SEARCH, {"query": "sanction"})["search"]) == ["Sanctions and tariffs"]
