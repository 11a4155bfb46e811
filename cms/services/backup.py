"""`cms export`: a full backup that `cms restore` (and `cms import`) load into an empty database.

A backup is a folder: ``manifest.json``, one JSON Lines file per table (every column, rows in
primary-key order, so the same content always gives the same bytes) and ``media/`` with the
original of every stored image under its storage key. Renditions are left out: they are made
again from the originals on first request.

What is in it, and what is not (the README's "Backup and restore" says why):
- content and its history: sections, categories, images, authors, articles with every state
  column, bylines, former slugs, image usage, revisions, the change log (partners' sync tokens
  and feed ETags keep working) and the audit log;
- partners, their sections, API tokens (their SHA-256 hashes: tokens keep working, and no token
  can be read back from a backup) and webhooks with their signing secrets (receivers keep
  verifying), so a backup folder is as secret as the database itself;
- registered (trusted) GraphQL documents, and the mailing lists with their subscribers, consent
  records, suppressions and the record of what was mailed to whom (so a restore mails nothing twice);
- not the outbox or delivery attempts (messages waiting to be sent are transient), nor the CDN
  purger's position (a restored site starts purging from the present).

A table joins the backup by adding one ``Part`` to ``PARTS``, in an order where every table
comes after the tables it refers to.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Connection, Table, select

from cms.errors import BadInput
from cms.media.storage import Storage
from cms.models import (
    ApiToken,
    Article,
    ArticleAuthor,
    ArticleImage,
    ArticleSlug,
    AuditEntry,
    Author,
    Category,
    Change,
    Image,
    MailingList,
    MailSent,
    Partner,
    PartnerSection,
    PersistedDocument,
    Revision,
    Section,
    Subscriber,
    Subscription,
    Suppression,
    UTCDateTime,
    Webhook,
)
from cms.services.corpus import format_time

FORMAT = "cms-backup"
VERSION = 1
MANIFEST = "manifest.json"
MEDIA = "media"


@dataclass(frozen=True)
class Part:
    """One table in a backup: its rows, and the links in it that must be safe in ``<a href>``."""

    table: Table
    urls: dict[str, bool] = field(default_factory=dict)  # column -> whether mailto: is allowed
    #: Rows the migrations create (the `site` mailing list): a restore replaces them with the backup's.
    seeded: bool = False

    @property
    def name(self) -> str:
        return str(self.table.name)

    @property
    def file(self) -> str:
        return f"{self.name}.jsonl"


def _t(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


PARTS: tuple[Part, ...] = (
    Part(_t(Section)),
    Part(_t(Category)),
    Part(_t(Image), urls={"creator_url": True, "source_url": False}),
    Part(_t(Author)),
    Part(_t(Partner)),
    Part(_t(PartnerSection)),
    Part(_t(ApiToken)),
    Part(_t(Webhook), urls={"url": False}),
    Part(_t(Article), urls={"canonical_url": False}),
    Part(_t(ArticleAuthor)),
    Part(_t(ArticleSlug)),
    Part(_t(ArticleImage)),
    Part(_t(Revision)),
    Part(_t(Change)),
    Part(_t(AuditEntry)),
    Part(_t(PersistedDocument)),
    Part(_t(MailingList), seeded=True),
    Part(_t(Subscriber)),
    Part(_t(Subscription)),
    Part(_t(Suppression)),
    Part(_t(MailSent)),
)


def encode(table: Table, row: Any) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for column in table.c:
        value = row._mapping[column.name]
        if isinstance(column.type, UTCDateTime):
            value = format_time(value)
        record[column.name] = value
    return record


def line(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def _rows(conn: Connection, table: Table) -> Iterator[Any]:
    stmt = select(table).order_by(*table.primary_key.columns)
    yield from conn.execution_options(yield_per=500).execute(stmt)


def export_backup(conn: Connection, folder: Path, *, storage: Storage, schema: str | None) -> dict[str, int]:
    """Write the backup of everything ``conn`` sees (one snapshot) into ``folder``; returns counts."""
    if folder.exists() and any(folder.iterdir()):
        raise BadInput(f"{folder} is not empty; a backup goes into a new or empty folder")
    # Secrets live here (token hashes, webhook secrets): readable by the owner only.
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    parts: dict[str, Any] = {}
    counts: dict[str, int] = {}
    media_files = media_bytes = 0
    for part in PARTS:
        digest = hashlib.sha256()
        count = 0
        with _private(folder / part.file) as handle:
            for row in _rows(conn, part.table):
                data = line(encode(part.table, row))
                handle.write(data)
                digest.update(data)
                count += 1
                if part.name == "image" and row.storage_key:
                    media_bytes += _copy_original(storage, row, folder)
                    media_files += 1
        parts[part.name] = {"file": part.file, "records": count, "sha256": digest.hexdigest()}
        counts[part.name] = count
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "schema": schema,
        "parts": parts,
        "media": {"files": media_files, "bytes": media_bytes},
    }
    with _private(folder / MANIFEST) as handle:
        handle.write((json.dumps(manifest, indent=2) + "\n").encode())
    counts["media files"] = media_files
    return counts


def _private(path: Path) -> Any:
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")


def _copy_original(storage: Storage, row: Any, folder: Path) -> int:
    blob = storage.open(row.storage_key)
    if blob is None:
        raise BadInput(
            f"image {row.id}: its original {row.storage_key!r} is missing from {storage.describe()}; "
            "the backup would be incomplete (restore the file, or delete the image, then export again)"
        )
    target = folder / MEDIA / row.storage_key
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    size = 0
    try:
        with _private(target) as handle:
            for chunk in blob.chunks():
                handle.write(chunk)
                size += len(chunk)
    finally:
        blob.close()
    return size


def is_backup(folder: Path) -> bool:
    return (folder / MANIFEST).is_file()


def json_column(table: Table, name: str) -> bool:
    return isinstance(table.c[name].type, JSON)
