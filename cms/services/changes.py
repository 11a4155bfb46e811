"""The change log: every write to content appends here, in the writer's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from cms import bulk, driver
from cms.models import Change, utcnow

Entity = Literal["article", "author", "category", "section", "image"]
Kind = Literal["create", "update", "delete"]
_change = Change.__table__  # type: ignore[attr-defined]
_NEWEST = select(func.coalesce(func.max(_change.c.seq), 0))


# Any constant: the key of the transaction-scoped lock that orders content writes.
_WRITE_LOCK = 0x636D73


def lock(session: Session | Connection) -> None:
    """Take the lock every content writer holds from its first change to its commit."""
    bind = session.get_bind() if isinstance(session, Session) else session
    if bind.dialect.name == "postgresql":
        # PostgreSQL hands out sequence numbers at insert, not at commit: a writer
        # holding 5 could commit after one holding 6, and a reader who saw 6 would
        # never learn of 5. Holding this lock from numbering to commit makes commit
        # order equal sequence order, so "the newest sequence" covers everything
        # below it. (SQLite already serialises writers: BEGIN IMMEDIATE.)
        session.execute(select(func.pg_advisory_xact_lock(_WRITE_LOCK)))


def record(
    session: Session | Connection,
    *,
    entity: Entity,
    ids: Iterable[int],
    kind: Kind,
    public: bool = True,
) -> None:
    at = utcnow()
    rows = [
        {"entity": entity, "entity_id": entity_id, "kind": kind, "at": at, "public": public}
        for entity_id in ids
    ]
    if not rows:
        return
    lock(session)
    bulk.insert_rows(session.connection() if isinstance(session, Session) else session, _change, rows)


def current_seq(conn: Connection) -> int:
    """The newest sequence number; anything cached against an older one is stale."""
    # Read first by every request, on the driver: a connection the server dropped while it was
    # pooled fails here as after conn.execute, invalidated (the retry in cms.services.routing).
    return int(driver.rows(conn, _NEWEST, {})[0][0])


_NEWEST_PUBLIC = select(_change.c.seq, _change.c.at).where(_change.c.public).order_by(_change.c.seq.desc())


def newest_public(conn: Connection) -> tuple[int, datetime | None]:
    """The newest change the public could see, and when it was made: what public documents
    (feeds, sitemaps, JSON-LD) are versioned by. Saves of drafts do not move it."""
    row = conn.execute(_NEWEST_PUBLIC.limit(1)).first()
    return (int(row.seq), row.at) if row is not None else (0, None)
