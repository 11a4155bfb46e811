"""Reading authors: alphabetical keyset pages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, func, literal, or_, select, tuple_

from cms.errors import BadInput
from cms.models import Author
from cms.services.pagination import Page, contains_pattern, decode_cursor, encode_cursor

author = Author.__table__  # type: ignore[attr-defined]
_ORDER = "NAME_ASC"


def cursor_for(row: Any) -> str:
    return encode_cursor(_ORDER, row.name, row.id)


def matching(search: str | None) -> list[ColumnElement[bool]]:
    """Authors whose name, slug or affiliation contains ``search`` (any case): the byline picker."""
    if not search or not search.strip():
        return []
    pattern = contains_pattern(search)
    return [
        or_(
            func.lower(author.c.name).like(pattern, escape="\\"),
            author.c.slug.like(pattern, escape="\\"),
            func.lower(author.c.affiliation).like(pattern, escape="\\"),
        )
    ]


def list_page(conn: Connection, *, page: Page, search: str | None = None) -> tuple[list[Row[Any]], bool]:
    stmt = select(author).where(*matching(search))
    key = tuple_(author.c.name, author.c.id)
    if page.cursor is not None:
        argument = "after" if page.forward else "before"
        parts = decode_cursor(page.cursor, argument=argument)
        if (
            len(parts) != 3
            or parts[0] != _ORDER
            or not isinstance(parts[1], str)
            or not isinstance(parts[2], int)
            or not 0 < parts[2] < 2**63
        ):
            raise BadInput(f"`{argument}` is not a cursor of the authors list", field=argument)
        bound = tuple_(literal(parts[1]), literal(parts[2]))
        stmt = stmt.where(key > bound if page.forward else key < bound)
    if page.forward:
        stmt = stmt.order_by(author.c.name.asc(), author.c.id.asc())
    else:
        stmt = stmt.order_by(author.c.name.desc(), author.c.id.desc())
    rows = list(conn.execute(stmt.limit(page.limit + 1)))
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    if not page.forward:
        rows.reverse()
    return rows, more


def count(conn: Connection, *, search: str | None = None) -> int:
    stmt = select(func.count()).select_from(author).where(*matching(search))
    return int(conn.execute(stmt).scalar_one())


def get(conn: Connection, *, slug: str | None = None, author_id: int | None = None) -> Row[Any] | None:
    stmt = select(author).where(author.c.slug == slug if slug is not None else author.c.id == author_id)
    return conn.execute(stmt).first()
