"""Restoring a backup (see ``cms.services.backup``) into an empty database.

Rows keep their ids, times and versions, so exporting the restored database gives the same
files, byte for byte. Every line is checked as any write is before it is stored: types and
lengths per column, links (http(s), and mailto: where the API allows it), bodies sanitised
again (a backup is a file anyone could have edited), states and roles known, each image's
original present with the hash its row names, each file's checksum as the manifest gives it.
A bad line stops the restore naming its file and line. The rows are written in one
transaction, so a failed restore leaves the database empty; originals already copied into
the media store are content-addressed and unreferenced, and `cms media gc` removes them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Integer, String, Table, delete, func, insert, select, text
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from cms.errors import BadInput, Invalid
from cms.media.storage import Storage, check_key, sha256_hex
from cms.models import Role, UTCDateTime
from cms.services.backup import FORMAT, MANIFEST, MEDIA, PARTS, VERSION, Part
from cms.services.checks import web_url
from cms.services.corpus import STATUSES
from cms.services.text import html_to_text, reading_time_minutes, sanitize_html

BATCH = 1000


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadInput(f"{MANIFEST}: cannot be read ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BadInput(f"{MANIFEST}: not a backup made by `cms export` (`format` is not {FORMAT!r})")
    if manifest.get("version") != VERSION:
        raise BadInput(f"{MANIFEST}: backup format version {manifest.get('version')!r} is not {VERSION}")
    known = {part.name for part in PARTS}
    parts = manifest.get("parts")
    if not isinstance(parts, dict):
        raise BadInput(f"{MANIFEST}: `parts` is missing")
    unknown = sorted(set(parts) - known)
    if unknown:
        raise BadInput(
            f"{MANIFEST}: unknown tables {', '.join(map(repr, unknown))} (a backup from a newer version?)"
        )
    return manifest


def restore_backup(session: Session, folder: Path, *, storage: Storage) -> dict[str, int]:
    """Load the backup in ``folder`` into the session's (empty) database; returns rows per table."""
    manifest = read_manifest(folder)
    _require_empty(session)
    counts: dict[str, int] = {}
    for part in PARTS:
        entry = manifest["parts"].get(part.name)
        if entry is None:
            continue  # a table newer than the backup: it stays empty
        counts[part.name] = _restore_part(session, folder, part, entry, storage)
    if session.get_bind().dialect.name == "postgresql":
        _advance_sequences(session)
    return counts


def _require_empty(session: Session) -> None:
    for part in PARTS:
        if part.seeded:
            continue  # what the migrations put there; the backup's rows replace it
        rows = session.execute(select(func.count()).select_from(part.table)).scalar_one()
        if rows:
            raise BadInput(
                f"a backup is restored into an empty database, and `{part.name}` has {rows} rows "
                "(create a new database and run `cms migrate` first)"
            )


