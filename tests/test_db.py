"""The two doors of cms.db: writes commit together or not at all; PostgreSQL reads open no
transaction (no BEGIN or ROLLBACK round trips)."""

from __future__ import annotations

import asyncio
import gc
import sqlite3
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, insert, select, text
from starlette.testclient import TestClient

from cms.app import create_app
from cms.db import Database
from cms.models import Section
from cms.settings import Settings
from cms.worker import Worker

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


def test_a_connection_still_in_use_when_the_database_is_disposed_is_closed_when_it_comes_back(
    settings: Settings,
) -> None:
    db = Database.from_settings(settings)
    held = db.connect()
    held.execute(text("SELECT 1"))
    driver = held.connection.dbapi_connection
    assert db.in_use() == 1
    db.dispose()  # a shutdown while a thread still reads
    assert db.in_use() == 0
    held.close()
    # Not left open in the retired pool until the garbage collector finds it (a ResourceWarning then).
    assert _closed(driver)


def test_a_connection_dropped_unclosed_is_closed_once_collected_after_a_dispose(settings: Settings) -> None:
    db = Database.from_settings(settings)
    gc.disable()  # a collection before dispose() would return it to the live pool: the lucky case
    try:
        conn = db.connect()
        conn.execute(text("SELECT 1"))
        driver = conn.connection.dbapi_connection
        del conn  # SQLAlchemy's Connection sits in reference cycles: only the collector returns it
        assert db.in_use() == 1
        db.dispose()
    finally:
        gc.enable()
    gc.collect()
    assert _closed(driver)


def _closed(driver: Any) -> bool:
    if isinstance(driver, sqlite3.Connection):
        try:
            driver.execute("SELECT 1")
        except sqlite3.ProgrammingError:
            return True
        return False
    return bool(driver.closed)


def test_an_app_closes_its_database_even_when_its_worker_fails_at_shutdown(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def fails_when_stopped(self: Worker, stop: asyncio.Event) -> None:
        await stop.wait()
        raise RuntimeError("the worker failed on its way out")

    monkeypatch.setattr(Worker, "run", fails_when_stopped)
    app = create_app(replace(settings, worker=True))
    db: Database = app.state.cms.db
    disposed: list[bool] = []
    real = db.dispose
    monkeypatch.setattr(db, "dispose", lambda: (disposed.append(True), real())[1])
    with pytest.raises(RuntimeError, match="on its way out"), TestClient(app) as http:
        assert http.get("/healthz").status_code == 200
    assert disposed == [True]
