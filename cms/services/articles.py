"""Reading articles: visibility, filters, orderings and keyset pages.

Reads use SQLAlchemy Core and return rows, not ORM objects: the API turns a page
of rows straight into response objects, which is what keeps the front page fast.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Row,
    Select,
    and_,
    bindparam,
    exists,
    false,
    func,
    or_,
    select,
    tuple_,
)

from cms import driver
from cms.errors import BadInput
from cms.models import ApiToken, Article, ArticleAuthor, ArticleSlug, Author, State
from cms.services.pagination import Page, cursor_datetime, decode_cursor, encode_cursor

article = Article.__table__  # type: ignore[attr-defined]
article_author = ArticleAuthor.__table__  # type: ignore[attr-defined]
article_slug = ArticleSlug.__table__  # type: ignore[attr-defined]
author = Author.__table__  # type: ignore[attr-defined]

# What the API reads: every timestamp parsed costs, so columns no reader shows stay behind.
ARTICLE_COLUMNS = [c for c in article.c if c.name != "created_at"]
LIST_COLUMNS = [c for c in ARTICLE_COLUMNS if c.name not in {"body_html", "body_text"}]
AUTHOR_COLUMNS = [c for c in author.c if c.name not in {"created_at", "updated_at"}]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


_BYLINES = (
    select(article_author.c.article_id, *AUTHOR_COLUMNS)
    .join(author, author.c.id == article_author.c.author_id)
    .where(article_author.c.article_id.in_(bindparam("ids", expanding=True)))
    .order_by(article_author.c.article_id, article_author.c.position)
)
_BY_IDS = select(*LIST_COLUMNS).where(article.c.id.in_(bindparam("ids", expanding=True)))
_BY_IDS_WITH_BODY = select(*ARTICLE_COLUMNS).where(article.c.id.in_(bindparam("ids", expanding=True)))


class Order(StrEnum):
    PUBLISHED_AT_DESC = "PUBLISHED_AT_DESC"
    PUBLISHED_AT_ASC = "PUBLISHED_AT_ASC"
    UPDATED_AT_DESC = "UPDATED_AT_DESC"
    TITLE_ASC = "TITLE_ASC"


_ORDER_KEYS: dict[Order, tuple[str, bool]] = {  # sort column, descending
    Order.PUBLISHED_AT_DESC: ("published_at", True),
    Order.PUBLISHED_AT_ASC: ("published_at", False),
    Order.UPDATED_AT_DESC: ("updated_at", True),
    Order.TITLE_ASC: ("title", False),
}


@dataclass(frozen=True)
class Filter:
    """Which articles; ids already resolved from slugs. ``public`` applies the visibility rule."""

    public: bool = True
    owner: str | None = None  # also the unpublished articles of this person (an author's own)
    sections: tuple[int, ...] | None = None  # only these sections (a partner's scope); None: all
    section_id: int | None = None
    category_id: int | None = None
    author_id: int | None = None
    published_after: datetime | None = None
    published_before: datetime | None = None
    status: str | None = None  # editors only: DRAFT, SCHEDULED, PUBLISHED, ARCHIVED or TRASHED
    nothing: bool = False  # a slug that names nothing: an empty result, not an error

    def cache_key(self) -> tuple[Any, ...]:
        return (
            self.public,
            self.owner,
            self.sections,
            self.section_id,
            self.category_id,
            self.author_id,
            self.published_after,
            self.published_before,
            self.status,
            self.nothing,
        )


def _time(name: str, value: datetime) -> Any:
    # Typed explicitly: a parameter typed from its Python value would skip the
    # UTC conversion that SQLite's naive storage relies on.
    return bindparam(name, value, type_=article.c.published_at.type)


def visible(now: datetime) -> ColumnElement[bool]:
    """What the public may see: published, and its time has come."""
    return and_(article.c.state == State.PUBLISHED.value, article.c.published_at <= _time("now", now))


_token = ApiToken.__table__  # type: ignore[attr-defined]


def owned_by(name: Any) -> ColumnElement[bool]:
    """Created by a token of this person (tokens are named after who uses them)."""
    clause: ColumnElement[bool] = article.c.created_by.in_(select(_token.c.id).where(_token.c.name == name))
    return clause


def readable(now: datetime, owner: str | None) -> ColumnElement[bool]:
    """What a caller sees who reads published content plus their own articles."""
    return or_(visible(now), owned_by(bindparam("owner", owner)))


# Clauses use named parameters, so that a statement built once for a filter's
# shape (which conditions it has) serves every filter of that shape: building
# and hashing SQLAlchemy statements costs more than running them on SQLite.
def where_clauses(flt: Filter, now: datetime) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if flt.nothing:
        clauses.append(false())
    if flt.public:
        clauses.append(visible(now))
    elif flt.owner is not None:
        clauses.append(readable(now, flt.owner))
    if flt.sections is not None:
        clauses.append(
            article.c.section_id.in_(bindparam("scope_sections", list(flt.sections), expanding=True))
        )
    if flt.status in ("PUBLISHED", "SCHEDULED"):
        clauses.append(article.c.state == State.PUBLISHED.value)
        due = article.c.published_at <= _time("now", now)
        clauses.append(due if flt.status == "PUBLISHED" else ~due)
    elif flt.status is not None:
        clauses.append(article.c.state == flt.status.lower())
    elif not flt.public:
        clauses.append(article.c.state != State.TRASHED.value)  # the trash is shown only when asked for
    if flt.section_id is not None:
        clauses.append(article.c.section_id == bindparam("section_id", flt.section_id))
    if flt.category_id is not None:
        clauses.append(article.c.category_id == bindparam("category_id", flt.category_id))
    if flt.author_id is not None:
        clauses.append(
            exists().where(
                article_author.c.article_id == article.c.id,
                article_author.c.author_id == bindparam("author_id", flt.author_id),
            )
        )
    if flt.published_after is not None:
        clauses.append(article.c.published_at >= _time("published_after", flt.published_after))
    if flt.published_before is not None:
        clauses.append(article.c.published_at < _time("published_before", flt.published_before))
    return clauses


def _params(flt: Filter, now: datetime) -> dict[str, Any]:
    values = {
        "now": now
        if flt.public or flt.owner is not None or flt.status in ("PUBLISHED", "SCHEDULED")
        else None,
        "owner": flt.owner if not flt.public else None,
        "scope_sections": list(flt.sections) if flt.sections is not None else None,
        "section_id": flt.section_id,
        "category_id": flt.category_id,
        "author_id": flt.author_id,
        "published_after": flt.published_after,
        "published_before": flt.published_before,
    }
    return {name: value for name, value in values.items() if value is not None}


def _shape(flt: Filter) -> tuple[Any, ...]:
    """Which conditions a filter has (the status changes the SQL itself, so it counts whole)."""
    return (*(value is not None and value is not False for value in flt.cache_key()), flt.status)


@lru_cache(maxsize=256)
def _count_statement(shape: tuple[Any, ...], flt: Filter, now: datetime) -> Select[Any]:
    return select(func.count()).select_from(article).where(*where_clauses(flt, now))


def count(conn: Connection, flt: Filter, *, now: datetime) -> int:
    stmt = _count_statement(_shape(flt), _representative(flt), _EPOCH)
    return int(driver.rows(conn, stmt, _params(flt, now))[0][0])


def _representative(flt: Filter) -> Filter:
    """A filter standing for every filter of its shape (its values are only defaults)."""
    return Filter(
        public=flt.public,
        owner="" if flt.owner is not None else None,
        sections=(0,) if flt.sections is not None else None,
        section_id=0 if flt.section_id is not None else None,
        category_id=0 if flt.category_id is not None else None,
        author_id=0 if flt.author_id is not None else None,
        published_after=_EPOCH if flt.published_after is not None else None,
        published_before=_EPOCH if flt.published_before is not None else None,
        status=flt.status,
        nothing=flt.nothing,
    )


def cursor_for(item: Any, order: Order) -> str:
    """The cursor of an article (a row or a view) in a list ordered by ``order``."""
    column, _ = _ORDER_KEYS[order]
    value = getattr(item, column)
    return encode_cursor(order.value, value.isoformat() if isinstance(value, datetime) else value, item.id)


def _decode(cursor: str, order: Order, argument: str) -> tuple[Any, int]:
    parts = decode_cursor(cursor, argument=argument)
    if (
        len(parts) != 3
        or parts[0] != order.value
        or not isinstance(parts[2], int)
        or not 0 < parts[2] < 2**63
    ):
        raise BadInput(f"`{argument}` is not a cursor of this list in order {order.value}", field=argument)
    column, _ = _ORDER_KEYS[order]
    value = parts[1]
    if column.endswith("_at"):
        value = cursor_datetime(value, argument=argument)
    elif not isinstance(value, str):
        raise BadInput(f"`{argument}` is not a valid cursor", field=argument)
    return value, parts[2]


def _keyset(
    order: Order, forward: bool, has_cursor: bool
) -> tuple[ColumnElement[bool] | None, list[ColumnElement[Any]]]:
    """The keyset condition after the cursor, and the ORDER BY for the page's direction."""
    column_name, descending = _ORDER_KEYS[order]
    column = article.c[column_name]
    down = descending != (not forward)  # moving "down" a descending list, or back up an ascending one
    condition = None
    if has_cursor:
        key = tuple_(column, article.c.id)
        bound = tuple_(bindparam("cursor_value", type_=column.type), bindparam("cursor_id", type_=Integer))
        condition = key < bound if down else key > bound
    if down:
        return condition, [column.desc(), article.c.id.desc()]
    return condition, [column.asc(), article.c.id.asc()]


