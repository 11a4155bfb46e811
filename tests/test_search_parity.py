"""SQLite and PostgreSQL answer every search alike (runs when CMS_TEST_DATABASE_URL is set).

One small corpus is loaded into a fresh SQLite database and a fresh PostgreSQL
database, and every query below goes to both through the GraphQL API. Compared:

- errors: the same codes, or none on either;
- totalCount and all three facets: equal;
- edges: the same articles in the same order, the same snippets character for
  character, and ranks equal to 1e-5. Both backends compute FTS5's BM25 with the
  same weights, so the order is the same, not just the top results; ties go to
  the older article on both.

PostgreSQL ranks in tiers when a search has more than EXACT_LIMIT matches (see
cms/search/postgres.py). ``test_tiered_ranking_keeps_bm25_order_within_each_tier``
forces that mode and checks exactly what it promises: the same hits, with
PostgreSQL's order being SQLite's order stably sorted by tier.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from cms.app import create_app
from cms.db import Database
from cms.migrate import upgrade
from cms.search import postgres
from cms.search.query import parse
from cms.search.text import term_of, tokens
from cms.settings import Settings
from tests.conftest import GraphQLClient
from tests.factories import Seeder

PG_URL = os.environ.get("CMS_TEST_DATABASE_URL")
pytestmark = pytest.mark.skipif(not PG_URL, reason="compares with PostgreSQL: set CMS_TEST_DATABASE_URL")

SEARCH = """
query Search($query: String!, $first: Int, $after: String) {
  search(query: $query, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { rank snippet node { slug } }
    facets { sections { value count } categories { value count } years { value count } }
  }
}
"""

LONG_BODY = " ".join(["Ministers met again to discuss the budget and the harbour."] * 12)

# slug, title, summary, body (HTML), section, category, year
CORPUS: list[tuple[str, str, str, str, str, str, int]] = [
    (
        "title-sanctions",
        "Sanctions reach the harbour",
        "Boats stayed home.",
        "<p>Fishing boats stayed home this week.</p>",
        "peninsula",
        "security",
        2022,
    ),
    (
        "summary-sanctions",
        "Harbour report",
        "New sanctions were announced.",
        "<p>Fishing boats stayed home.</p>",
        "peninsula",
        "trade",
        2023,
    ),
    (
        "body-sanctions",
        "Weather on the coast",
        "Rain again.",
        "<p>Fishing boats stayed home because of sanctions.</p>",
        "briefs",
        "trade",
        2023,
    ),
    (
        "many-sanctions",
        "Sanctions, sanctions",
        "Sanctions explained.",
        "<p>Sanctions and more sanctions: the sanction regime.</p>",
        "briefs",
        "security",
        2024,
    ),
    (
        "sanctions-tariffs",
        "Sanctions and tariffs",
        "Both at once.",
        "<p>The alliance weighs sanctions against tariffs.</p>",
        "peninsula",
        "trade",
        2024,
    ),
    (
        "alliance",
        "The alliance holds",
        "Allies meet in Seoul.",
        "<p>Sanctions were not discussed by the alliance.</p>",
        "briefs",
        "security",
        2021,
    ),
    (
        "trade-war",
        "The trade war deepens",
        "Tariffs rise.",
        "<p>A trade war between the two economies.</p>",
        "peninsula",
        "trade",
        2022,
    ),
    (
        "war-over-trade",
        "A war over trade routes",
        "Shipping lanes.",
        "<p>War, trade and the sea.</p>",
        "briefs",
        "trade",
        2022,
    ),
    (
        "title-end-summary-start",
        "Ports and trade",
        "War games near the coast.",
        "<p>Nothing here.</p>",
        "briefs",
        "security",
        2020,
    ),
    (
        "semiconductors",
        "Semiconductors in demand",
        "Chips for everyone.",
        "<p>Foundries run at capacity; tariffs loom.</p>",
        "peninsula",
        "trade",
        2024,
    ),
    (
        "technology",
        "Technology policy",
        "Technologies compared.",
        "<p>Technological change, possibly faster than expected.</p>",
        "briefs",
        "trade",
        2023,
    ),
    (
        "us-korea",
        "U.S.-Korea deal",
        "The US and Korea agree.",
        "<p>State-of-the-art talks; don't expect more in the 1990s style.</p>",
        "peninsula",
        "security",
        2021,
    ),
    (
        "cafe",
        "Café society in Seoul",
        "Naïve façades.",
        "<p>Cafe owners in Łódź and Ærø.</p>",
        "briefs",
        "culture",
        2022,
    ),
    ("cafe-plain", "The cafe economy", "Coffee prices.", "<p>The cafe trade.</p>", "briefs", "culture", 2023),
    (
        "rtl",
        "سياسة العقوبات",
        "עיתון על סנקציות",
        "<p>العقوبات على الموانئ. הסנקציות על הנמל.</p>",
        "peninsula",
        "culture",
        2024,
    ),
    (
        "cjk",
        "東京 ソウル 会談",
        "서울 회담",
        "<p>Санкции и тарифы. 東京での会談.</p>",
        "peninsula",
        "culture",
        2024,
    ),
    (
        "hostile-text",
        "Comments",
        "Quotes & operators.",
        "<p>Editors found &lt;script&gt;alert(1)&lt;/script&gt; near sanctions &amp; tariffs | !x.</p>",
        "briefs",
        "security",
        2020,
    ),
    (
        "long",
        "Budget talks",
        "A long meeting.",
        f"<p>{LONG_BODY} Sanctions came up at the very end.</p>",
        "briefs",
        "trade",
        2021,
    ),
    (
        "body-heavy",
        "Weekly notes",
        "Notes.",
        "<p>Sanctions, sanctions, sanctions, sanctions, sanctions.</p>",
        "briefs",
        "trade",
        2024,
    ),
    (
        "not-working",
        "Why sanctions are not working",
        "An essay.",
        "<p>Working papers on sanctions.</p>",
        "peninsula",
        "security",
        2019,
    ),
]

QUERIES = [
    "sanctions",
    "sanction",
    "SANCTIONS",
    "Sanctions!",
    "sanctions alliance",
    "sanctions -tariffs",
    "sanctions NOT tariffs",
    "NOT tariffs sanctions",
    'sanctions -"trade war"',
    '"trade war"',
    "trade war",
    '"trade war" OR semiconductors',
    "tariffs OR semiconductors",
    "korea tariffs OR semiconductors",
    "sanctions AND tariffs",
    "sanctions and tariffs",
    "sanctions AND",
    "AND",
    "OR",
    "NOT",
    "the",
    "the sanctions",
    '"the trade war"',
    "sanctions not working",
    '"not working"',
    '"trade war games"',
    '"ports and trade war"',
    "harbour",
    "harbor",
    "technology",
    "technologies",
    "technological",
    "possibly",
    "possible",
    "u.s.",
    "U.S.-Korea",
    "us",
    "US korea",
    "state-of-the-art",
    "don't",
    "1990s",
    "1990",
    "café",
    "cafe",
    "CAFÉ",
    "naive",
    "façade",
    "Łódź",
    "lodz",
    "Ærø",
    "العقوبات",
    "سياسة",
    "סנקציות",
    "東京",
    "서울",
    "санкции",
    "САНКЦИИ",
    "budget",
    "budget sanctions",
    '"unbalanced',
    'sanctions"',
    "NEAR(sanctions tariffs, 2)",
    "title:sanctions",
    "sanctions:* & !x",
    "sanctions & tariffs | !x <-> y",
    "(sanctions",
    "'; DROP TABLE article; --",
    "sanctions OR OR tariffs",
    "-sanctions OR tariffs",
    "-",
    "--sanctions",
    "-sanctions",
    '""',
    "*",
    "😀 sanctions",
    "\\",
    "a" * 500,
    "a" * 501,
    " ".join(["sanctions"] * 40)[:500],
    "x_y",
]


def _gql_for(url: str, tmp: Path) -> Iterator[GraphQLClient]:
    # No response cache: these tests compare the engines, and some change the engine between asks.
    settings = Settings(
        database_url=url, media_root=tmp / "media", secret_key="t", base_url="https://example.org",
        response_cache=False,
    )  # fmt: skip
    database = Database.from_settings(settings)
    seed = Seeder(database)
    sections = {slug: seed.section(slug.title(), slug=slug) for slug in ("peninsula", "briefs")}
    categories = {slug: seed.category(slug.title(), slug=slug) for slug in ("security", "trade", "culture")}
    for slug, title, summary, body, section, category, year in CORPUS:
        seed.article(
            title,
            slug=slug,
            summary=summary,
            body=body,
            section_id=sections[section],
            category_id=categories[category],
            published_at=datetime(year, 6, 1, 9, 30, tzinfo=UTC),
        )
    database.dispose()
    with TestClient(create_app(settings)) as client:
        yield GraphQLClient(client)


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, GraphQLClient]]:
    assert PG_URL is not None
    lite = tmp_path_factory.mktemp("parity-sqlite")
    upgrade(f"sqlite:///{lite / 'cms.db'}")
    admin = create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"cms_parity_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    pg_url = Settings.from_env(
        {"CMS_DATABASE_URL": make_url(PG_URL).set(database=name).render_as_string(hide_password=False)}
    ).database_url
    try:
        upgrade(pg_url)
        sqlite_gql = _gql_for(f"sqlite:///{lite / 'cms.db'}", lite)
        pg_gql = _gql_for(pg_url, tmp_path_factory.mktemp("parity-pg"))
        yield {"sqlite": next(sqlite_gql), "postgresql": next(pg_gql)}
        for client in (sqlite_gql, pg_gql):
            client.close()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def answer(gql: GraphQLClient, query: str, **variables: Any) -> dict[str, Any]:
    response = gql.post(SEARCH, {"query": query, **variables})
    assert response.status_code == 200, response.text
    body = response.json()
    if body.get("errors"):
        return {"codes": sorted(e["extensions"]["code"] for e in body["errors"])}
    return body["data"]["search"]  # type: ignore[no-any-return]


def assert_same(lite: dict[str, Any], pg: dict[str, Any], query: str) -> None:
    if "codes" in lite or "codes" in pg:
        assert lite == pg, query
        return
    assert pg["totalCount"] == lite["totalCount"], query
    assert pg["facets"] == lite["facets"], query
    assert [e["node"]["slug"] for e in pg["edges"]] == [e["node"]["slug"] for e in lite["edges"]], query
    assert [e["snippet"] for e in pg["edges"]] == [e["snippet"] for e in lite["edges"]], query
    assert [e["rank"] for e in pg["edges"]] == pytest.approx([e["rank"] for e in lite["edges"]], abs=1e-5), (
        query
    )
    assert pg["pageInfo"] == lite["pageInfo"], query


@pytest.mark.parametrize("query", QUERIES, ids=[q[:40] for q in QUERIES])
def test_both_backends_find_rank_count_and_mark_alike(both: dict[str, GraphQLClient], query: str) -> None:
    lite = answer(both["sqlite"], query, first=100)
    assert_same(lite, answer(both["postgresql"], query, first=100), query)


def test_the_comparison_is_not_vacuous(both: dict[str, GraphQLClient]) -> None:
    """Most queries find something, some find nothing, some are refused: all three are compared."""
    results = [answer(both["sqlite"], q, first=100) for q in QUERIES]
    found = [r for r in results if "codes" not in r and r["totalCount"] > 0]
    assert len(found) > len(QUERIES) // 2
    assert any("codes" not in r and r["totalCount"] == 0 for r in results)
    assert any("codes" in r for r in results)
    assert any(len(r["edges"]) >= 5 for r in found)


def test_pages_match_too(both: dict[str, GraphQLClient]) -> None:
    after: dict[str, str | None] = {"sqlite": None, "postgresql": None}
    for _ in range(4):
        pages = {name: answer(gql, "sanctions", first=2, after=after[name]) for name, gql in both.items()}
        assert_same(pages["sqlite"], pages["postgresql"], "sanctions, paged")
        after = {name: page["pageInfo"]["endCursor"] for name, page in pages.items()}


def test_titles_outrank_summaries_outrank_bodies_on_both(both: dict[str, GraphQLClient]) -> None:
    expected = ["title-sanctions", "summary-sanctions", "body-sanctions"]
    for gql in both.values():
        slugs = [e["node"]["slug"] for e in answer(gql, "sanctions", first=100)["edges"]]
        assert [slug for slug in slugs if slug in expected] == expected, slugs


def _tier(slug: str, query: str) -> int:
    """0: every term in the title or summary; 1: some term there; 2: none."""
    title, summary = next((t, s) for s_, t, s, *_ in CORPUS if s_ == slug)
    fields = [[term_of(w) for w in tokens(field)] for field in (title, summary)]
    wanted = [[tuple(term_of(w) for w in term.words) for term in group] for group in parse(query).groups]

    def present(words: tuple[str, ...]) -> bool:
        return any(tuple(f[i : i + len(words)]) == words for f in fields for i in range(len(f)))

    if all(any(present(words) for words in group) for group in wanted):
        return 0
    return 1 if any(present(words) for group in wanted for words in group) else 2


@pytest.mark.parametrize(
    "query", ["sanctions", "sanctions tariffs", "trade war", "tariffs OR alliance", "sanctions -tariffs"]
)
def test_tiered_ranking_keeps_bm25_order_within_each_tier(
    both: dict[str, GraphQLClient], monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    monkeypatch.setattr(postgres, "EXACT_LIMIT", 0)
    lite = answer(both["sqlite"], query, first=100)
    pg = answer(both["postgresql"], query, first=100)
    assert pg["totalCount"] == lite["totalCount"]
    assert pg["facets"] == lite["facets"]
    lite_order = [e["node"]["slug"] for e in lite["edges"]]
    expected = sorted(lite_order, key=lambda slug: _tier(slug, query))
    assert [e["node"]["slug"] for e in pg["edges"]] == expected
    if query == "sanctions":
        assert {_tier(slug, query) for slug in lite_order} == {0, 2}, "both tiers should be exercised"
        assert expected != lite_order, "the tiers should change the order"
