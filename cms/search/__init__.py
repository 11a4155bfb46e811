"""Full-text search: one small interface, SQLite FTS5 and PostgreSQL tsvector behind it.

Both backends index every article and apply visibility and filters at query
time, in the same statement as the match, so counts and facets can never
include a draft or a scheduled article.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Connection, Select, func, select

from cms.models import Article
from cms.search.query import SearchQuery, parse

# Private-use characters mark hits inside snippets; the text is escaped afterwards
# and only then are the marks turned into <mark>, so article text cannot inject HTML.
_article = Article.__table__  # type: ignore[attr-defined]
MARK_START, MARK_END = "\ue000", "\ue001"
# PostgreSQL's ts_headline drops anything shaped like a tag; angle brackets travel
# in disguise through it and come back as the escaped characters they were.
LESS_THAN, GREATER_THAN = "\ue002", "\ue003"


@dataclass(frozen=True)
class Hit:
    article_id: int
    rank: float
    snippet: str


@dataclass(frozen=True)
class Facets:
    sections: list[tuple[int, int]]  # (section id, count)
    categories: list[tuple[int, int]]
    years: list[tuple[int, int]]


class SearchBackend(Protocol):
    def hits(
        self,
        conn: Connection,
        query: SearchQuery,
        where: list[ColumnElement[bool]],
        *,
        limit: int,
        offset: int,
    ) -> list[Hit]: ...

    def count(self, conn: Connection, query: SearchQuery, where: list[ColumnElement[bool]]) -> int: ...

    def facets(self, conn: Connection, query: SearchQuery, where: list[ColumnElement[bool]]) -> Facets: ...


def render_snippet(raw: str | None) -> str:
    if not raw:
        return ""
    escaped = html.escape(raw, quote=False).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    return escaped.replace(LESS_THAN, "&lt;").replace(GREATER_THAN, "&gt;")


def backend_for(dialect: str) -> SearchBackend:
    if dialect == "sqlite":
        from cms.search.sqlite import SQLiteSearch

        return SQLiteSearch()
    if dialect == "postgresql":
        from cms.search.postgres import PostgresSearch

        return PostgresSearch()
    raise RuntimeError(f"no search backend for the {dialect!r} database")


def grouped_facets(
    conn: Connection, matching: Callable[..., Select[Any]], year: ColumnElement[Any]
) -> Facets:
    """Counts of all matches by section, category and year; ``matching(*columns)`` selects the matches."""

    def by(expression: ColumnElement[Any]) -> list[tuple[int, int]]:
        rows = conn.execute(matching(expression, func.count()).group_by(expression))
        return [(int(value), int(n)) for value, n in rows if value is not None]

    return Facets(sections=by(_article.c.section_id), categories=by(_article.c.category_id), years=by(year))


MAX_CANDIDATES = 5000


def best_first(
    conn: Connection,
    *,
    ranked: Callable[[int], list[tuple[int, float]]],
    where: list[ColumnElement[bool]],
    limit: int,
    offset: int,
    joined: Callable[[], list[tuple[int, float]]],
) -> list[tuple[int, float]]:
    """The page of (article id, score), best first.

    Ranking the search index alone is several times cheaper than ranking matches
    joined to their articles, so take the ``ranked(n)`` best candidates from the
    index, keep those the filters allow, and widen the net only when too few
    survive. Filters that reject most matches end in the plain ``joined`` query.
    """
    needed = offset + limit
    candidates = max(2 * needed, 50)
    while candidates <= MAX_CANDIDATES:
        best = ranked(candidates)
        ids = [article_id for article_id, _ in best]
        allowed = set(conn.execute(select(_article.c.id).where(_article.c.id.in_(ids), *where)).scalars())
        kept = [(article_id, score) for article_id, score in best if article_id in allowed]
        if len(kept) >= needed or len(best) < candidates:
            return kept[offset:needed]
        candidates *= 4
    return joined()


def best_snippet(body: str | None, summary: str | None) -> str:
    """The body's passage, unless the hit was only in the title or summary."""
    if body and MARK_START in body:
        return body
    return summary or body or ""


__all__ = ["Facets", "Hit", "SearchBackend", "SearchQuery", "backend_for", "parse", "render_snippet"]
