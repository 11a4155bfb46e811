"""Plain functions that write content the way the CMS's own write paths do."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update

from cms.db import Database
from cms.media.licenses import resolve_license
from cms.models import Article, ArticleAuthor, Author, Category, Image, Section, utcnow
from cms.services import changes
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
    ) -> int:
        if published_at == "default":
            published_at = utcnow() - timedelta(days=1) if state == "published" else None
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
        )
        if author_ids:
            with self.db.write() as session:
                session.execute(
                    insert(ArticleAuthor.__table__),  # type: ignore[attr-defined]
                    [{"article_id": pk, "author_id": a, "position": i} for i, a in enumerate(author_ids)],
                )
        return pk

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