def _cursor_params(order: Order, page: Page) -> dict[str, Any]:
    params: dict[str, Any] = {"page_limit": page.limit + 1}  # one extra row tells if there is more
    if page.cursor is not None:
        params["cursor_value"], params["cursor_id"] = _decode(
            page.cursor, order, "after" if page.forward else "before"
        )
    return params


@lru_cache(maxsize=512)
def _list_statement(
    shape: tuple[Any, ...],
    flt: Filter,
    now: datetime,
    order: Order,
    forward: bool,
    has_cursor: bool,
    body: bool,
) -> Select[Any]:
    condition, order_by = _keyset(order, forward, has_cursor)
    stmt = select(*(ARTICLE_COLUMNS if body else LIST_COLUMNS)).where(*where_clauses(flt, now))
    if not flt.public and _ORDER_KEYS[order][0] == "published_at":
        # Never-published drafts have no publication time to sort or page by; editors
        # find them in the UPDATED_AT and TITLE orders.
        stmt = stmt.where(article.c.published_at.is_not(None))
    if condition is not None:
        stmt = stmt.where(condition)
    return stmt.order_by(*order_by).limit(bindparam("page_limit", type_=Integer))


def list_page(
    conn: Connection, flt: Filter, *, order: Order, page: Page, now: datetime, with_body: bool
) -> tuple[list[Row[Any]], bool]:
    """One page of articles, in display order, and whether more lie beyond it."""
    stmt = _list_statement(
        _shape(flt), _representative(flt), _EPOCH, order, page.forward, page.cursor is not None, with_body
    )
    rows = driver.rows(conn, stmt, {**_params(flt, now), **_cursor_params(order, page)})
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    if not page.forward:
        rows.reverse()
    return rows, more


