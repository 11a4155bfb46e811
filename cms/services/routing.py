"""Which database answers a read: the primary, or the read replica (CMS_DATABASE_REPLICA_URL).

A replica is only ever used when it is provably current. Every write appends to the change log
on the primary, so the newest sequence number there names the newest state; a public read
compares it with the replica's newest (one indexed ``max`` on each, issued in that order) and
reads the replica only if the replica has reached it. That one rule gives:

- no answer, and so no cache entry, is made from a replica behind the latest change sequence;
- read-after-write across requests and nodes, with nothing to carry between them: a caller's
  write committed before its next request began, so the primary's sequence already covers it,
  and a replica that has not replayed it is not used;
- within a request, everything after a write reads the primary (``Context.after_write``).

Staff callers (tokens of authors, editors, admins) always read the primary, as does ``changes``
(a mirror's position must never move backwards). A replica that cannot be reached is left
alone for a few seconds and reads go to the primary meanwhile.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Literal

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from cms.db import Database
from cms.services import changes

log = logging.getLogger("cms.routing")

Source = Literal["primary", "replica"]
#: Seconds the replica is left alone after it failed to answer.
REPLICA_BACKOFF = 5.0


def first_read(connect: Callable[[], Connection]) -> tuple[Connection, int]:
    """A connection and the newest change sequence it sees.

    Pooled connections are not pinged before use (cms.db). If the server dropped this one
    without our noticing, the first statement fails as a disconnect; SQLAlchemy then discards
    it (and every connection pooled before it) and the read is tried once more on a new one.
    """
    for attempt in (1, 2):
        conn = connect()
        try:
            return conn, changes.current_seq(conn)
        except BaseException as exc:
            conn.close()  # whatever the failure: the caller never sees this connection
            if attempt == 2 or not (isinstance(exc, DBAPIError) and exc.connection_invalidated):
                raise
    raise AssertionError("unreachable")  # pragma: no cover


class Router:
    """Per app: remembers when the replica last failed, so a dead one costs one try per backoff."""

    def __init__(self, db: Database, *, backoff: float = REPLICA_BACKOFF) -> None:
        self.db = db
        self.backoff = backoff
        self._lock = threading.Lock()
        self._resting_until = 0.0

    @property
    def has_replica(self) -> bool:
        return self.db.replica is not None

    def open(self, *, public: bool) -> tuple[Connection, int, Source]:
        """A read connection, its change sequence, and which database it is on."""
        primary, latest = first_read(self.db.connect)
        if not public or not self.has_replica or time.monotonic() < self._resting_until:
            return primary, latest, "primary"
        try:
            replica, seen = first_read(self.db.connect_replica)
        except SQLAlchemyError as exc:
            with self._lock:
                self._resting_until = time.monotonic() + self.backoff
            log.warning(
                "the read replica did not answer (%s); reading the primary for %g s", exc, self.backoff
            )
            return primary, latest, "primary"
        except BaseException:
            primary.close()
            raise
        if seen < latest:
            replica.close()  # behind the newest change: its answer could be stale
            return primary, latest, "primary"
        primary.close()
        return replica, seen, "replica"
