"""PostgreSQL: a weighted tsvector (GIN-indexed) matched with websearch_to_tsquery, ranked by ts_rank."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, column, extract, func, literal_column, select, table

from cms.models import Article
from cms.search import (
    GREATER_THAN,
    LESS_THAN,
    MARK_END,
    MARK_START,
    Facets,
    Hit,
    best_first,
    best_snippet,
    grouped_facets,
)
from cms.search.query import SearchQuery

_article = Article.__table__  # type: ignore[attr-defined]
# The vectors live in a narrow table of their own (migration 0004), kept in step by a trigger.
_search = table("article_search", column("article_id"), column("vector"))
_vector: ColumnElement[Any] = _search.c.vector
# Default (not fragment) mode: fragments trim short words and numbers at their edges.
_HEADLINE = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12"


def _tsquery(query: SearchQuery) -> ColumnElement[object]:
    return func.websearch_to_tsquery(literal_column("'cms_english'::regconfig"), query.websearch())


def _disguise_brackets(text: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.replace(func.replace(text, "<", LESS_THAN), ">", GREATER_THAN)


@contextmanager
def _by_index(conn: Connection) -> Iterator[None]:
    """Make the planner use the GIN index.

    The tsvectors live out of line (TOAST), which the planner does not price: it
    picks a sequential scan that reads every vector, 10x slower at 100,000 articles.
    """
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    try:
        yield
    finally:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = on")


class PostgresSearch:
    def _matching(self, query: SearchQuery, where: list[ColumnElement[bool]], *columns: object) -> Select:  # type: ignore[type-arg]
        return (  # type: ignore[no-any-return]
            select(*columns)  # type: ignore[call-overload]
            .select_from(_article.join(_search, _search.c.article_id == _article.c.id))
            .where(_vector.op("@@")(_tsquery(query)), *where)
        )

    def hits(
        self,
        conn: Connection,
        query: SearchQuery,
        where: list[ColumnElement[bool]],
        *,
        limit: int,
        offset: int,
    ) -> list[Hit]:
        tsquery = _tsquery(query)
        rank = func.ts_rank(_vector, tsquery)

        def ranked(candidates: int) -> list[tuple[int, float]]:
            stmt = (
                select(_search.c.article_id, rank)
                .where(_vector.op("@@")(tsquery))
                .order_by(rank.desc(), _search.c.article_id)
                .limit(candidates)
            )
            return [(article_id, float(score)) for article_id, score in conn.execute(stmt)]

        def joined() -> list[tuple[int, float]]:
            stmt = (
                self._matching(query, where, _article.c.id, rank)
                .order_by(rank.desc(), _article.c.id)
                .limit(limit)
                .offset(offset)
            )
            return [(article_id, float(score)) for article_id, score in conn.execute(stmt)]

        with _by_index(conn):
            top = best_first(conn, ranked=ranked, where=where, limit=limit, offset=offset, joined=joined)
            if not top:
                return []
            # Headlines are costly: make them for the page only, after ranking.
            regconfig: ColumnElement[Any] = literal_column("'cms_english'::regconfig")
            stmt = select(
                _article.c.id,
                func.ts_headline(regconfig, _disguise_brackets(_article.c.body_text), tsquery, _HEADLINE),
                func.ts_headline(regconfig, _disguise_brackets(_article.c.summary), tsquery, _HEADLINE),
            ).where(_article.c.id.in_([article_id for article_id, _ in top]))
            snippets = {row[0]: (row[1], row[2]) for row in conn.execute(stmt)}
        return [
            Hit(
                article_id=article_id,
                rank=round(score, 6),
                snippet=best_snippet(*snippets.get(article_id, ("", ""))),
            )
            for article_id, score in top
        ]

    def count(self, conn: Connection, query: SearchQuery, where: list[ColumnElement[bool]]) -> int:
        with _by_index(conn):
            return int(conn.execute(self._matching(query, where, func.count())).scalar_one())

    def facets(self, conn: Connection, query: SearchQuery, where: list[ColumnElement[bool]]) -> Facets:
        year = func.cast(extract("year", _article.c.published_at), _article.c.id.type)
        with _by_index(conn):
            return grouped_facets(conn, lambda *columns: self._matching(query, where, *columns), year)