def _lines(path: Path, digest: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            digest.update(raw)
            where = f"{path.name}:{number}"
            try:
                record = json.loads(raw)
            except ValueError as exc:
                raise BadInput(f"{where}: not valid JSON ({exc})") from None
            if not isinstance(record, dict):
                raise BadInput(f"{where}: each line must be a JSON object")
            yield where, record


def _restore_part(session: Session, folder: Path, part: Part, entry: Any, storage: Storage) -> int:
    path = folder / part.file
    if not path.is_file():
        raise BadInput(f"{part.file} is missing from the backup (the manifest lists it)")
    if part.seeded:
        session.execute(delete(part.table))
    digest = hashlib.sha256()
    batch: list[dict[str, Any]] = []
    count = 0
    for where, record in _lines(path, digest):
        row = _row(part, record, where)
        if part.name == "image" and row.get("storage_key"):
            _put_original(folder, row, where, storage)
        batch.append(row)
        count += 1
        if len(batch) >= BATCH:
            session.execute(insert(part.table), batch)
            batch = []
    if batch:
        session.execute(insert(part.table), batch)
    if isinstance(entry, dict) and entry.get("sha256") not in (None, digest.hexdigest()):
        raise BadInput(f"{part.file}: does not match its checksum in {MANIFEST} (damaged or edited)")
    if isinstance(entry, dict) and entry.get("records") not in (None, count):
        raise BadInput(f"{part.file}: has {count} records, {MANIFEST} says {entry.get('records')}")
    return count


def _row(part: Part, record: dict[str, Any], where: str) -> dict[str, Any]:
    table = part.table
    unknown = sorted(set(record) - set(table.c.keys()))
    if unknown:
        raise BadInput(f"{where}: unknown field `{unknown[0]}` for `{part.name}`")
    row: dict[str, Any] = {}
    for column in table.c:
        if column.name not in record:
            if column.primary_key or not (column.nullable or column.default or column.server_default):
                raise BadInput(f"{where}: missing field `{column.name}`")
            continue  # a column newer than the backup takes its default
        row[column.name] = _value(column, record[column.name], where)
    for name, mailto in part.urls.items():
        if row.get(name):
            try:
                row[name] = web_url(row[name], field=name, allow_mailto=mailto, max_length=10_000)
            except Invalid as exc:
                raise BadInput(f"{where}: `{name}` {row[name]!r}: {exc.message}") from None
    _rules(part.name, row, where)
    return row


def _value(column: Any, value: Any, where: str) -> Any:
    name, kind = column.name, column.type
    while isinstance(kind, TypeDecorator) and not isinstance(kind, UTCDateTime):
        kind = kind.impl  # sqlmodel's AutoString is a String underneath
    if value is None:
        if not column.nullable:
            raise BadInput(f"{where}: field `{name}` may not be null")
        return None
    wrong = BadInput(f"{where}: field `{name}` has the wrong type")
    if isinstance(kind, UTCDateTime):
        if not isinstance(value, str):
            raise wrong
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise BadInput(f"{where}: field `{name}` {value!r} is not an ISO 8601 time") from None
        if parsed.tzinfo is None:
            raise BadInput(f"{where}: field `{name}` {value!r} has no time zone")
        return parsed.astimezone(UTC)
    if isinstance(kind, Boolean):
        if not isinstance(value, bool):
            raise wrong
    elif isinstance(kind, Integer):
        if not isinstance(value, int) or isinstance(value, bool):
            raise wrong
    elif isinstance(kind, Float):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise wrong
    elif isinstance(kind, String):
        if not isinstance(value, str):
            raise wrong
        if kind.length and len(value) > kind.length:
            raise BadInput(f"{where}: field `{name}` is longer than {kind.length} characters")
    elif not isinstance(kind, JSON):
        raise wrong
    return value


def _rules(name: str, row: dict[str, Any], where: str) -> None:
    """What the API would refuse, beyond types: unknown states and roles, unsafe bodies."""
    if name == "article":
        if "state" in row and row["state"] not in STATUSES:
            raise BadInput(f"{where}: `state` must be one of {', '.join(sorted(STATUSES))}")
        if "body_html" in row:
            row["body_html"] = sanitize_html(row["body_html"])
            row["body_text"] = html_to_text(row["body_html"])
            row["reading_time_minutes"] = reading_time_minutes(row["body_text"])
    elif name == "revision":
        snapshot = row["snapshot"]
        if not isinstance(snapshot, dict):
            raise BadInput(f"{where}: `snapshot` must be an object")
        if isinstance(snapshot.get("body_html"), str):
            snapshot["body_html"] = sanitize_html(snapshot["body_html"])
        if snapshot.get("canonical_url"):
            try:
                web_url(str(snapshot["canonical_url"]), field="canonical_url")
            except Invalid as exc:
                raise BadInput(f"{where}: `snapshot.canonical_url`: {exc.message}") from None
    elif name == "api_token" and row["role"] not in {r.value for r in Role}:
        raise BadInput(f"{where}: `role` {row['role']!r} is not one of {', '.join(r.value for r in Role)}")


def _put_original(folder: Path, row: dict[str, Any], where: str, storage: Storage) -> None:
    key = row["storage_key"]
    try:
        check_key(key)
    except ValueError:
        raise BadInput(f"{where}: `storage_key` {key!r} is not a media key") from None
    path = folder / MEDIA / key
    try:
        data = path.read_bytes()
    except OSError:
        raise BadInput(f"{where}: the original {MEDIA}/{key} is missing from the backup") from None
    if sha256_hex(data) != row.get("sha256"):
        raise BadInput(f"{where}: {MEDIA}/{key} does not match the image's `sha256` (damaged or edited)")
    if not storage.exists(key):
        storage.put(key, data)


def _advance_sequences(session: Session) -> None:
    """Rows came with their ids: PostgreSQL's sequences must continue after the largest."""
    for part in PARTS:
        table: Table = part.table
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, Integer) or pk[0].autoincrement is False:
            continue
        sequence = session.execute(
            text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": pk[0].name}
        ).scalar()
        if sequence:
            top = session.execute(select(func.max(pk[0]))).scalar()
            session.execute(
                text("SELECT setval(:s, :v, :called)"),
                {"s": sequence, "v": top or 1, "called": top is not None},
            )
