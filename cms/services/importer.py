"""`cms import`: load a corpus, updating what is there (matched by slug, or by
source id for images) and never duplicating. The whole import is one
transaction: it lands completely or not at all."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.orm import Session

from cms.models import Article, ArticleAuthor, Author, Category, Image, Section, utcnow
from cms.services import changes
from cms.services.corpus import Corpus
from cms.services.text import html_to_text, reading_time_minutes, sanitize_html

BATCH = 1000
Progress = Callable[[str, int], None]  # (stage, records done since the last call)

_section: Table = Section.__table__  # type: ignore[attr-defined]
_category: Table = Category.__table__  # type: ignore[attr-defined]
_author: Table = Author.__table__  # type: ignore[attr-defined]
_image: Table = Image.__table__  # type: ignore[attr-defined]
_article: Table = Article.__table__  # type: ignore[attr-defined]
_byline: Table = ArticleAuthor.__table__  # type: ignore[attr-defined]


@dataclass
class ImportReport:
    created: dict[str, int]
    updated: dict[str, int]


def _batches(items: list[Any], size: int = BATCH) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _upsert(
    session: Session,
    table: Table,
    key: str,
    rows: list[dict[str, Any]],
    entity: changes.Entity,
    report: ImportReport,
    progress: Progress | None,
) -> dict[Any, int]:
    """Insert or update rows matched on ``key``; returns key -> id. Unchanged rows are left alone."""
    ids: dict[Any, int] = {}
    now = utcnow()
    columns = [c for c in rows[0] if c != key] if rows else []
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
            session.execute(insert(table), fresh)
        for row in changed:
            values = {c: row[c] for c in columns}
            if "version" in table.c:
                values["version"] = table.c.version + 1
            session.execute(update(table).where(table.c.id == row["id"]).values(**values, updated_at=now))
        found = dict(session.execute(select(table.c[key], table.c.id).where(table.c[key].in_(keys))).all())
        ids.update(found)
        changes.record(session, entity=entity, ids=[found[r[key]] for r in fresh], kind="create")
        changes.record(session, entity=entity, ids=[r["id"] for r in changed], kind="update")
        report.created[entity] = report.created.get(entity, 0) + len(fresh)
        report.updated[entity] = report.updated.get(entity, 0) + len(changed)
        if progress:
            progress(entity, len(batch))
    return ids


def import_corpus(
    session: Session, corpus: Corpus, *, source: str = "corpus", progress: Progress | None = None
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

    article_rows = []
    now = utcnow()
    for r in corpus.articles:
        body = sanitize_html(r["body"])
        text = html_to_text(body)
        article_rows.append(
            {
                "slug": r["slug"],
                "title": r["title"],
                "summary": r["summary"],
                "body_html": body,
                "body_text": text,
                "reading_time_minutes": reading_time_minutes(text),
                "state": r["status"],
                "published_at": r["published_at"],
                # Already public: its create change says so. Left unannounced, the clock would
                # announce every imported article again on the first read (one change, audit
                # entry and article.published event each: minutes, at 100,000 articles).
                "announced": r["status"] == "published"
                and r["published_at"] is not None
                and r["published_at"] <= now,
                "section_id": by_section.get(r["section_id"]) if r.get("section_id") is not None else None,
                "category_id": by_category.get(r["category_id"])
                if r.get("category_id") is not None
                else None,
                "lead_image_id": by_image.get(r["lead_image_id"])
                if r.get("lead_image_id") is not None
                else None,
            }
        )
    article_ids = _upsert(session, _article, "slug", article_rows, "article", report, progress)
    _replace_bylines(session, corpus, article_ids, by_author)
    return report


def _replace_bylines(
    session: Session, corpus: Corpus, article_ids: dict[Any, int], by_author: dict[int, int]
) -> None:
    wanted = {article_ids[r["slug"]]: [by_author[a] for a in r["author_ids"]] for r in corpus.articles}
    for batch in _batches(list(wanted)):
        current: dict[int, list[tuple[int, int]]] = {}
        for article_id, author_id, position in session.execute(
            select(_byline.c.article_id, _byline.c.author_id, _byline.c.position).where(
                _byline.c.article_id.in_(batch)
            )
        ):
            current.setdefault(article_id, []).append((position, author_id))
        stale = [a for a in batch if [x for _, x in sorted(current.get(a, []))] != wanted[a]]
        if not stale:
            continue
        session.execute(delete(_byline).where(_byline.c.article_id.in_(stale)))
        rows = [
            {"article_id": a, "author_id": author_id, "position": position}
            for a in stale
            for position, author_id in enumerate(wanted[a])
        ]
        if rows:
            session.execute(insert(_byline), rows)
        # A new byline on an article whose text did not change is still a change to it.
        session.execute(
            update(_article)
            .where(_article.c.id.in_([a for a in stale if a in current]))
            .values(version=_article.c.version + 1, updated_at=utcnow())
        )
        changes.record(session, entity="article", ids=[a for a in stale if a in current], kind="update")


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
