"""`cms import`: load a corpus, updating what is there (matched by slug, or by
source id for images) and never duplicating. The whole import is one
transaction: it lands completely or not at all. Articles are streamed in batches
(checked, sanitised, written, let go), so memory does not grow with the corpus.

Reading, checking and sanitising articles is half the work of an import, and the
database's writing and indexing the other half. With ``helper_process`` (a corpus
read from a folder) a second process reads the articles file and sanitises a few
batches ahead while this one writes: the two halves run side by side on two cores
(threads would take turns on the GIL, and the writer would wait for it after every
row). On PostgreSQL, where the importer also computes the search rows (three quarters
of that process's work), a second helper computes most of them. A bad line found there
refuses the import as it would here."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from multiprocessing.queues import Queue
from pathlib import Path
from queue import Empty
from typing import Any

from sqlalchemy import Table, case, delete, select, update
from sqlalchemy.orm import Session

from cms import bulk
from cms.errors import CMSError
from cms.models import Article, ArticleAuthor, ArticleImage, Author, Category, Image, Section, State, utcnow
from cms.search import postgres, sqlite, vectors
from cms.services import changes, library
from cms.services.corpus import Corpus, read
from cms.services.text import derive_bodies

BATCH = 1000
Progress = Callable[[str, int], None]  # (stage, records done since the last call)

_section: Table = Section.__table__  # type: ignore[attr-defined]
_category: Table = Category.__table__  # type: ignore[attr-defined]
_author: Table = Author.__table__  # type: ignore[attr-defined]
_image: Table = Image.__table__  # type: ignore[attr-defined]
_article: Table = Article.__table__  # type: ignore[attr-defined]
_byline: Table = ArticleAuthor.__table__  # type: ignore[attr-defined]
_usage: Table = ArticleImage.__table__  # type: ignore[attr-defined]
_ROLES = ("lead", "body")


@dataclass
class ImportReport:
    created: dict[str, int]
    updated: dict[str, int]


def _batches(items: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _upsert(
    session: Session,
    table: Table,
    key: str,
    rows: list[dict[str, Any]],
    entity: changes.Entity,
    report: ImportReport,
    progress: Progress | None,
    written_ids: list[int] | None = None,
) -> dict[Any, int]:
    """Insert or update rows matched on ``key``; returns key -> id. Unchanged rows are left alone;
    the ids of those inserted or updated are added to ``written_ids``.

    Articles carry ``live_version`` and ``announced``: derived from the state, never compared, and
    their change-log entries are public only when the article is (drafts moving are not news).
    """
    ids: dict[Any, int] = {}
    now = utcnow()
    derived = {"live_version"}
    columns = [c for c in rows[0] if c != key and c not in derived] if rows else []
    for batch in _batches(rows):
        keys = [row[key] for row in batch]
        existing = {
            r[0]: r
            for r in session.execute(
                select(table.c[key], table.c.id, *(table.c[c] for c in columns)).where(table.c[key].in_(keys))
            )
        }
        fresh = [dict(row, created_at=now, updated_at=now) for row in batch if row[key] not in existing]
        changed = []
        for row in batch:
            old = existing.get(row[key])
            if old is not None and any(old._mapping[c] != row[c] for c in columns):
                changed.append(dict(row, id=old.id))
        if fresh:
            bulk.insert_rows(session.connection(), table, fresh)
        for row in changed:
            values = {c: row[c] for c in columns}
            if "version" in table.c:
                values["version"] = table.c.version + 1
            if "live_version" in row:
                values["live_version"] = table.c.version + 1 if row["live_version"] is not None else None
            session.execute(update(table).where(table.c.id == row["id"]).values(**values, updated_at=now))
        if fresh:
            found = dict(
                session.execute(select(table.c[key], table.c.id).where(table.c[key].in_(keys))).all()
            )
        else:
            found = {k: r.id for k, r in existing.items()}
        ids.update(found)
        if written_ids is not None:
            written_ids.extend([found[r[key]] for r in fresh] + [r["id"] for r in changed])
        for kind, written in (("create", [dict(r, id=found[r[key]]) for r in fresh]), ("update", changed)):
            for public in (True, False):
                chosen = [r["id"] for r in written if r.get("announced", True) is public]
                changes.record(session, entity=entity, ids=chosen, kind=kind, public=public)  # type: ignore[arg-type]
        report.created[entity] = report.created.get(entity, 0) + len(fresh)
        report.updated[entity] = report.updated.get(entity, 0) + len(changed)
        if progress:
            progress(entity, len(batch))
    return ids


def import_corpus(
    session: Session,
    corpus: Corpus,
    *,
    source: str = "corpus",
    progress: Progress | None = None,
    helper_process: bool = False,
    batch_size: int = BATCH,
) -> ImportReport:
    connection = session.connection()
    search = sqlite if connection.dialect.name == "sqlite" else postgres
    # Entered before any change is recorded: an import that rebuilds the search indexes locks
    # their table before the change log, the order an editor's save takes them in (no deadlock).
    with search.indexing_deferred(connection, corpus.articles_hint):
        return _import(session, corpus, source, progress, helper_process, batch_size)


def _import(
    session: Session,
    corpus: Corpus,
    source: str,
    progress: Progress | None,
    helper_process: bool,
    batch_size: int,
) -> ImportReport:
    report = ImportReport(created={}, updated={})
    section_ids = _upsert(
        session,
        _section,
        "slug",
        [
            {"slug": r["slug"], "name": r["name"], "description": r.get("description") or ""}
            for r in corpus.sections
        ],
        "section",
        report,
        progress,
    )
    category_ids = _upsert(
        session,
        _category,
        "slug",
        [{"slug": r["slug"], "name": r["name"]} for r in corpus.categories],
        "category",
        report,
        progress,
    )
    author_ids = _upsert(
        session,
        _author,
        "slug",
        [
            {
                "slug": r["slug"],
                "name": r["name"],
                "bio": r.get("bio") or "",
                "affiliation": r.get("affiliation") or "",
            }
            for r in corpus.authors
        ],
        "author",
        report,
        progress,
    )
    image_ids = _upsert(
        session,
        _image,
        "external_ref",
        [_image_row(r, source) for r in corpus.images],
        "image",
        report,
        progress,
    )

    def ref(mapping: dict[Any, int], records: list[dict[str, Any]], key: str) -> dict[int, int]:
        return {r["id"]: mapping[r[key]] for r in records}

    by_section = ref(section_ids, corpus.sections, "slug")
    by_category = ref(category_ids, corpus.categories, "slug")
    by_author = ref(author_ids, corpus.authors, "slug")
    by_image = {r["id"]: image_ids[f"{source}:{r['id']}"] for r in corpus.images}
    now = utcnow()
    connection = session.connection()

    def write(prepared: Prepared) -> None:
        batch, bodies, search_rows = prepared
        rows = [
            _article_row(r, b, now, by_section, by_category, by_image)
            for r, b in zip(batch, bodies, strict=True)
        ]
        written: list[int] = []
        article_ids = _upsert(session, _article, "slug", rows, "article", report, progress, written)
        wanted = {article_ids[r["slug"]]: [by_author[a] for a in r["author_ids"]] for r in batch}
        _replace_bylines(session, wanted)
        _record_usage(session, {article_ids[row["slug"]]: row for row in rows})
        if search_rows is not None:
            by_id = {article_ids[r["slug"]]: found for r, found in zip(batch, search_rows, strict=True)}
            vectors.store(connection, {article_id: by_id[article_id] for article_id in written})

    on_sqlite = connection.dialect.name == "sqlite"
    # On PostgreSQL, the search rows are computed here (or in the helper), beside the writing,
    # where the rules agree with the server's (they do, unless its locale lower-cases otherwise).
    supplied = not on_sqlite and vectors.agrees(connection)
    if supplied:
        vectors.supply(connection)
    folder = corpus.folder if helper_process else None
    for prepared in (
        _prepared(corpus, batch_size, supplied)
        if folder is None
        else _from_helper(folder, batch_size, supplied)
    ):
        write(prepared)
    return report


# Records, their bodies derived (HTML, text, reading time) and, when asked for, their search rows.
Prepared = tuple[list[dict[str, Any]], list[tuple[str, str, int]], list[vectors.SearchRow | None] | None]


def _prepared(corpus: Corpus, batch_size: int, search_rows: bool, every: int = 1) -> Iterator[Prepared]:
    """With ``search_rows``, those of every ``every``-th batch; the others' are left as None."""
    for index, batch in enumerate(_batches(corpus.articles, batch_size)):
        bodies = derive_bodies([r["body"] for r in batch])
        yield batch, bodies, _search_rows(batch, bodies) if search_rows and index % every == 0 else None


