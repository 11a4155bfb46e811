"""PostgreSQL: the words FTS5 would index (migration 0005), ranked by FTS5's own BM25.

Matching: ``article_search.vector`` holds title, summary and body, tokenized and
stemmed as SQLite's FTS5 does it, behind a GIN index; the parsed query becomes a
tsquery built from the same words (phrases with ``<->``, alternatives with ``|``,
exclusions with ``!``), so a query finds the same articles on both backends.

Ranking: BM25 exactly as FTS5's ``bm25(article_fts, 10, 4, 1)`` computes it: the
same weights, k1 = 1.2, b = 0.75, the same IDF (from the number of articles
holding each term) and document lengths (``tokens``). A term's weighted count
(10 per title hit, 4 per summary hit, 1 per body hit) is ``ts_rank_cd`` with
weights {0, 0.1, 0.4, 1} times 10: it adds one weight per occurrence, or per
phrase occurrence.

Speed: BM25 needs each candidate's whole vector, a TOAST read of ~8 KB. Up to
``EXACT_LIMIT`` matches are ranked exactly, all of them, as on SQLite. Beyond
that, matches are ranked in tiers: first the articles whose title or summary
alone hold every term (found through the GIN index on ``head``), then those
whose title or summary hold at least one, then the rest; BM25 orders each tier.
A page usually needs the first tier only: a few hundred vectors at 100,000
articles instead of ten thousand.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    Select,
    bindparam,
    cast,
    column,
    extract,
    func,
    literal,
    literal_column,
    not_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR

from cms.models import Article
from cms.search import TEXT_COLUMNS, Facets, Hit, Memo, direct, grouped_facets, with_snippets
from cms.search.query import SearchQuery, Term

_article = Article.__table__  # type: ignore[attr-defined]
_search = table("article_search", column("article_id"), column("vector"), column("head"), column("tokens"))
_matched: ColumnElement[Any] = func.cms_search_match(_search.c.vector, type_=TSVECTOR)

EXACT_LIMIT = 400
K1, B = 1.2, 0.75
_WEIGHTS: ColumnElement[Any] = literal_column("'{0, 0.1, 0.4, 1}'::float4[]")
_COMPILED_MAX = 1024


@dataclass(frozen=True)
class Compiled:
    """A parsed query as tsquery text: the whole query, its positive part, each term."""

    full: str
    positive: str
    any_term: str
    terms: tuple[str, ...]


def _term_sql(index: int) -> str:
    return f"phraseto_tsquery('cms_search', cms_search_text(:w{index}))"


def _tsquery(value: str) -> ColumnElement[Any]:
    return cast(literal(value), TSQUERY)


class PostgresSearch:
    def __init__(self) -> None:
        self._compiled: OrderedDict[str, Compiled] = OrderedDict()
        self._lock = threading.Lock()

    def _compile(self, conn: Connection, query: SearchQuery) -> Compiled:
        """The query's tsqueries, made by PostgreSQL from the same words (and remembered)."""
        key = query.key()
        hit = self._compiled.get(key)
        if hit is not None:
            return hit
        terms = query.terms()
        index = {term: i for i, term in enumerate(terms)}
        excluded: dict[Term, int] = {}
        for term in query.excluded:
            excluded.setdefault(term, len(index) + len(excluded))
        params = {f"w{i}": term.text() for term, i in [*index.items(), *excluded.items()]}
        groups = ["(" + " || ".join(_term_sql(index[t]) for t in group) + ")" for group in query.groups]
        positive = " && ".join(groups)
        full = " && ".join([positive, *(f"!!{_term_sql(i)}" for i in excluded.values())])
        any_term = " || ".join(_term_sql(i) for i in index.values())
        # Every phrase of the MATCH expression, in its order, as FTS5's bm25 sums them.
        each = ", ".join(f"({_term_sql(index[t])})::text" for group in query.groups for t in group)
        row = conn.execute(
            text(f"SELECT ({full})::text, ({positive})::text, ({any_term})::text, ARRAY[{each}]"), params
        ).one()
        compiled = Compiled(full=row[0], positive=row[1], any_term=row[2], terms=tuple(row[3]))
        with self._lock:
            self._compiled[key] = compiled
            while len(self._compiled) > _COMPILED_MAX:
                self._compiled.popitem(last=False)
        return compiled

    def _matches(self, compiled: Compiled) -> ColumnElement[bool]:
        return _matched.op("@@")(_tsquery(compiled.full))

    def _matching(
        self, conn: Connection, query: SearchQuery, where: list[ColumnElement[bool]], *columns: object
    ) -> Select:  # type: ignore[type-arg]
        return (  # type: ignore[no-any-return]
            select(*columns)  # type: ignore[call-overload]
            .select_from(_article.join(_search, _search.c.article_id == _article.c.id))
            .where(self._matches(self._compile(conn, query)), *where)
        )

    def _ranked(
        self, conn: Connection, compiled: Compiled, memo: Memo, conditions: list[ColumnElement[bool]]
    ) -> Select:  # type: ignore[type-arg]
        """(article id, score, texts) of the articles meeting ``conditions``: FTS5's BM25."""
        rows = memo(
            ("search-rows",),
            lambda: int(conn.execute(select(func.count()).select_from(_search)).scalar_one()),
        )
        words = memo(
            ("search-words",),
            lambda: int(conn.execute(select(func.coalesce(func.sum(_search.c.tokens), 0))).scalar_one()),
        )
        source = _search.join(_article, _article.c.id == _search.c.article_id)
        vector: ColumnElement[Any] = _search.c.vector
        if len(compiled.terms) > 1:
            # Read (de-TOAST) the vector once, not once per term.
            copy = select(_search.c.vector.op("||")(literal_column("''::tsvector")).label("v"))
            copy = copy.correlate(_search).offset(0)
            lateral = copy.lateral("read")
            source = source.join(lateral, literal_column("true"))
            vector = lateral.c.v
        counts = [
            func.round(10 * func.ts_rank_cd(_WEIGHTS, vector, _tsquery(term))).label(f"f{i}")
            for i, term in enumerate(compiled.terms)
        ]
        # OFFSET 0 keeps the subquery whole, so each count is computed once, not per use.
        inner = (
            select(_search.c.article_id, _search.c.tokens, *TEXT_COLUMNS, *counts)
            .select_from(source)
            .where(*conditions)
            .offset(0)
            .subquery("counted")
        )
        average = words / rows if rows else 1.0
        length = (1 - B) + B * cast(inner.c.tokens, Float) / (average or 1.0)
        score: ColumnElement[Any] = literal(0.0)
        for i, term in enumerate(compiled.terms):
            hits = memo(("search-df", term), lambda term=term: self._document_frequency(conn, term))  # type: ignore[misc]
            idf = math.log((rows - hits + 0.5) / (hits + 0.5)) if rows else 0.0
            weighted = inner.c[f"f{i}"]
            score = score + (idf if idf > 0 else 1e-6) * ((weighted * (K1 + 1)) / (weighted + K1 * length))
        texts = (inner.c.title, inner.c.summary, inner.c.body_text)
        return select(inner.c.article_id, score.label("score"), *texts)

    def _document_frequency(self, conn: Connection, term: str) -> int:
        stmt = select(func.count()).select_from(_search).where(_matched.op("@@")(_tsquery(term)))
        return int(conn.execute(stmt).scalar_one())

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
        compiled = self._compile(conn, query)
        matches = memo(
            ("search-matches", compiled.full),
            lambda: int(
                conn.execute(
                    select(func.count()).select_from(_search).where(self._matches(compiled))
                ).scalar_one()
            ),
        )
        matched = self._matches(compiled)
        if matches <= EXACT_LIMIT:
            tiers: list[list[ColumnElement[bool]]] = [[matched]]
        else:
            in_head: ColumnElement[bool] = _search.c.head.op("@@")(_tsquery(compiled.positive))
            some_in_head: ColumnElement[bool] = _search.c.head.op("@@")(_tsquery(compiled.any_term))
            # Every term in the head means a match, unless something is excluded: then
            # the first tier needs no look at the (large) index of whole texts.
            first: list[ColumnElement[bool]] = [in_head] if not query.excluded else [in_head, matched]
            tiers = [first, [matched, some_in_head, not_(in_head)], [matched, not_(some_in_head)]]
        page: list[tuple[int, float]] = []
        texts: dict[int, tuple[str, str, str]] = {}
        skip, wanted = offset, limit
        for tier in tiers:
            ranked = self._ranked(conn, compiled, memo, [*where, *tier]).subquery("ranked")
            # The page's texts come with it: TOAST is read for the rows returned only.
            stmt = select(ranked).order_by(ranked.c.score.desc(), ranked.c.article_id).limit(bindparam("n"))
            rows = conn.execute(stmt, {"n": skip + wanted}).all()
            for row in rows[skip:]:
                page.append((int(row.article_id), float(row.score)))
                texts[int(row.article_id)] = (row.title, row.summary, row.body_text)
            if len(rows) >= skip + wanted:
                break
            skip = max(0, skip - len(rows))
            wanted = limit - len(page)
        return with_snippets(conn, query, page[:limit], texts)

    def count(self, conn: Connection, query: SearchQuery, where: list[ColumnElement[bool]]) -> int:
        return int(conn.execute(self._matching(conn, query, where, func.count())).scalar_one())

    def facets(self, conn: Connection, query: SearchQuery, where: list[ColumnElement[bool]]) -> Facets:
        year = func.cast(extract("year", _article.c.published_at), _article.c.id.type)
        return grouped_facets(conn, lambda *columns: self._matching(conn, query, where, *columns), year)


