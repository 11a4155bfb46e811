"""An article's editable content, and where it lives.

What a revision snapshot holds is every field an editor can change: title, slug, summary, body,
section, category, byline, lead image and canonical URL (plus the workflow state and time at that
revision). A draft keeps its content in the article row. A published article's row holds the
live content, which is what the public, search, feeds and sync see; edits to it are saved as
revisions above ``live_version`` ("pending changes") until someone allowed to publish publishes
them. The conflict merge and the read model both read content through this module.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from cms.models import Article, ArticleAuthor, ArticleSlug, Revision
from cms.models import State as S
from cms.services import library
from cms.services.text import html_to_text, reading_time_minutes

_article = Article.__table__  # type: ignore[attr-defined]
_byline = ArticleAuthor.__table__  # type: ignore[attr-defined]
_alias = ArticleSlug.__table__  # type: ignore[attr-defined]
_revision = Revision.__table__  # type: ignore[attr-defined]

FIELDS = (
    "title", "slug", "summary", "body_html", "section_id", "category_id", "lead_image_id",
    "canonical_url", "author_ids",
)  # fmt: skip


@dataclass(frozen=True)
class Content:
    title: str
    slug: str
    summary: str
    body_html: str
    section_id: int | None
    category_id: int | None
    lead_image_id: int | None
    canonical_url: str | None
    author_ids: tuple[int, ...]

    def changed(self, **values: Any) -> Content:
        if "author_ids" in values:
            values["author_ids"] = tuple(values["author_ids"])
        return replace(self, **values)

    def snapshot(self, *, state: str, published_at: datetime | None) -> dict[str, Any]:
        snap = asdict(self)
        snap["author_ids"] = list(self.author_ids)
        snap["state"] = state
        snap["published_at"] = published_at.isoformat() if published_at else None
        return snap

    @classmethod
    def from_snapshot(cls, snap: dict[str, Any]) -> Content:
        return cls(
            title=snap.get("title", ""),
            slug=snap.get("slug", ""),
            summary=snap.get("summary", ""),
            body_html=snap.get("body_html", ""),
            section_id=snap.get("section_id"),
            category_id=snap.get("category_id"),
            lead_image_id=snap.get("lead_image_id"),
            canonical_url=snap.get("canonical_url"),
            author_ids=tuple(snap.get("author_ids") or ()),
        )


def has_pending(row: Any) -> bool:
    """A published article with saves above its live version."""
    return row.state == S.PUBLISHED.value and row.live_version is not None and row.version != row.live_version


def byline(conn: Session | Connection, article_id: int) -> tuple[int, ...]:
    stmt = select(_byline.c.author_id).where(_byline.c.article_id == article_id).order_by(_byline.c.position)
    return tuple(conn.execute(stmt).scalars())


def of_row(conn: Session | Connection, row: Any) -> Content:
    """The content stored in the article row (live, for a published article)."""
    return Content(
        title=row.title, slug=row.slug, summary=row.summary, body_html=row.body_html,
        section_id=row.section_id, category_id=row.category_id, lead_image_id=row.lead_image_id,
        canonical_url=row.canonical_url, author_ids=byline(conn, row.id),
    )  # fmt: skip


_SNAPSHOT = select(_revision.c.article_id, _revision.c.snapshot).where(
    _revision.c.article_id == bindparam("article_id"), _revision.c.version == bindparam("version")
)


def latest(conn: Session | Connection, row: Any) -> Content:
    """What an editor works on: the pending changes if there are any, else the row."""
    if has_pending(row):
        snap = conn.execute(_SNAPSHOT, {"article_id": row.id, "version": row.version}).first()
        if snap is not None:
            return Content.from_snapshot(snap.snapshot)
    return of_row(conn, row)


def pending_snapshots(conn: Connection, rows: list[Any]) -> dict[int, dict[str, Any]]:
    """Pending content of several articles, in one statement per article with changes."""
    found: dict[int, dict[str, Any]] = {}
    for row in rows:
        if has_pending(row):
            snap = conn.execute(_SNAPSHOT, {"article_id": row.id, "version": row.version}).first()
            if snap is not None:
                found[row.id] = snap.snapshot
    return found


def derived(content: Content) -> dict[str, Any]:
    """Columns computed from the content: the plain text search indexes, the reading time."""
    text = html_to_text(content.body_html)
    return {"body_text": text, "reading_time_minutes": reading_time_minutes(text)}


def write_row(session: Session, row: Any, content: Content, **columns: Any) -> None:
    """Make ``content`` the row's content (with any workflow ``columns``), keeping old slugs working."""
    values = {name: getattr(content, name) for name in FIELDS if name != "author_ids"}
    values.update(derived(content), **columns)
    if content.slug != row.slug:
        # The old slug keeps resolving: links already shared never break.
        session.execute(delete(_alias).where(_alias.c.slug == content.slug))
        session.execute(insert(_alias), [{"slug": row.slug, "article_id": row.id}])
    session.execute(update(_article).where(_article.c.id == row.id).values(**values))
    if tuple(content.author_ids) != byline(session, row.id):
        session.execute(delete(_byline).where(_byline.c.article_id == row.id))
        if content.author_ids:
            session.execute(
                insert(_byline),
                [
                    {"article_id": row.id, "author_id": a, "position": i}
                    for i, a in enumerate(content.author_ids)
                ],
            )
    library.set_usage(
        session,
        row.id,
        roles={
            "lead": [content.lead_image_id],
            "body": library.body_image_ids(session, content.body_html),
            "pending": [],
        },
    )


def note_pending(session: Session, article_id: int, content: Content) -> None:
    """Record which images unpublished changes use (the library's "used by" counts them)."""
    images = {content.lead_image_id, *library.body_image_ids(session, content.body_html)}
    library.set_usage(session, article_id, roles={"pending": images})


def save_revision(
    session: Session,
    *,
    article_id: int,
    version: int,
    content: Content,
    state: str,
    published_at: datetime | None,
    token_id: int | None,
    author_name: str,
    message: str,
    now: datetime,
) -> None:
    session.execute(
        insert(_revision),
        [
            {
                "article_id": article_id, "version": version, "token_id": token_id,
                "author_name": author_name, "message": message, "created_at": now,
                "snapshot": content.snapshot(state=state, published_at=published_at),
            }
        ],
    )  # fmt: skip