def get_one(
    conn: Connection,
    *,
    article_id: int | None = None,
    slug: str | None = None,
    public: bool,
    owner: str | None = None,
    now: datetime,
) -> Row[Any] | None:
    """One article by id or by slug; a slug it used to have finds it too. ``public`` callers see
    what is published and due; with ``owner``, also that person's own articles."""
    scope = "public" if public else ("owner" if owner is not None else "all")
    params: dict[str, Any] = {} if scope == "all" else {"now": now}
    if scope == "owner":
        params["owner"] = owner
    if article_id is not None:
        return driver.first(conn, _one_statement("id", scope), {**params, "key": article_id})
    if slug is None:
        return None
    # Two indexed lookups rather than one OR, which would scan the table.
    found = driver.first(conn, _one_statement("slug", scope), {**params, "key": slug})
    if found is None:
        found = driver.first(conn, _one_statement("former_slug", scope), {**params, "key": slug})
    return found


@lru_cache(maxsize=16)
def _one_statement(by: str, scope: str) -> Select[Any]:
    key: Any = bindparam("key")
    if by == "id":
        condition = article.c.id == key
    elif by == "slug":
        condition = article.c.slug == key
    else:
        condition = (
            article.c.id
            == select(article_slug.c.article_id).where(article_slug.c.slug == key).scalar_subquery()
        )
    stmt = select(*ARTICLE_COLUMNS).where(condition)
    if scope == "public":
        return stmt.where(visible(_EPOCH))
    if scope == "owner":
        return stmt.where(readable(_EPOCH, ""))
    return stmt


