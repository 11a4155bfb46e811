"""The image library: which images exist, which the public may see, and who uses them.

An image is public only when a published article whose time has come uses it (as lead image,
inside its body, or as the photo of one of its authors), or when an editor marked it public.
Pictures for an embargoed story therefore stay private until the story goes out, by every path:
``image(id:)``, ``node(id:)``, the ``images`` list and its count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.orm import Session

from cms import driver
from cms.models import Article, ArticleAuthor, ArticleImage, Author, Image
from cms.services.articles import visible
from cms.services.pagination import contains_pattern

image = Image.__table__  # type: ignore[attr-defined]
usage = ArticleImage.__table__  # type: ignore[attr-defined]
_article = Article.__table__  # type: ignore[attr-defined]
_byline = ArticleAuthor.__table__  # type: ignore[attr-defined]
_author = Author.__table__  # type: ignore[attr-defined]

IMAGE_COLUMNS = [c for c in image.c if c.name not in {"created_at", "updated_at", "external_ref"}]
_BY_IDS = select(*IMAGE_COLUMNS).where(image.c.id.in_(bindparam("ids", expanding=True)))
# Rendition URLs name the original by its hash (or, with no file yet, by "i<id>").
_RENDITION = re.compile(r"/media/r/[A-Za-z0-9_-]+/([0-9a-f]{64}|i[0-9]{1,12})/")
LIVE_ROLES = ("lead", "body")


def public_clause(now: datetime) -> ColumnElement[bool]:
    """True for images the public may see at ``now``."""
    shown = exists().where(
        usage.c.image_id == image.c.id,
        usage.c.role.in_(LIVE_ROLES),
        _article.c.id == usage.c.article_id,
        visible(now),
    )
    portrait = exists().where(
        _author.c.photo_id == image.c.id,
        _byline.c.author_id == _author.c.id,
        _article.c.id == _byline.c.article_id,
        visible(now),
    )
    return or_(image.c.public.is_(True), shown, portrait)


def by_ids(
    conn: Connection, image_ids: Iterable[int | None], *, public: bool, now: datetime
) -> dict[int, Row[Any]]:
    ids = sorted({i for i in image_ids if i is not None})
    if not ids:
        return {}
    stmt = _BY_IDS.where(public_clause(now)) if public else _BY_IDS
    return {row.id: row for row in conn.execute(stmt, {"ids": ids})}


def trusted_by_ids(conn: Connection, image_ids: Iterable[int | None]) -> dict[int, Row[Any]]:
    """Images the caller already may see (lead images and portraits of articles it may read)."""
    ids = sorted({i for i in image_ids if i is not None})
    if not ids:
        return {}
    return {row.id: row for row in driver.rows(conn, _BY_IDS, {"ids": ids})}


def matching(search: str | None) -> list[ColumnElement[bool]]:
    """Images whose title, alt text, creator or source contains ``search`` (any case)."""
    if not search or not search.strip():
        return []
    pattern = contains_pattern(search)
    columns = (image.c.title, image.c.alt, image.c.creator, image.c.source_name)
    return [or_(*(func.lower(column).like(pattern, escape="\\") for column in columns))]


def page(
    conn: Connection,
    *,
    limit: int,
    before_id: int | None,
    public: bool,
    now: datetime,
    search: str | None = None,
) -> tuple[list[int], bool, int]:
    """Image ids for the library, newest first, whether more remain, and how many there are."""
    conditions: list[ColumnElement[bool]] = [public_clause(now)] if public else []
    conditions += matching(search)
    stmt = select(image.c.id).where(*conditions)
    if before_id is not None:
        stmt = stmt.where(image.c.id < before_id)
    ids = list(conn.execute(stmt.order_by(image.c.id.desc()).limit(limit + 1)).scalars())
    total = int(conn.execute(select(func.count()).select_from(image).where(*conditions)).scalar_one())
    return ids[:limit], len(ids) > limit, total


def used_by(conn: Connection, image_ids: Iterable[int]) -> dict[int, int]:
    """How many articles use each image (in any role, drafts included), for the library."""
    ids = sorted(set(image_ids))
    if not ids:
        return {}
    stmt = (
        select(usage.c.image_id, func.count(func.distinct(usage.c.article_id)))
        .where(usage.c.image_id.in_(ids))
        .group_by(usage.c.image_id)
    )
    found = {int(i): int(n) for i, n in conn.execute(stmt)}
    return {i: found.get(i, 0) for i in ids}


def rendition_sources(body_html: str) -> set[str]:
    """The originals (hash, or ``i<id>``) whose renditions a body shows."""
    return set(_RENDITION.findall(body_html or ""))


def by_sources(conn: Connection, sources: Iterable[str]) -> list[Row[Any]]:
    """Image rows named by rendition sources."""
    hashes = sorted(s for s in sources if not s.startswith("i"))
    ids = sorted(int(s[1:]) for s in sources if s.startswith("i"))
    stmt = select(*IMAGE_COLUMNS).where(or_(image.c.sha256.in_(hashes), image.c.id.in_(ids)))
    return list(conn.execute(stmt))


_FIGURE = re.compile(r"<figure>(?:(?!</figure>).)*?</figure>", re.DOTALL)
_IMG = re.compile(r"<img\b[^>]*>")


def without_images(body_html: str, sources: set[str]) -> str:
    """The body without the images (and figures holding them) whose originals are ``sources``.

    Bodies are sanitised HTML (nh3 output: lower-case tags, quoted attributes, no comments), so
    these patterns see every image tag there is.
    """

    def named(tag: str) -> bool:
        return any(source in sources for source in _RENDITION.findall(tag))

    body = _FIGURE.sub(
        lambda m: "" if any(named(t) for t in _IMG.findall(m.group(0))) else m.group(0), body_html
    )
    return _IMG.sub(lambda m: "" if named(m.group(0)) else m.group(0), body)


def body_image_ids(session: Session | Connection, body_html: str) -> set[int]:
    """The library images a body shows, found by their rendition URLs."""
    hashes, ids = set(), set()
    for source in _RENDITION.findall(body_html or ""):
        if source.startswith("i"):
            ids.add(int(source[1:]))
        else:
            hashes.add(source)
    if hashes:
        ids.update(session.execute(select(image.c.id).where(image.c.sha256.in_(sorted(hashes)))).scalars())
    if not ids:
        return set()
    return set(session.execute(select(image.c.id).where(image.c.id.in_(sorted(ids)))).scalars())


def set_usage(session: Session, article_id: int, *, roles: dict[str, Iterable[int | None]]) -> None:
    """Replace the article's usage rows for the given roles (``lead``, ``body``, ``pending``)."""
    session.execute(delete(usage).where(usage.c.article_id == article_id, usage.c.role.in_(list(roles))))
    rows = [
        {"article_id": article_id, "image_id": image_id, "role": role}
        for role, image_ids in roles.items()
        for image_id in sorted({i for i in image_ids if i is not None})
    ]
    if rows:
        session.execute(insert(usage), rows)


def articles_using(session: Session | Connection, image_id: int, *, now: datetime) -> list[int]:
    """Public articles whose payload shows the image: partners' copies must be refreshed when it changes."""
    direct = select(usage.c.article_id).where(usage.c.image_id == image_id, usage.c.role.in_(LIVE_ROLES))
    portrait = (
        select(_byline.c.article_id)
        .join(_author, _author.c.id == _byline.c.author_id)
        .where(_author.c.photo_id == image_id)
    )
    candidates = direct.union(portrait).subquery()
    stmt = select(_article.c.id).where(and_(_article.c.id.in_(select(candidates)), visible(now)))
    return sorted(int(i) for i in session.execute(stmt).scalars())
