"""Surrogate keys: the names of what a response shows, and of what a change touches.

One vocabulary for the response cache, the Surrogate-Key header and CDN purges:

- entities, by type and id: ``Article:42``, ``Author:3``, ``Section:7``, ``Category:2``, ``Image:9``;
- lists: ``articles`` (any list or search over all articles, and the totals), ``section:<slug>``,
  ``category:<slug>``, ``author:<slug>`` (lists narrowed to one of them), ``sections``,
  ``categories``, ``authors``, ``images``, ``licenses``.

A response carries the keys of everything it shows (a list also carries its list key, so an
article that joins it is noticed); a change names the entity and the lists it belongs to now
(one it left is noticed through the entity key, which the old list showed).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from cms.models import Article, ArticleAuthor, Author, Category, Change, Section

_article = Article.__table__  # type: ignore[attr-defined]
_byline = ArticleAuthor.__table__  # type: ignore[attr-defined]
_author = Author.__table__  # type: ignore[attr-defined]
_section = Section.__table__  # type: ignore[attr-defined]
_category = Category.__table__  # type: ignore[attr-defined]
_change = Change.__table__  # type: ignore[attr-defined]

ENTITY = {
    "article": "Article",
    "author": "Author",
    "section": "Section",
    "category": "Category",
    "image": "Image",
}
LISTS = {"author": "authors", "section": "sections", "category": "categories", "image": "images"}


def entity(kind: str, pk: int) -> str:
    return f"{ENTITY[kind]}:{pk}"


def changes_since(conn: Connection, seq: int, *, limit: int = 5000) -> tuple[list[Any], int]:
    """Change-log entries after ``seq`` (oldest first) and the newest sequence among them."""
    rows = list(
        conn.execute(
            select(_change.c.seq, _change.c.entity, _change.c.entity_id, _change.c.public)
            .where(_change.c.seq > seq)
            .order_by(_change.c.seq)
            .limit(limit)
        )
    )
    return rows, (rows[-1].seq if rows else seq)


def keys_for(conn: Connection, entries: Iterable[Any]) -> set[str]:
    """The keys a batch of change-log entries touches, from the entities' state now."""
    keys: set[str] = set()
    articles: set[int] = set()
    for entry in entries:
        keys.add(entity(entry.entity, entry.entity_id))
        if entry.entity == "article":
            articles.add(entry.entity_id)
        else:
            keys.add(LISTS[entry.entity])
    if articles:
        keys.add("articles")
        ids = sorted(articles)
        placed = select(_article.c.id, _section.c.slug.label("section"), _category.c.slug.label("category"))
        placed = placed.outerjoin(_section, _section.c.id == _article.c.section_id)
        placed = placed.outerjoin(_category, _category.c.id == _article.c.category_id)
        for row in conn.execute(placed.where(_article.c.id.in_(ids))):
            if row.section:
                keys.add(f"section:{row.section}")
            if row.category:
                keys.add(f"category:{row.category}")
        bylines = select(_author.c.slug).join(_byline, _byline.c.author_id == _author.c.id)
        keys.update(
            f"author:{slug}" for slug in conn.execute(bylines.where(_byline.c.article_id.in_(ids))).scalars()
        )
    return keys