def authors_of(conn: Connection, article_ids: Iterable[int]) -> dict[int, list[Row[Any]]]:
    """Bylines for many articles in one statement, each in its given order."""
    ids = sorted(set(article_ids))
    result: dict[int, list[Row[Any]]] = defaultdict(list)
    if not ids:
        return result
    for row in driver.rows(conn, _BYLINES, {"ids": ids}):
        result[row.article_id].append(row)
    return result


def rows_by_ids(conn: Connection, ids: Sequence[int], *, with_body: bool) -> dict[int, Row[Any]]:
    """Articles already known to be readable (search applied visibility), by id."""
    if not ids:
        return {}
    stmt = _BY_IDS_WITH_BODY if with_body else _BY_IDS
    return {row.id: row for row in driver.rows(conn, stmt, {"ids": list(ids)})}


Parent = Literal["author", "section", "category"]


def _parent(kind: Parent) -> tuple[ColumnElement[Any], bool]:
    """The column naming an article's parent, and whether it needs the byline join."""
    if kind == "author":
        return article_author.c.author_id, True
    return (article.c.section_id if kind == "section" else article.c.category_id), False


def pages_by_parent(
    conn: Connection,
    kind: Parent,
    parent_ids: Sequence[int],
    *,
    order: Order,
    page: Page,
    now: datetime,
    public: bool,
    owner: str | None = None,
    sections: tuple[int, ...] | None = None,
    with_body: bool,
) -> dict[int, tuple[list[Row[Any]], bool]]:
    """The same page of articles for many parents in one statement (a window per parent)."""
    parent, joined = _parent(kind)
    condition, order_by = _keyset(order, page.forward, page.cursor is not None)
    position = func.row_number().over(partition_by=parent, order_by=order_by).label("position")
    columns = ARTICLE_COLUMNS if with_body else LIST_COLUMNS
    stmt = select(*columns, parent.label("parent_id"), position)
    if joined:
        stmt = stmt.join(article_author, article_author.c.article_id == article.c.id)
    flt = Filter(public=public, owner=owner, sections=sections)
    stmt = stmt.where(parent.in_(sorted(set(parent_ids))), *where_clauses(flt, now))
    if condition is not None:
        stmt = stmt.where(condition)
    inner = stmt.subquery()
    outer = (
        select(inner).where(inner.c.position <= page.limit + 1).order_by(inner.c.parent_id, inner.c.position)
    )
    grouped: dict[int, list[Row[Any]]] = defaultdict(list)
    params = _cursor_params(order, page) if page.cursor is not None else {}
    for row in conn.execute(outer, params):
        grouped[row.parent_id].append(row)
    result: dict[int, tuple[list[Row[Any]], bool]] = {}
    for parent_id in parent_ids:
        rows = grouped.get(parent_id, [])
        more = len(rows) > page.limit
        rows = rows[: page.limit]
        if not page.forward:
            rows.reverse()
        result[parent_id] = (rows, more)
    return result


def counts_by_parent(
    conn: Connection,
    kind: Parent,
    parent_ids: Sequence[int],
    *,
    now: datetime,
    public: bool,
    owner: str | None = None,
    sections: tuple[int, ...] | None = None,
) -> dict[int, int]:
    parent, joined = _parent(kind)
    stmt = select(parent, func.count()).select_from(article)
    if joined:
        stmt = stmt.join(article_author, article_author.c.article_id == article.c.id)
    flt = Filter(public=public, owner=owner, sections=sections)
    stmt = stmt.where(parent.in_(sorted(set(parent_ids))), *where_clauses(flt, now))
    found: dict[int, int] = {pid: n for pid, n in conn.execute(stmt.group_by(parent), _params(flt, now))}
    return {pid: int(found.get(pid, 0)) for pid in parent_ids}
