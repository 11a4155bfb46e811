"""SQLite FTS5: BM25 ranking with titles weighted over summaries over bodies."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.selectable import Join

from cms import driver
from cms.models import Article
from cms.search import Facets, Hit, Memo, best_first, direct, grouped_facets, with_snippets
from cms.search.query import SearchQuery, Term

_article = Article.__table__  # type: ignore[attr-defined]
_fts = table("article_fts", column("rowid"))
_WEIGHTS = (10.0, 4.0, 1.0)  # title, summary, body_text


@contextmanager
def indexing_deferred(conn: Connection, adding: int = 0) -> Iterator[None]:
    """Articles inserted meanwhile are indexed in one statement at the end, not by the trigger row by row.

    FTS5 indexes a batch in a third of the time its per-row trigger takes (an import of 6,325
    articles: 1.3 s against 2.8 s). Run inside the caller's transaction, which must roll back
    if this raises: the trigger's removal is part of it, and so comes back with the rollback.
    New rows are those with ids above the largest before, as SQLite hands out rowids. The one
    pass suits an import of any size, so ``adding`` (PostgreSQL's choice) is not consulted."""
    found = conn.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'article_fts_insert'")
    ).first()
    if found is None:
        yield
        return
    before = conn.execute(select(func.coalesce(func.max(_article.c.id), 0))).scalar_one()
    conn.exec_driver_sql("DROP TRIGGER article_fts_insert")
    yield
    conn.execute(
        text(
            "INSERT INTO article_fts (rowid, title, summary, body_text) "
            "SELECT id, title, summary, body_text FROM article WHERE id > :before"
        ),
        {"before": before},
    )
    conn.exec_driver_sql(found.sql)


class CrossJoin(Join):
    """An inner join that SQLite must loop in the order written."""

    inherit_cache = True


@compiles(CrossJoin, "sqlite")
def _compile_cross_join(join: CrossJoin, compiler: Any, **kw: Any) -> str:
    kw["asfrom"] = True
    left = compiler.process(join.left, **kw)
    right = compiler.process(join.right, **kw)
    return f"{left} CROSS JOIN {right} ON {compiler.process(join.onclause, **kw)}"


def _term(term: Term) -> str:
    # Words are \w+ only, so wrapping them in double quotes leaves nothing for FTS5 to parse.
    return '"' + " ".join(term.words) + '"'


def match_expression(query: SearchQuery) -> str:
    groups = ["(" + " OR ".join(_term(t) for t in group) + ")" for group in query.groups]
    expression = "(" + " AND ".join(groups) + ")"
    for term in query.excluded:
        expression += f" NOT {_term(term)}"
    return expression


_BM25 = func.bm25(literal_column("article_fts"), *_WEIGHTS)
_RANKED = (
    select(_fts.c.rowid, _BM25)
    .where(text("article_fts MATCH :match"))
    .order_by(_BM25, _fts.c.rowid)
    .limit(bindparam("candidates"))
)


class SQLiteSearch:
    def _matching(self, query: SearchQuery, where: list[ColumnElement[bool]], *columns: object) -> Select:  # type: ignore[type-arg]
        return (  # type: ignore[no-any-return]
            select(*columns)  # type: ignore[call-overload]
            # CROSS JOIN fixes the loop order: run the FTS lookup once, then fetch each
            # match by primary key. Left to itself, SQLite may walk every published
            # article by index and run the MATCH once per row (100x slower).
            .select_from(CrossJoin(_fts, _article, _article.c.id == _fts.c.rowid))
            .where(text("article_fts MATCH :match").bindparams(match=match_expression(query)), *where)
        )

    def hits(
        self,
        conn: Connection,
        query: SearchQuery,
        where: list[ColumnElement[bool]],
        *,
        limit: int,
        offset: int,
        memo: Memo = direct,
    ) -> list[Hit]:
        top = self._top(conn, query, match_expression(query), where, limit=limit, offset=offset)
        # BM25 scores are negative, lower is better; the API's rank is higher-is-better.
        return with_snippets(conn, query, [(article_id, -score) for article_id, score in top])

    def _top(
        self,
        conn: Connection,
        query: SearchQuery,
        match: str,
        where: list[ColumnElement[bool]],
        *,
        limit: int,
        offset: int,
    ) -> list[tuple[int, float]]:
        def ranked(candidates: int) -> list[tuple[int, float]]:
            rows = driver.rows(conn, _RANKED, {"match": match, "candidates": candidates})
            return [(article_id, float(score)) for article_id, score in rows]

        def joined() -> list[tuple[int, float]]:
            stmt = (
                self._matching(query, where, _article.c.id, _BM25.label("score"))
                .order_by(_BM25, _article.c.id)
                .limit(limit)
                .offset(offset)
            )
            return [(article_id, float(score)) for article_id, score in conn.execute(stmt)]

        return best_first(conn, ranked=ranked, where=where, limit=limit, offset=offset, joined=joined)

    def count(self, conn: Connection, query: SearchQuery, where: list[ColumnElement[bool]]) -> int:
        return int(conn.execute(self._matching(query, where, func.count())).scalar_one())

    def facets(self, conn: Connection, query: SearchQuery, where: list[ColumnElement[bool]]) -> Facets:
        year = func.cast(func.strftime("%Y", _article.c.published_at), _article.c.id.type)
        return grouped_facets(conn, lambda *columns: self._matching(query, where, *columns), year)
