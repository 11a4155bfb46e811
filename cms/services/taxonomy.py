"""Writing sections, categories and authors. Deleting one still in use is refused,
or reassigns its articles when asked to, so no reference ever dangles."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.orm import Session

from cms.errors import Problem, Refused
from cms.models import Article, ArticleAuthor, Author, Category, Image, Section
from cms.services import audit, changes
from cms.services.articles import visible
from cms.services.permissions import Action
from cms.services.text import slugify
from cms.services.tokens import Caller
from cms.wording import counted

Kind = Literal["section", "category", "author"]
_TABLES: dict[str, Table] = {
    "section": Section.__table__,  # type: ignore[attr-defined]
    "category": Category.__table__,  # type: ignore[attr-defined]
    "author": Author.__table__,  # type: ignore[attr-defined]
}
_LIMITS = {"name": 200, "slug": 200, "affiliation": 300}
_LONG_TEXT = 10_000
_article = Article.__table__  # type: ignore[attr-defined]
_byline = ArticleAuthor.__table__  # type: ignore[attr-defined]
_image = Image.__table__  # type: ignore[attr-defined]


def _clean(session: Session, table: Table, values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """Every field checked before anything is written; all problems reported together."""
    problems = []
    clean = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items() if k in table.c}
    for key in ("bio", "affiliation", "description"):
        if key in clean and clean[key] is None:
            clean[key] = ""  # null clears a text field
    if (creating or "name" in clean) and not clean.get("name"):
        problems.append(Problem("name", "a name is required", "INVALID"))
    if "slug" in clean:
        clean["slug"] = slugify(clean["slug"] or "")
        if not clean["slug"]:
            problems.append(Problem("slug", "the slug needs letters or digits", "INVALID"))
    for key, limit in _LIMITS.items():
        if isinstance(clean.get(key), str) and len(clean[key]) > limit:
            problems.append(Problem(key, f"`{key}` is longer than {limit} characters", "INVALID"))
    for key in ("bio", "description"):
        if isinstance(clean.get(key), str) and len(clean[key]) > _LONG_TEXT:
            problems.append(Problem(key, f"`{key}` is longer than {_LONG_TEXT} characters", "INVALID"))
    photo = clean.get("photo_id")
    if photo is not None and session.execute(select(_image.c.id).where(_image.c.id == photo)).first() is None:
        problems.append(Problem("photoId", "no such image", "NOT_FOUND"))
    if problems:
        raise Refused(*problems)
    return clean


def _slug_free(session: Session, table: Table, slug: str, pk: int | None) -> bool:
    stmt = select(table.c.id).where(table.c.slug == slug)
    if pk is not None:
        stmt = stmt.where(table.c.id != pk)
    return session.execute(stmt).first() is None


def create(session: Session, caller: Caller, kind: Kind, values: dict[str, Any], *, now: datetime) -> int:
    caller.require(Action.TAXONOMY_MANAGE)
    table = _TABLES[kind]
    values = dict(values)
    if not values.get("slug") and values.get("name"):
        values["slug"] = values["name"]
    clean = _clean(session, table, values, creating=True)
    if not _slug_free(session, table, clean["slug"], None):
        raise Refused(Problem("slug", f"the slug {clean['slug']!r} is already used", "DUPLICATE"))
    pk = int(
        session.execute(
            insert(table).returning(table.c.id), [{**clean, "created_at": now, "updated_at": now}]
        ).scalar_one()
    )
    changes.record(session, entity=kind, ids=[pk], kind="create")
    return pk


def update_one(
    session: Session, caller: Caller, kind: Kind, pk: int, values: dict[str, Any], *, now: datetime
) -> None:
    caller.require(Action.TAXONOMY_MANAGE)
    table = _TABLES[kind]
    if session.execute(select(table.c.id).where(table.c.id == pk)).first() is None:
        raise Refused(Problem("id", f"no such {kind}", "NOT_FOUND"))
    clean = _clean(session, table, values, creating=False)
    if "slug" in clean and not _slug_free(session, table, clean["slug"], pk):
        raise Refused(Problem("slug", f"the slug {clean['slug']!r} is already used", "DUPLICATE"))
    if clean:
        session.execute(update(table).where(table.c.id == pk).values(**clean, updated_at=now))
        changes.record(session, entity=kind, ids=[pk], kind="update")
        # Partners' copies of public articles show the name, slug and photo: refresh them.
        changes.record(session, entity="article", ids=_public_articles(session, kind, pk, now), kind="update")


def delete_one(
    session: Session, caller: Caller, kind: Kind, pk: int, *, reassign_to: str | None, now: datetime
) -> None:
    """Delete; if articles still use it, refuse unless ``reassign_to`` names where they go."""
    caller.require(Action.TAXONOMY_MANAGE)
    table = _TABLES[kind]
    if session.execute(select(table.c.id).where(table.c.id == pk)).first() is None:
        raise Refused(Problem("id", f"no such {kind}", "NOT_FOUND"))
    if kind == "author":
        used_by = list(
            session.execute(select(_byline.c.article_id).where(_byline.c.author_id == pk)).scalars()
        )
    else:
        column = _article.c.section_id if kind == "section" else _article.c.category_id
        used_by = list(session.execute(select(_article.c.id).where(column == pk)).scalars())
    if used_by:
        if reassign_to is None:
            users = counted(len(used_by), "article") + (" still uses" if len(used_by) == 1 else " still use")
            raise Refused(
                Problem(
                    "id",
                    f"{users} this {kind}; pass `reassignTo` with another {kind}'s slug",
                    "CONFLICT",
                )
            )
        target = session.execute(select(table.c.id).where(table.c.slug == reassign_to)).scalar()
        if target is None or target == pk:
            raise Refused(Problem("reassignTo", f"no other {kind} has the slug {reassign_to!r}", "NOT_FOUND"))
        if kind == "author":
            _reassign_bylines(session, pk, target, used_by)
        else:
            column_name = "section_id" if kind == "section" else "category_id"
            session.execute(
                update(_article)
                .where(_article.c.id.in_(used_by))
                .values({column_name: target, "updated_at": now, "version": _article.c.version + 1})
            )
        changes.record(session, entity="article", ids=used_by, kind="update")
    audit.record(session, caller, f"{kind}.delete", entity=kind, entity_id=pk, reassigned_to=reassign_to)
    session.execute(delete(table).where(table.c.id == pk))
    changes.record(session, entity=kind, ids=[pk], kind="delete")


def _public_articles(session: Session, kind: Kind, pk: int, now: datetime) -> list[int]:
    if kind == "author":
        stmt = (
            select(_article.c.id)
            .join(_byline, _byline.c.article_id == _article.c.id)
            .where(_byline.c.author_id == pk)
        )
    else:
        column = _article.c.section_id if kind == "section" else _article.c.category_id
        stmt = select(_article.c.id).where(column == pk)
    return sorted(int(i) for i in session.execute(stmt.where(visible(now))).scalars())


def _reassign_bylines(session: Session, old: int, new: int, article_ids: list[int]) -> None:
    # Where the new author is already on the byline, the old entry simply goes.
    already = set(
        session.execute(
            select(_byline.c.article_id).where(
                _byline.c.author_id == new, _byline.c.article_id.in_(article_ids)
            )
        ).scalars()
    )
    session.execute(delete(_byline).where(_byline.c.author_id == old, _byline.c.article_id.in_(already)))
    session.execute(
        update(_byline)
        .where(_byline.c.author_id == old, _byline.c.article_id.notin_(already))
        .values(author_id=new)
    )
