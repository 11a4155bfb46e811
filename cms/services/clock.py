"""The clock is a writer: before a request reads, articles whose scheduled time has come are
announced in the change log (once), so every cache, feed ETag, sync token and webhook keyed
off the change sequence sees them go live, with no job to run."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from cms.db import Database
from cms.services import changes, workflow
from cms.services.snapshot import ContentSnapshot


def open_reading(db: Database, snapshot: ContentSnapshot, now: datetime) -> tuple[Connection, int]:
    """A read connection and the change sequence it sees, after catching up with the clock."""
    conn = db.connect()
    seq = changes.current_seq(conn)
    due = snapshot.next_announcement(conn, seq)
    if due is None or due > now:
        return conn, seq
    conn.close()
    with db.write() as session:
        workflow.announce_due(session, now=now)
    conn = db.connect()
    return conn, changes.current_seq(conn)
