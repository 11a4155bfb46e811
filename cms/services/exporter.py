"""`cms export`: write the content back out in the corpus format `cms import` reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from cms.models import Article, ArticleAuthor, Author, Category, Image, Section
from cms.services.corpus import format_time, write_jsonl


def export_corpus(conn: Connection, folder: Path) -> dict[str, int]:
    folder.mkdir(parents=True, exist_ok=True)
    models: dict[str, Any] = {
        "section": Section,
        "category": Category,
        "author": Author,
        "image": Image,
        "article": Article,
        "byline": ArticleAuthor,
    }
    t = {name: model.__table__ for name, model in models.items()}
    sections = [
        {"id": r.id, "name": r.name, "slug": r.slug, "description": r.description}
        for r in conn.execute(select(t["section"]).order_by("id"))
    ]
    categories = [
        {"id": r.id, "name": r.name, "slug": r.slug}
        for r in conn.execute(select(t["category"]).order_by("id"))
    ]
    authors = [
        {"id": r.id, "name": r.name, "slug": r.slug, "bio": r.bio, "affiliation": r.affiliation}
        for r in conn.execute(select(t["author"]).order_by("id"))
    ]
    images = [_image(r) for r in conn.execute(select(t["image"]).order_by("id"))]
    bylines: dict[int, list[int]] = {}
    for article_id, author_id in conn.execute(
        select(t["byline"].c.article_id, t["byline"].c.author_id).order_by("article_id", "position")
    ):
        bylines.setdefault(article_id, []).append(author_id)
    articles = [
        {
            "id": r.id,
            "title": r.title,
            "slug": r.slug,
            "summary": r.summary,
            "body": r.body_html,
            "published_at": format_time(r.published_at),
            "status": r.state,
            "section_id": r.section_id,
            "category_id": r.category_id,
            "author_ids": bylines.get(r.id, []),
            "lead_image_id": r.lead_image_id,
        }
        for r in conn.execute(select(t["article"]).order_by("id"))
    ]
    data = {
        "sections": sections,
        "categories": categories,
        "authors": authors,
        "images": images,
        "articles": articles,
    }
    for name, records in data.items():
        write_jsonl(folder / f"{name}.jsonl", records)
    return {name: len(records) for name, records in data.items()}


def _image(r: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": r.id,
        "title": r.title,
        "creator": r.creator,
        "source_name": r.source_name,
        "source_url": r.source_url,
        "license": r.license_code,
        "width": r.width,
        "height": r.height,
        "filename": r.filename,
    }
    if r.alt:
        record["alt"] = r.alt
    if r.creator_url:
        record["creator_url"] = r.creator_url
    if r.focal_x is not None and r.focal_y is not None:
        record["focal_point"] = [r.focal_x, r.focal_y]
    return record
