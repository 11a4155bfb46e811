"""Full-text search: one small interface, SQLite FTS5 and PostgreSQL tsvector behind it.

Both backends index every article and apply visibility and filters at query
time, in the same statement as the match, so counts and facets can never
include a draft or a scheduled article.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Connection, Select, func, select

from cms.models import Article
from cms.search.query import SearchQuery, parse
from cms.search.snippet import Highlighter

_article = Article.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Hit:
    article_id: int
    rank: float
    snippet: str  # HTML: the hits in <mark>, everything else escaped


@dataclass(frozen=True)
class Facets:
    sections: list[tuple[int, int]]  # (section id, count)
    categories: list[tuple[int, int]]
    years: list[tuple[int, int]]


# Remembers an integer for as long as the content is unchanged: memo(key, compute).
# Backends keep corpus figures (article counts, term frequencies) in it.
Memo = Callable[[tuple[Any, ...], Callable[[], int]], int]


def direct(_key: tuple[Any, ...], compute: Callable[[], int]) -> int:
    return compute()


class SearchBackend(Protocol):
    def hits(
        self,
        conn: Connection,
        query: SearchQuery,
        where: list[ColumnElement[bool]],
        *,
        limit: int,
        offset: int,
        memo: Memo = direct,
    ) -> list[Hit]: ...

    def count(self, conn: Connection, query: SearchQuery, where: list[ColumnElement[bool]]) -> int: ...

    def facets(self, conn: Connection, query: SearchQuery, where: list[ColumnElement[bool]]) -> Facets: ...


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


TEXT_COLUMNS = (_article.c.title, _article.c.summary, _article.c.body_text)


def with_snippets(
    conn: Connection,
    query: SearchQuery,
    ranked: list[tuple[int, float]],
    texts: dict[int, tuple[str, str, str]] | None = None,
) -> list[Hit]:
    """Hits for a page of (article id, rank), each with its snippet.

    Both backends make snippets here, from the stored text, by one rule (see
    snippet.py), so the same hit gets the same snippet on either database; and
    only the page's few articles are read (``texts``: title, summary and body by
    id, when the backend read them already).
    """
    if not ranked:
        return []
    if texts is None:
        ids = [article_id for article_id, _ in ranked]
        stmt = select(_article.c.id, *TEXT_COLUMNS).where(_article.c.id.in_(ids))
        texts = {row[0]: (row[1], row[2], row[3]) for row in conn.execute(stmt)}
    highlighter = Highlighter(query)
    hits = []
    for article_id, rank in ranked:
        title, summary, body = texts.get(article_id, ("", "", ""))
        snippet = highlighter.snippet(title or "", summary or "", body or "")
        hits.append(Hit(article_id=article_id, rank=round(rank, 6), snippet=snippet))
    return hits


__all__ = ["Facets", "Hit", "Memo", "SearchBackend", "SearchQuery", "backend_for", "direct", "parse"]
