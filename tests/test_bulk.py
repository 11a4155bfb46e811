"""Bulk inserts (cms/bulk.py): COPY on PostgreSQL must store what ``insert()`` would have stored."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select

from cms import bulk
from cms.db import Database
from cms.models import Change

_change = Change.__table__  # type: ignore[attr-defined]


def _rows(first: int, count: int, **extra: object) -> list[dict[str, object]]:
    return [
        {"entity": "article", "entity_id": n, "kind": "create", **extra} for n in range(first, first + count)
    ]


def test_many_rows_are_stored_as_insert_would_store_them(db: Database) -> None:
    count = bulk.COPY_FROM + 5
    with db.write() as session:
        conn = session.connection()
        conn.execute(insert(_change), _rows(1000, count))
        bulk.insert_rows(conn, _change, _rows(2000, count))
    with db.connect() as conn:
        stored = conn.execute(
            select(_change.c.seq, _change.c.entity_id, _change.c.kind, _change.c.public, _change.c.at)
            .where(_change.c.entity_id >= 1000)
            .order_by(_change.c.seq)
        ).all()
    assert [r.entity_id for r in stored] == [*range(1000, 1000 + count), *range(2000, 2000 + count)]
    assert len({r.seq for r in stored}) == 2 * count  # numbered by the server, in order
    assert {(r.kind, r.public) for r in stored} == {("create", True)}  # the Python-side default
    assert all(r.at.tzinfo is not None and abs(r.at - datetime.now(UTC)).total_seconds() < 60 for r in stored)


def test_given_times_keep_their_instant(db: Database) -> None:
    at = datetime(2021, 3, 17, 9, 30, tzinfo=UTC)
    with db.write() as session:
        bulk.insert_rows(session.connection(), _change, _rows(3000, bulk.COPY_FROM, at=at, public=False))
    with db.connect() as conn:
        stored = conn.execute(select(_change.c.at, _change.c.public).where(_change.c.entity_id >= 3000)).all()
    assert {(r.at, r.public) for r in stored} == {(at, False)}


def test_a_time_without_a_zone_is_refused_and_nothing_is_written(db: Database) -> None:
    naive = datetime(2021, 3, 17, 9, 30)
    rows = _rows(4000, bulk.COPY_FROM, at=naive)
    with pytest.raises(Exception, match="naive datetime"), db.write() as session:
        bulk.insert_rows(session.connection(), _change, rows)
    with db.connect() as conn:
        assert conn.execute(select(_change.c.seq).where(_change.c.entity_id >= 4000)).first() is None
