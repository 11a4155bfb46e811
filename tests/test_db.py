"""The two doors of cms.db: writes commit together or not at all; PostgreSQL reads open no
transaction (no BEGIN or ROLLBACK round trips)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select, text

from cms.db import Database
from cms.models import Section

_section = Section.__table__  # type: ignore[attr-defined]


def _sections(db: Database) -> int:
    with db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(_section)).scalar_one())


def test_a_write_that_fails_half_way_leaves_nothing_behind(db: Database) -> None:
    before = _sections(db)

    def half_a_write() -> None:
        with db.write() as session:
            session.execute(insert(_section).values(name="Half", slug="half", description=""))
            raise RuntimeError("fails after the insert")

    with pytest.raises(RuntimeError):
        half_a_write()
    assert _sections(db) == before
    with db.write() as session:
        session.execute(insert(_section).values(name="Whole", slug="whole", description=""))
    assert _sections(db) == before + 1


def test_postgresql_reads_run_outside_a_transaction_and_writes_inside_one(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite's BEGIN is in process and holds the read snapshot")
    with db.connect() as conn:
        conn.execute(text("SELECT 1"))
        raw = conn.connection.dbapi_connection
        assert raw is not None
        assert raw.info.transaction_status.name == "IDLE"  # type: ignore[attr-defined]
    with db.write() as session:
        session.execute(text("SELECT 1"))
        in_write = session.connection().connection.dbapi_connection
        assert in_write is not None
        assert in_write.info.transaction_status.name == "INTRANS"  # type: ignore[attr-defined]
