"""What sitemaps list: every article the public sees now, at its canonical URL (the publisher's),
in pages of at most 50,000 ordered by id, so a new article lands on the last page and earlier
pages keep their contents; and the News sitemap's articles of the last 48 hours.

URLs and visibility come from the read model; this module only pages through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, bindparam, func, select

from cms.services.articles import LIST_COLUMNS, article, visible
from cms.services.views import LOCATION_COLUMNS, ArticleLocation, ArticleView, Reader, Want

#: Google News reads articles of the last two days, at most 1,000 in one sitemap.
NEWS_WINDOW = timedelta(hours=48)
NEWS_MAX = 1000
_BARE = Want(authors=False, lead_image=False, photos=False)


@dataclass(frozen=True, slots=True)
class SitemapPage:
    number: int  # from 1
    lastmod: datetime | None


def pages(reader: Reader, *, size: int) -> list[SitemapPage]:
    """The pages of the index, each with the newest change among its articles (one statement)."""
    position = func.row_number().over(order_by=article.c.id).label("position")
    inner = (
        select(article.c.updated_at, article.c.published_at, position).where(visible(reader.now)).subquery()
    )
    number = ((inner.c.position - 1) // bindparam("size", size, type_=Integer)).label("number")
    stmt = (
        select(number, func.max(inner.c.updated_at), func.max(inner.c.published_at))
        .group_by(number)
        .order_by(number)
    )
    found = []
    for row in reader.conn.execute(stmt):
        changed = [value for value in (row[1], row[2]) if value is not None]
        found.append(SitemapPage(int(row[0]) + 1, max(changed) if changed else None))
    return found or [SitemapPage(1, None)]  # page 1 always exists, empty while nothing is public


def page_exists(reader: Reader, number: int, *, size: int) -> bool:
    """Whether page ``number`` lists anything; page 1 always exists (empty while nothing is public)."""
    if number == 1:
        return True
    if number < 1:
        return False
    stmt = select(article.c.id).where(visible(reader.now)).order_by(article.c.id)
    return reader.conn.execute(stmt.limit(1).offset((number - 1) * size)).first() is not None


def page(reader: Reader, number: int, *, size: int) -> list[ArticleLocation]:
    """Page ``number`` (from 1) of every visible article, by id; empty past the last page."""
    if number < 1:
        return []
    stmt = (
        select(*LOCATION_COLUMNS)
        .where(visible(reader.now))
        .order_by(article.c.id)
        .limit(size)
        .offset((number - 1) * size)
    )
    return reader.locations(list(reader.conn.execute(stmt)))


def news(reader: Reader) -> list[ArticleView]:
    """Articles that went live in the last 48 hours, newest first (at most 1,000)."""
    since = bindparam("since", reader.now - NEWS_WINDOW, type_=article.c.published_at.type)
    stmt = (
        select(*LIST_COLUMNS)
        .where(visible(reader.now), article.c.published_at >= since)
        .order_by(article.c.published_at.desc(), article.c.id.desc())
        .limit(NEWS_MAX)
    )
    return reader.articles(list(reader.conn.execute(stmt)), _BARE)
