"""Engine and sessions for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import select
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
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
    begin = conn.get_execution_options().get("sqlite_begin", "BEGIN")
    if begin == "BEGIN":
        _on_driver(conn, begin)  # every read starts so: not worth SQLAlchemy's execution path (cms.driver)
    else:
        conn.exec_driver_sql(begin)


def _on_driver(conn: Connection, statement: str) -> Any:
    """Run a fixed SQLite statement on the DB-API connection, announced to statement listeners
    (the per-request count) and failing with SQLAlchemy's exceptions, as ``conn.execute`` would."""
    dispatch = conn.dispatch.before_cursor_execute
    if dispatch:
        dispatch(conn, None, statement, (), None, False)
    try:
        return conn.connection.driver_connection.execute(statement).fetchone()  # type: ignore[union-attr]
    except sqlite3.Error as exc:
        raise DBAPIError.instance(statement, (), exc, sqlite3.Error) from exc


def _idle_socket_is_quiet(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """At checkout, without a round trip: an idle PostgreSQL connection the server has closed
    (restart, failover, pg_terminate_backend, idle timeout) has something to read — its FATAL
    notice and the end of the stream. The pool then drops it and checks out another.

    This replaces ``pool_pre_ping``, which costs a round trip per checkout (one of seven in a front
    page). A connection that dies silently (a dropped network path) is caught by ``pool_recycle``
    or by the one retry of a read's first statement (cms.services.routing)."""
    pgconn = dbapi_connection.pgconn
    try:
        if pgconn.status != 0:  # libpq CONNECTION_OK
            raise DisconnectionError("the connection is not open")
        poller = select.poll()
        poller.register(pgconn.socket, select.POLLIN | select.POLLERR | select.POLLHUP)
        # Nothing is asked of an idle connection (we never LISTEN), so anything waiting is a goodbye.
        if poller.poll(0):
            raise DisconnectionError("the server closed this idle connection")
    except DisconnectionError:
        raise
    except Exception as exc:  # pgconn.socket raises once libpq has closed it
        raise DisconnectionError(str(exc)) from exc


def create_db_engine(
    url: str,
    *,
    echo: bool = False,
    statement_timeout: float | None = None,
    connect_timeout: float | None = None,
) -> Engine:
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
    connect_args: dict[str, Any] = {"options": options}
    if connect_timeout is not None:
        connect_args["connect_timeout"] = max(1, round(connect_timeout))
    # The check without a round trip reads psycopg 3's libpq handle; other drivers keep the ping.
    psycopg3 = make_url(url).get_driver_name() == "psycopg"
    engine = create_engine(
        url,
        echo=echo,
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=not psycopg3,
        # Connections older than this are replaced at checkout: no proxy or firewall idle limit
        # (typically 10 minutes or more) silently cuts a pooled connection.
        pool_recycle=POOL_RECYCLE,
        connect_args=connect_args,
    )
    if psycopg3:
        event.listen(engine, "checkout", _idle_socket_is_quiet)
        event.listen(engine, "connect", _autocommit_postgres)
        event.listen(engine, "begin", _begin_postgres)
    return engine


#: Execution option of read connections on PostgreSQL: no transaction is opened for them.
READ_ONLY = "cms_read_only"


def _autocommit_postgres(dbapi_connection: Any, _record: Any) -> None:
    # psycopg opens a transaction before the first statement unless in autocommit; we open it
    # ourselves, for writers only (as on SQLite). Reads then cost no BEGIN and no ROLLBACK, and
    # psycopg's commit() and rollback() still end a transaction we began (they look at the server's
    # transaction status, not at this flag).
    dbapi_connection.autocommit = True


def _begin_postgres(conn: Any) -> None:
    # At READ COMMITTED, PostgreSQL's default, every statement takes its own snapshot inside a
    # transaction too: a read loses nothing by running without one.
    if not conn.get_execution_options().get(READ_ONLY):
        conn.exec_driver_sql("BEGIN")


#: Seconds a pooled PostgreSQL connection is kept before it is replaced.
POOL_RECYCLE = 300


class Database:
    """The primary (every write, and reads that must see the newest state) and, optionally, a
    read replica for public reads. Which read goes where is cms.services.routing's decision."""

    def __init__(
        self,
        url: str,
        *,
        replica_url: str | None = None,
        echo: bool = False,
        statement_timeout: float | None = None,
    ) -> None:
        self.engine = create_db_engine(url, echo=echo, statement_timeout=statement_timeout)
        self.is_sqlite = is_sqlite(self.engine)
        self._writer = sessionmaker(
            self.engine.execution_options(sqlite_begin="BEGIN IMMEDIATE"), expire_on_commit=False
        )
        self._reads = self._reading(self.engine)
        self.replica: Engine | None = None
        self._replica_reads: Engine | None = None
        if replica_url is not None:
            # A replica that does not answer must not hold requests up for long: reads fall back.
            self.replica = create_db_engine(
                replica_url, echo=echo, statement_timeout=statement_timeout, connect_timeout=2
            )
            self._replica_reads = self._reading(self.replica)

    @staticmethod
    def _reading(engine: Engine) -> Engine:
        if is_sqlite(engine):
            # SQLite's BEGIN is in process and free, and it is what holds one WAL snapshot for the
            # whole request.
            return engine
        # PostgreSQL reads open no transaction: no BEGIN before the first statement and no ROLLBACK
        # at the end (two round trips of a front page's seven); see _begin_postgres. Same pool and
        # events as the engine. (Not isolation_level="AUTOCOMMIT": SQLAlchemy then switches each
        # connection's mode at checkout and back at checkin, and a connection left to the garbage
        # collector was not always returned.)
        return engine.execution_options(**{READ_ONLY: True})

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        return cls(settings.database_url, replica_url=settings.database_replica_url)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose work commits together or not at all."""
        with self._writer() as session, session.begin():
            yield session

    def connect(self) -> Connection:
        """A read connection to the primary; its first statement opens a snapshot that lasts until
        it closes on SQLite (on PostgreSQL each statement reads committed data, as before)."""
        return self._reads.connect()

    def connect_replica(self) -> Connection:
        """A read connection to the replica (CMS_DATABASE_REPLICA_URL); only when there is one."""
        if self._replica_reads is None:
            raise LookupError("no replica is configured (CMS_DATABASE_REPLICA_URL)")
        return self._replica_reads.connect()

    def analyze(self) -> None:
        """Refresh the planner's statistics; after a bulk load its guesses are wrong
        (PostgreSQL then picks plans up to 100x slower)."""
        with self.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()

    def in_use(self) -> int:
        """How many connections are checked out of the pools right now (0 once everything is closed)."""
        return sum(
            engine.pool.checkedout()
            for engine in (self.engine, self.replica)
            if engine is not None and isinstance(engine.pool, QueuePool)  # create_db_engine's pools are
        )

    def dispose(self) -> None:
        """Close the pooled connections. One still checked out (by a thread that outlived a shutdown,
        or dropped unclosed and returned only by the garbage collector) is closed when it comes back:
        SQLAlchemy would put it in the retired pool, where it stayed open until that pool was
        collected (psycopg's ResourceWarning "deleted while still open", at some random later time)."""
        for engine in (self.engine, self.replica):
            if engine is None:
                continue
            # Before dispose(), which swaps the pool: nothing can come back to it unseen.
            event.listen(engine.pool, "checkin", _close_on_return)
            engine.dispose()


def _close_on_return(_dbapi_connection: Any, record: Any) -> None:
    # The record goes back to a pool nobody checks out from again: close its connection now.
    record.invalidate()
