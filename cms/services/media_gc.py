"""Media nothing refers to: found by `cms media gc`, removed with --apply.

What counts as referred to, and so is never removed:
- an original whose key or hash an image row has, or whose renditions a body links to;
- a rendition of such an original (by hash: renditions/ab/cd/<sha256>/...);
- with --unused-images, an image row is used when an article's lead image, an author's
  photo, a revision's lead image, or any body (current or in a revision) names it.
  Revisions count because reverting to one brings its lead image back.

Uploads write the file before their row commits, so a file younger than the grace period
is kept even when no row names it yet; so is an image row younger than it (an editor who
just uploaded an image has not used it yet). --apply looks again before it deletes: rows
first, in one transaction, then the files still unreferenced after that, so a crash in
between leaves files for the next run, never rows whose files are gone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select
from sqlalchemy.orm import Session

from cms.db import Database
from cms.media.storage import Entry, Storage, rendition_source
from cms.models import Article, Author, Image, Revision
from cms.services import changes

_image = Image.__table__  # type: ignore[attr-defined]
_article = Article.__table__  # type: ignore[attr-defined]
_author = Author.__table__  # type: ignore[attr-defined]
_revision = Revision.__table__  # type: ignore[attr-defined]
# A rendition URL in a body: /media/r/<signature>/<source>/<name>.
_BODY_SOURCE = re.compile(r"/media/r/[A-Za-z0-9_-]+/([0-9a-f]{64}|i\d{1,12})/")
_ORIGINAL_SHA = re.compile(r"^originals/../../([0-9a-f]{64})\.")


@dataclass
class Garbage:
    originals: list[Entry] = field(default_factory=list)
    renditions: list[Entry] = field(default_factory=list)
    images: list[int] = field(default_factory=list)  # image rows to delete (--unused-images)
    image_hashes: set[str] = field(default_factory=set)  # their originals, unless another row shares one
    young: list[Entry] = field(default_factory=list)  # unreferenced, but within the grace period

    @property
    def files(self) -> list[Entry]:
        return self.originals + self.renditions

    @property
    def bytes(self) -> int:
        return sum(entry.size for entry in self.files)


@dataclass(frozen=True)
class _Uses:
    image_ids: set[int]  # rows something uses
    body_hashes: set[str]  # originals bodies link to, whatever rows say


def _bodies(conn: Connection) -> Iterator[str]:
    for (body,) in conn.execute(select(_article.c.body_html)).yield_per(500):
        yield body or ""
    for (snapshot,) in conn.execute(select(_revision.c.snapshot)).yield_per(500):
        yield str((snapshot or {}).get("body_html") or "")


def _uses(conn: Connection) -> _Uses:
    ids: set[int] = set()
    hashes: set[str] = set()
    for body in _bodies(conn):
        for source in _BODY_SOURCE.findall(body):
            if source.startswith("i"):
                ids.add(int(source[1:]))
            else:
                hashes.add(source)
    for column in (_article.c.lead_image_id, _author.c.photo_id):
        ids.update(conn.execute(select(column).where(column.is_not(None)).distinct()).scalars())
    for (snapshot,) in conn.execute(select(_revision.c.snapshot)).yield_per(500):
        if isinstance(lead := (snapshot or {}).get("lead_image_id"), int):
            ids.add(lead)
    if hashes:
        by_hash = select(_image.c.id).where(_image.c.sha256.in_(sorted(hashes)))
        ids.update(conn.execute(by_hash).scalars())
    return _Uses(ids, hashes)


def find(
    conn: Connection,
    storage: Storage,
    *,
    now: datetime,
    grace: timedelta,
    unused_images: bool = False,
    doomed: Iterable[str] = (),
) -> Garbage:
    """What would be removed now. ``doomed``: hashes of rows just removed, whose files go at any age."""
    uses = _uses(conn)
    rows = conn.execute(select(_image.c.id, _image.c.sha256, _image.c.storage_key, _image.c.created_at)).all()
    garbage = Garbage()
    if unused_images:
        cutoff = now - grace
        garbage.images = sorted(r.id for r in rows if r.id not in uses.image_ids and r.created_at < cutoff)
    leaving = set(garbage.images)
    kept = [r for r in rows if r.id not in leaving]
    hashes = {r.sha256 for r in kept if r.sha256} | uses.body_hashes
    keys = {r.storage_key for r in kept if r.storage_key}
    garbage.image_hashes = {r.sha256 for r in rows if r.id in leaving and r.sha256} - hashes
    expendable = garbage.image_hashes | set(doomed)
    young_after = now - grace

    def place(entry: Entry, source: str | None, into: list[Entry]) -> None:
        if source in expendable:
            into.append(entry)
        elif entry.modified > young_after:
            garbage.young.append(entry)
        else:
            into.append(entry)

    for entry in storage.entries("originals/"):
        match = _ORIGINAL_SHA.match(entry.key)
        source = match.group(1) if match else None
        if entry.key not in keys and source not in hashes:
            place(entry, source, garbage.originals)
    for entry in storage.entries("renditions/"):
        source = rendition_source(entry.key)
        if source not in hashes:
            place(entry, source, garbage.renditions)
    return garbage


def remove(db: Database, storage: Storage, found: Garbage, *, now: datetime, grace: timedelta) -> Garbage:
    """Remove what ``found`` lists and is still unreferenced on a second look; returns what went."""
    removed = Garbage()
    if found.images:
        with db.write() as session:
            removed.images = _delete_rows(session, found.images)
    with db.connect() as conn:
        again = find(conn, storage, now=now, grace=grace, doomed=found.image_hashes)
    listed = {entry.key for entry in found.files}
    removed.originals = [entry for entry in again.originals if entry.key in listed]
    removed.renditions = [entry for entry in again.renditions if entry.key in listed]
    removed.young = again.young
    # Renditions first: an original without renditions is a state the app handles (it renders again).
    storage.delete_many(entry.key for entry in removed.renditions)
    storage.delete_many(entry.key for entry in removed.originals)
    return removed


def _delete_rows(session: Session, ids: list[int]) -> list[int]:
    # Look again inside the writing transaction: an editor may have used one since.
    still_unused = sorted(set(ids) - _uses(session.connection()).image_ids)
    for start in range(0, len(still_unused), 500):
        batch = still_unused[start : start + 500]
        session.execute(delete(_image).where(_image.c.id.in_(batch)))
    changes.record(session, entity="image", ids=still_unused, kind="delete")
    return still_unused
