"""Plain functions that write content the way the CMS's own write paths do."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update

from cms.db import Database
from cms.media.licenses import resolve_license
from cms.models import (
    Article,
    ArticleAuthor,
    ArticleImage,
    Author,
    Category,
    Image,
    Revision,
    Role,
    Section,
    utcnow,
)
from cms.services import changes, content, partners, tokens
from cms.services.text import html_to_text, reading_time_minutes, sanitize_html, slugify

_counter = itertools.count(1)
_article = Article.__table__  # type: ignore[attr-defined]


class Seeder:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _insert(self, model: Any, entity: changes.Entity, **values: Any) -> int:
        now = utcnow()
        values.setdefault("created_at", now)
        values.setdefault("updated_at", now)
        with self.db.write() as session:
            pk = session.execute(
                insert(model.__table__).returning(model.__table__.c.id), [values]
            ).scalar_one()
            changes.record(session, entity=entity, ids=[pk], kind="create")
        return int(pk)

    def token(self, role: str, name: str = "Test", *, partner_id: int | None = None) -> tuple[int, str]:
        """A token's id and the token itself (a partner token gets a partner taking everything)."""
        with self.db.write() as session:
            if role == "partner" and partner_id is None:
                partner_id = self.partner(f"{name} partner", session=session)
            return tokens.create(session, name=name, role=role, partner_id=partner_id)

    def partner(
        self,
        name: str = "Partner",
        *,
        commercial: bool = False,
        sections: list[str] | None = None,
        session: Any = None,
    ) -> int:
        if session is None:
            with self.db.write() as own:
                return self.partner(name, commercial=commercial, sections=sections, session=own)
        admin = tokens.Caller(token_id=None, name="seed", role=Role.ADMIN)
        values = {"name": name, "commercial_use": commercial, "section_slugs": sections or []}
        return partners.create(session, admin, values, now=utcnow())

    def section(self, name: str = "The Peninsula", slug: str | None = None, description: str = "") -> int:
        return self._insert(
            Section, "section", name=name, slug=slug or slugify(name), description=description
        )

    def category(self, name: str = "Security", slug: str | None = None) -> int:
        return self._insert(Category, "category", name=name, slug=slug or slugify(name))

    def author(self, name: str = "Jane Example", slug: str | None = None, **extra: Any) -> int:
        return self._insert(Author, "author", name=name, slug=slug or slugify(name), **extra)

    def image(self, *, license: str | int = "CC-BY-2.0", **fields: Any) -> int:
        values = {
            "title": "Harbour at Dusk",
            "creator": "Jane Example",
            "source_name": "Flickr",
            "source_url": "https://www.flickr.com/photos/jane/1",
            "width": 1600,
            "height": 900,
            "filename": "harbour.jpg",
            "external_ref": f"test:{next(_counter)}",
        }
        values.update(fields)
        return self._insert(Image, "image", license_code=resolve_license(license), **values)

    def article(
        self,
        title: str = "Sanctions and the alliance",
        *,
        body: str = "<p>An article about policy.</p>",
        summary: str = "A summary.",
        state: str = "published",
        published_at: datetime | str | None = "default",
        section_id: int | None = None,
        category_id: int | None = None,
        author_ids: list[int] | tuple[int, ...] = (),
        lead_image_id: int | None = None,
        slug: str | None = None,
        created_by: int | None = None,
    ) -> int:
        if published_at == "default":
            published_at = utcnow() - timedelta(days=1) if state == "published" else None
        elif isinstance(published_at, str):
            published_at = datetime.fromisoformat(published_at)
        clean = sanitize_html(body)
        text = html_to_text(clean)
        pk = self._insert(
            Article,
            "article",
            title=title,
            slug=slug or f"{slugify(title)}-{next(_counter)}",
            summary=summary,
            body_html=clean,
            body_text=text,
            reading_time_minutes=reading_time_minutes(text),
            state=state,
            published_at=published_at,
            section_id=section_id,
            category_id=category_id,
            lead_image_id=lead_image_id,
            created_by=created_by,
            live_version=1 if state == "published" else None,
            announced=state == "published" and published_at is not None and published_at <= utcnow(),
        )
        if lead_image_id is not None:
            with self.db.write() as session:
                session.execute(
                    insert(ArticleImage.__table__),  # type: ignore[attr-defined]
                    [{"article_id": pk, "image_id": lead_image_id, "role": "lead"}],
                )
        if author_ids:
            with self.db.write() as session:
                session.execute(
                    insert(ArticleAuthor.__table__),  # type: ignore[attr-defined]
                    [{"article_id": pk, "author_id": a, "position": i} for i, a in enumerate(author_ids)],
                )
        return pk

    def revision(self, pk: int, *, version: int = 1, message: str = "created") -> int:
        """Save the article's stored content as a revision; returns the revision's id."""
        row = self.article_row(pk)
        with self.db.write() as session:
            body = content.of_row(session, row)
            content.save_revision(
                session, article_id=pk, version=version, content=body, state=row.state,
                published_at=row.published_at, token_id=None, author_name="seed", message=message,
                now=utcnow(),
            )  # fmt: skip
            found = session.execute(
                select(Revision.__table__.c.id)  # type: ignore[attr-defined]
                .where(Revision.__table__.c.article_id == pk)  # type: ignore[attr-defined]
                .order_by(Revision.__table__.c.id.desc())  # type: ignore[attr-defined]
            ).first()
        assert found is not None
        return int(found[0])

    def pending(self, pk: int, **changes: Any) -> int:
        """Give a published article pending changes (a revision above its live version)."""
        row = self.article_row(pk)
        version = row.version + 1
        with self.db.write() as session:
            body = content.of_row(session, row).changed(**changes)
            content.save_revision(
                session, article_id=pk, version=version, content=body, state=row.state,
                published_at=row.published_at, token_id=None, author_name="seed", message="edited",
                now=utcnow(),
            )  # fmt: skip
            session.execute(update(_article).where(_article.c.id == pk).values(version=version))
        return version

    def update_article(self, pk: int, **values: Any) -> None:
        if "body" in values:
            clean = sanitize_html(values.pop("body"))
            values.update(body_html=clean, body_text=html_to_text(clean))
        with self.db.write() as session:
            session.execute(
                update(_article)
                .where(_article.c.id == pk)
                .values(**values, version=_article.c.version + 1, updated_at=utcnow())
            )
            changes.record(session, entity="article", ids=[pk], kind="update")

    def delete_article(self, pk: int) -> None:
        with self.db.write() as session:
            session.execute(delete(_article).where(_article.c.id == pk))
            changes.record(session, entity="article", ids=[pk], kind="delete")

    def article_row(self, pk: int) -> Any:
        with self.db.connect() as conn:
            return conn.execute(select(_article).where(_article.c.id == pk)).one()
