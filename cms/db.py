"""Engine and sessions for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from cms.settings import Settings


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    return url.get_backend_name() == "sqlite"


def _configure_sqlite(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Python's sqlite3 opens transactions lazily and lets SQLAlchemy's BEGIN through
    # unchanged only with isolation_level=None; we issue BEGIN ourselves (see below)
    # so that writers take the lock up front instead of failing half-way on upgrade.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers run while one writer writes; busy_timeout makes a second
    # writer wait for the lock instead of failing with "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.execute("PRAGMA mmap_size=268435456")
    cursor.close()


def _begin_sqlite(conn: Any) -> None:
    # Writers ask for BEGIN IMMEDIATE: a deferred transaction that later tries to
    # write after another writer committed gets SQLITE_BUSY at once, whatever the
    # busy timeout, so the lock must be taken before the first read.
    conn.exec_driver_sql(conn.get_execution_options().get("sqlite_begin", "BEGIN"))


def create_db_engine(url: str, *, echo: bool = False) -> Engine:
    if is_sqlite(url):
        engine = create_engine(
            url,
            echo=echo,
            poolclass=QueuePool,
            pool_size=8,
            max_overflow=8,
            connect_args={"check_same_thread": False, "timeout": 15},
        )
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        return engine
    # Sessions in UTC, so date parts (search facets by year) are UTC years.
    return create_engine(
        url,
        echo=echo,
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=True,
        connect_args={"options": "-c timezone=UTC"},
    )


class Database:
    """One engine, with separate doors for reading and for writing."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.engine = create_db_engine(url, echo=echo)
        self.is_sqlite = is_sqlite(self.engine)
        self._writer = sessionmaker(
            self.engine.execution_options(sqlite_begin="BEGIN IMMEDIATE"), expire_on_commit=False
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        return cls(settings.database_url)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose work commits together or not at all."""
        with self._writer() as session, session.begin():
            yield session

    def connect(self) -> Connection:
        """A read connection; its first statement opens a snapshot that lasts until it closes."""
        return self.engine.connect()

    def analyze(self) -> None:
        """Refresh the planner's statistics; after a bulk load its guesses are wrong
        (PostgreSQL then picks plans up to 100x slower)."""
        with self.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()

    def dispose(self) -> None:
        self.engine.dispose()