def _search_rows(
    batch: list[dict[str, Any]], bodies: list[tuple[str, str, int]]
) -> list[vectors.SearchRow | None]:
    return vectors.rows(
        [(r["title"], r["summary"], text) for r, (_, text, _) in zip(batch, bodies, strict=True)]
    )


# Of a batch's work in the helpers, the search rows are three quarters: the reader computes them for
# one batch in three, the indexer for the other two, so that each does about half.
_READER_SHARE = 3
_Message = Prepared | Exception | None


def _reader(folder: Path, batch_size: int, search_rows: bool, every: int, outbox: Queue[_Message]) -> None:
    """In a helper process: read, check and sanitise the corpus's articles, batch by batch."""
    try:
        for batch, bodies, rows in _prepared(read(folder), batch_size, search_rows, every):
            for record in batch:
                del record["body"]  # the importer has it derived: not worth sending
            outbox.put((batch, bodies, rows))
    except Exception as exc:  # a bad line (BadInput): the importer refuses the import with it
        outbox.put(exc)
        return
    outbox.put(None)


def _indexer(inbox: Queue[_Message], outbox: Queue[_Message]) -> None:
    """In a second helper process: the search rows the reader left, in the reader's order."""
    while True:
        item = inbox.get()
        try:
            if item is not None and not isinstance(item, Exception) and item[2] is None:
                batch, bodies, _ = item
                item = (batch, bodies, _search_rows(batch, bodies))
        except Exception as exc:
            item = exc
        outbox.put(item)
        if item is None or isinstance(item, Exception):
            return