# --- Bulk writes --------------------------------------------------------------------------------

#: The GIN indexes over ``article_search`` (migration 0008).
_GIN_INDEXES = ("ix_article_search_match", "ix_article_search_head")
_MAY_MERGE = text(
    "SELECT coalesce(bool_and(pg_has_role(c.relowner, 'USAGE')), false) FROM pg_class c "
    "WHERE c.oid IN (SELECT to_regclass(name) FROM unnest(CAST(:indexes AS text[])) AS name)"
)
_MERGE = text("SELECT gin_clean_pending_list(CAST(:index AS regclass))")
_ROWS = text("SELECT count(*) FROM article_search")
_DEFINITIONS = text("SELECT pg_get_indexdef(to_regclass(name)) FROM unnest(CAST(:indexes AS text[])) AS name")


@contextmanager
def indexing_deferred(conn: Connection, adding: int = 0) -> Iterator[None]:
    """Search entries written meanwhile reach the GIN indexes at the end, in bulk.

    GIN gathers new entries in a pending list and merges it into the index each time it
    passes ``gin_pending_list_limit`` (4 MB): hundreds of times in an import, each merge
    sorting and rewriting what it gathered. Raised for this transaction, with one
    ``gin_clean_pending_list()`` at the end, the list is merged once, and nothing is left
    for searches to scan or for the next editor's save to merge.

    Adding at least as many articles as there are, the indexes are instead dropped and
    built anew at the end: a build sorts everything once, takes a third less time than the
    merges, and makes an index an eleventh of the size (100,000 articles: 97 MB against
    1.1 GB). Searches wait for the import to commit meanwhile, as writers already do.

    Both need the indexes' owner (or MAINTAIN, from PostgreSQL 17); for a role that may
    not, indexing goes on as usual."""
    if not conn.execute(_MAY_MERGE, {"indexes": list(_GIN_INDEXES)}).scalar_one():
        yield
        return
    conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))  # what a merge or build sorts in
    if adding and adding >= conn.execute(_ROWS).scalar_one():
        built = conn.execute(_DEFINITIONS, {"indexes": list(_GIN_INDEXES)}).scalars().all()
        for index in _GIN_INDEXES:
            conn.execute(text(f'DROP INDEX "{index}"'))
        yield
        for definition in built:
            conn.execute(text(definition))
        return
    conn.execute(text("SET LOCAL gin_pending_list_limit = '1GB'"))
    yield
    for index in _GIN_INDEXES:
        conn.execute(_MERGE, {"index": index})
