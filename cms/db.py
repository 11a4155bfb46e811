"""Engine and sessions for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from cms.settings import Settings


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    return url.get_backend_name() == "sqlite"


#: When the request this thread serves must end (time.monotonic()), if it has a deadline.
#: SQLite checks it while a statement runs, so no statement outlives its request.
statement_deadline: ContextVar[float | None] = ContextVar("statement_deadline", default=None)
# SQLite calls the handler every this many virtual-machine instructions (~a millisecond).
_PROGRESS_STEPS = 20_000


def _past_deadline() -> int:
    deadline = statement_deadline.get()
    return 1 if deadline is not None and time.monotonic() > deadline else 0  # non-zero interrupts


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
    dbapi_connection.set_progress_handler(_past_deadline, _PROGRESS_STEPS)


def _begin_sqlite(conn: Any) -> None:
    # Writers ask for BEGIN IMMEDIATE: a deferred transaction that later tries to
    # write after another writer committed gets SQLITE_BUSY at once, whatever the
    # busy timeout, so the lock must be taken before the first read.
    conn.exec_driver_sql(conn.get_execution_options().get("sqlite_begin", "BEGIN"))


def create_db_engine(url: str, *, echo: bool = False, statement_timeout: float | None = None) -> Engine:
    """``statement_timeout`` (seconds) caps every PostgreSQL statement; SQLite uses
    ``statement_deadline`` instead, which follows each request's own deadline."""
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
    options = "-c timezone=UTC"
    if statement_timeout is not None:
        options += f" -c statement_timeout={max(1, round(statement_timeout * 1000))}"
    return create_engine(
        url,
        echo=echo,
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=True,
        connect_args={"options": options},
    )


class Database:
    """One engine, with separate doors for reading and for writing."""

    def __init__(self, url: str, *, echo: bool = False, statement_timeout: float | None = None) -> None:
        self.engine = create_db_engine(url, echo=echo, statement_timeout=statement_timeout)
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