def _from_helper(folder: Path, batch_size: int, search_rows: bool) -> Iterator[Prepared]:
    """The articles, read and sanitised by a helper process a few batches ahead of the writing; with
    search rows to compute, a second helper computes most of them (they are half of all the work)."""
    context = multiprocessing.get_context("spawn")  # not fork: this process has threads
    read_out: Queue[_Message] = context.Queue(maxsize=3)
    every = _READER_SHARE if search_rows else 1
    queues = [read_out]
    helpers = [
        context.Process(target=_reader, args=(folder, batch_size, search_rows, every, read_out), daemon=True)
    ]
    if search_rows:
        queues.append(context.Queue(maxsize=3))
        helpers.append(
            context.Process(
                target=_indexer, args=(read_out, queues[1]), name="cms-import-indexer", daemon=True
            )
        )
    for helper in helpers:
        helper.start()
    inbox = queues[-1]
    try:
        while True:
            try:
                item = inbox.get(timeout=1.0)
            except Empty:
                stopped = [h for h in helpers if not h.is_alive()]
                failed = [h for h in stopped if h.exitcode != 0]
                if not failed and len(stopped) < len(helpers):
                    continue
                code = (failed or stopped)[0].exitcode
                raise CMSError(
                    f"a process reading {folder} for the import stopped (exit code {code}); "
                    "nothing was imported"
                ) from None
            if item is None:
                return
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        for helper in helpers:
            if helper.is_alive():
                helper.terminate()
            helper.join(timeout=10)
        for queue in queues:
            queue.close()


