"""The clock is a writer: before a request reads, articles whose scheduled time has come are
announced in the change log (once), so every cache, feed ETag, sync token and webhook keyed
off the change sequence sees them go live, with no job to run."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from cms.db import Database
from cms.services import workflow
from cms.services.routing import Router, Source, first_read
from cms.services.snapshot import ContentSnapshot


def open_reading(
    db: Database,
    snapshot: ContentSnapshot,
    now: datetime,
    *,
    router: Router | None = None,
    public: bool = False,
) -> tuple[Connection, int, Source]:
    """A read connection, the change sequence it sees and where it reads, after catching up
    with the clock. ``public`` reads may go to the replica (cms.services.routing)."""
    if router is None:
        conn, seq = first_read(db.connect)
        source: Source = "primary"
    else:
        conn, seq, source = router.open(public=public)
    try:
        due = snapshot.next_announcement(conn, seq)
    except BaseException:
        conn.close()  # the caller never gets it to close
        raise
    if due is None or due > now:
        return conn, seq, source
    conn.close()
    with db.write() as session:
        workflow.announce_due(session, now=now)
    # The announcement is on the primary only, so far: read it there.
    conn, seq = first_read(db.connect)
    return conn, seq, "primary"