def _article_row(
    r: dict[str, Any],
    derived: tuple[str, str, int],
    now: datetime,
    by_section: dict[int, int],
    by_category: dict[int, int],
    by_image: dict[int, int],
) -> dict[str, Any]:
    body, text, reading_time = derived
    published = r["status"] == State.PUBLISHED.value
    return {
        "slug": r["slug"],
        "title": r["title"],
        "summary": r["summary"],
        "body_html": body,
        "body_text": text,
        "reading_time_minutes": reading_time,
        "state": r["status"],
        "published_at": r["published_at"],
        # What is published is live as imported; what is already due is public now, and this
        # import's change-log entry says so: the clock must not announce it a second time.
        "live_version": 1 if published else None,  # of a new row; an update makes it the new version
        "announced": published and r["published_at"] <= now,
        "section_id": by_section.get(r["section_id"]) if r.get("section_id") is not None else None,
        "category_id": by_category.get(r["category_id"]) if r.get("category_id") is not None else None,
        "lead_image_id": by_image.get(r["lead_image_id"]) if r.get("lead_image_id") is not None else None,
    }


def _replace_bylines(session: Session, wanted: dict[int, list[int]]) -> None:
    current: dict[int, list[tuple[int, int]]] = {}
    for article_id, author_id, position in session.execute(
        select(_byline.c.article_id, _byline.c.author_id, _byline.c.position).where(
            _byline.c.article_id.in_(list(wanted))
        )
    ):
        current.setdefault(article_id, []).append((position, author_id))
    stale = [a for a in wanted if [x for _, x in sorted(current.get(a, []))] != wanted[a]]
    if not stale:
        return
    if current:
        session.execute(delete(_byline).where(_byline.c.article_id.in_(stale)))
    rows = [
        {"article_id": a, "author_id": author_id, "position": position}
        for a in stale
        for position, author_id in enumerate(wanted[a])
    ]
    if rows:
        bulk.insert_rows(session.connection(), _byline, rows)
    # A new byline on an article whose text did not change is still a change to it.
    touched = [a for a in stale if a in current]
    if touched:
        session.execute(
            update(_article)
            .where(_article.c.id.in_(touched))
            .values(
                version=_article.c.version + 1,
                # What the import writes is live at once, as its text is.
                live_version=case((_article.c.live_version.is_(None), None), else_=_article.c.version + 1),
                updated_at=utcnow(),
            )
        )
        changes.record(session, entity="article", ids=touched, kind="update")


def _record_usage(session: Session, rows: dict[int, dict[str, Any]]) -> None:
    """The images each article uses (its lead image, and library images in its body), for image
    visibility and the library's "used by"."""
    session.execute(delete(_usage).where(_usage.c.article_id.in_(list(rows)), _usage.c.role.in_(_ROLES)))
    usage = [
        {"article_id": article_id, "image_id": row["lead_image_id"], "role": "lead"}
        for article_id, row in rows.items()
        if row["lead_image_id"] is not None
    ]
    for article_id, row in rows.items():
        if library.rendition_sources(row["body_html"]):
            for image_id in sorted(library.body_image_ids(session, row["body_html"])):
                usage.append({"article_id": article_id, "image_id": image_id, "role": "body"})
    if usage:
        bulk.insert_rows(session.connection(), _usage, usage)


def _image_row(record: dict[str, Any], source: str) -> dict[str, Any]:
    focal = record.get("focal_point")
    return {
        "external_ref": f"{source}:{record['id']}",
        "title": record["title"],
        "alt": record.get("alt") or "",
        "width": record["width"],
        "height": record["height"],
        "filename": record["filename"],
        "creator": record["creator"],
        "creator_url": record.get("creator_url") or "",
        "source_name": record["source_name"],
        "source_url": record["source_url"],
        "license_code": record["license"],
        "focal_x": focal[0] if focal else None,
        "focal_y": focal[1] if focal else None,
    }
