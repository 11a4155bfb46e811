"""Writing articles: validation, slugs, workflow, revisions, and no lost edits.

Every write runs in one transaction that checks first and changes after, so a
refused write changes nothing. Each saved change bumps the article's version,
stores a revision (who, when, the full content) and appends to the change log.
Updates carry the version the editor started from; a stale one is a CONFLICT.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from cms.errors import Forbidden, NotFound, Problem, Refused
from cms.models import (
    Article,
    ArticleAuthor,
    ArticleSlug,
    Author,
    Category,
    Image,
    License,
    Revision,
    Section,
)
from cms.models import State as S
from cms.services import changes
from cms.services.text import (
    html_to_text,
    markdown_to_html,
    reading_time_minutes,
    sanitize_html,
    slugify,
    summarise,
)
from cms.services.tokens import Caller

_article = Article.__table__  # type: ignore[attr-defined]
_byline = ArticleAuthor.__table__  # type: ignore[attr-defined]
_alias = ArticleSlug.__table__  # type: ignore[attr-defined]
_revision = Revision.__table__  # type: ignore[attr-defined]
_section = Section.__table__  # type: ignore[attr-defined]
_category = Category.__table__  # type: ignore[attr-defined]

UNSET: Any = object()  # an input field the caller did not send (as opposed to null)


@dataclass
class ArticleInput:
    title: Any = UNSET
    slug: Any = UNSET
    summary: Any = UNSET
    body_html: Any = UNSET
    body_markdown: Any = UNSET
    section_slug: Any = UNSET
    category_slug: Any = UNSET
    author_slugs: Any = UNSET
    lead_image_id: Any = UNSET  # database id, already decoded from the global ID
    canonical_url: Any = UNSET


@dataclass
class _Resolved:
    values: dict[str, Any] = field(default_factory=dict)
    author_ids: list[int] | None = None


def _problem(field_name: str, message: str, code: str = "INVALID") -> Problem:
    return Problem(field_name, message, code)


def _resolve(session: Session, data: ArticleInput, *, creating: bool) -> _Resolved:
    """Check every field and turn slugs into ids; collect all problems before refusing."""
    problems: list[Problem] = []
    out = _Resolved()
    if data.title is not UNSET or creating:
        title = (data.title if data.title is not UNSET else "") or ""
        if not title.strip():
            problems.append(_problem("title", "an article needs a title"))
        elif len(title) > 500:
            problems.append(_problem("title", "the title is longer than 500 characters"))
        else:
            out.values["title"] = title.strip()
    if data.body_html is not UNSET and data.body_markdown is not UNSET:
        problems.append(_problem("bodyMarkdown", "give `bodyHtml` or `bodyMarkdown`, not both"))
    elif data.body_markdown is not UNSET or data.body_html is not UNSET:
        raw = (
            markdown_to_html(data.body_markdown or "") if data.body_markdown is not UNSET else data.body_html
        )
        body = sanitize_html(raw or "")
        text = html_to_text(body)
        out.values.update(body_html=body, body_text=text, reading_time_minutes=reading_time_minutes(text))
    if data.summary is not UNSET:
        out.values["summary"] = (data.summary or "").strip()
    for name, table, column, value in (
        ("sectionSlug", _section, "section_id", data.section_slug),
        ("categorySlug", _category, "category_id", data.category_slug),
    ):
        if value is UNSET:
            continue
        pk = (
            None
            if value is None
            else session.execute(select(table.c.id).where(table.c.slug == value)).scalar()
        )
        if value is not None and pk is None:
            what = "section" if column == "section_id" else "category"
            problems.append(_problem(name, f"no {what} has the slug {value!r}", "NOT_FOUND"))
        out.values[column] = pk
    if data.author_slugs is not UNSET:
        slugs = list(data.author_slugs or [])
        if len(set(slugs)) != len(slugs):
            problems.append(_problem("authorSlugs", "an author appears twice in the byline"))
        table = Author.__table__  # type: ignore[attr-defined]
        found: dict[str, int] = dict(
            session.execute(select(table.c.slug, table.c.id).where(table.c.slug.in_(slugs))).all()
        )
        missing = [s for s in slugs if s not in found]
        if missing:
            listed = ", ".join(repr(s) for s in missing)
            message = f"no author has the slug {listed}"
            if len(missing) > 1:
                message = f"no authors have the slugs {listed}"
            problems.append(_problem("authorSlugs", message, "NOT_FOUND"))
        out.author_ids = [found[s] for s in slugs if s in found]
    if data.lead_image_id is not UNSET:
        if data.lead_image_id is not None:
            table = Image.__table__  # type: ignore[attr-defined]
            if session.execute(select(table.c.id).where(table.c.id == data.lead_image_id)).scalar() is None:
                problems.append(_problem("leadImageId", "no such image", "NOT_FOUND"))
        out.values["lead_image_id"] = data.lead_image_id
    if data.canonical_url is not UNSET:
        url = data.canonical_url
        if url is not None and not str(url).startswith(("https://", "http://")):
            problems.append(_problem("canonicalUrl", "the canonical URL must start with http:// or https://"))
        out.values["canonical_url"] = url
    if data.slug is not UNSET and data.slug is not None:
        slug = slugify(data.slug, max_length=250)
        if not slug:
            problems.append(_problem("slug", "the slug needs letters or digits"))
        out.values["slug"] = slug
    if problems:
        raise Refused(*problems)
    return out


def _slug_taken(session: Session, slug: str, *, article_id: int | None) -> bool:
    stmt = select(_article.c.id).where(_article.c.slug == slug)
    if article_id is not None:
        stmt = stmt.where(_article.c.id != article_id)
    if session.execute(stmt).first():
        return True
    alias_owner = session.execute(select(_alias.c.article_id).where(_alias.c.slug == slug)).scalar()
    return alias_owner is not None and alias_owner != article_id


def _free_slug(session: Session, base: str, *, article_id: int | None) -> str:
    base = base or "article"
    candidate, n = base, 1
    while _slug_taken(session, candidate, article_id=article_id):
        n += 1
        candidate = f"{base[:240]}-{n}"
    return candidate


def _snapshot(session: Session, article_id: int) -> dict[str, Any]:
    row = session.execute(select(_article).where(_article.c.id == article_id)).one()
    authors = list(
        session.execute(
            select(_byline.c.author_id).where(_byline.c.article_id == article_id).order_by(_byline.c.position)
        ).scalars()
    )
    return {
        "title": row.title, "slug": row.slug, "summary": row.summary, "body_html": row.body_html,
        "section_id": row.section_id, "category_id": row.category_id, "lead_image_id": row.lead_image_id,
        "canonical_url": row.canonical_url, "author_ids": authors, "state": row.state,
        "published_at": row.published_at.isoformat() if row.published_at else None,
    }  # fmt: skip


def _saved(
    session: Session, caller: Caller, article_id: int, *, version: int, kind: str, message: str, now: datetime
) -> None:
    revision = {
        "article_id": article_id, "version": version, "token_id": caller.token_id, "author_name": caller.name,
        "message": message, "snapshot": _snapshot(session, article_id), "created_at": now,
    }  # fmt: skip
    session.execute(insert(_revision), [revision])
    changes.record(session, entity="article", ids=[article_id], kind=kind)  # type: ignore[arg-type]


def _set_byline(session: Session, article_id: int, author_ids: list[int]) -> None:
    session.execute(delete(_byline).where(_byline.c.article_id == article_id))
    if author_ids:
        session.execute(
            insert(_byline),
            [{"article_id": article_id, "author_id": a, "position": i} for i, a in enumerate(author_ids)],
        )


def _load(session: Session, caller: Caller, article_id: int) -> Any:
    """The article, locked for this transaction, if the caller may edit it."""
    row = session.execute(select(_article).where(_article.c.id == article_id).with_for_update()).first()
    if row is None:
        raise NotFound("no such article", field="id")
    if not caller.is_editor and row.created_by != caller.token_id:
        raise Forbidden("authors may edit only the articles they created")
    return row


def create_article(session: Session, caller: Caller, data: ArticleInput, *, now: datetime) -> int:
    caller.require("write articles")
    resolved = _resolve(session, data, creating=True)
    values = resolved.values
    values["slug"] = _free_slug(
        session, values.get("slug") or slugify(values["title"], max_length=240), article_id=None
    )
    if "body_html" not in values:
        values.update(body_html="", body_text="", reading_time_minutes=1)
    if not values.get("summary"):
        values["summary"] = summarise(values["body_text"])
    values.update(state=S.DRAFT.value, created_at=now, updated_at=now, version=1, created_by=caller.token_id)
    pk = int(session.execute(insert(_article).returning(_article.c.id), [values]).scalar_one())
    _set_byline(session, pk, resolved.author_ids or [])
    _saved(session, caller, pk, version=1, kind="create", message="created", now=now)
    return pk


def _check_version(row: Any, expected_version: int) -> None:
    if row.version != expected_version:
        raise Refused(
            Problem(
                "expectedVersion",
                f"someone else saved this article since you opened it (now at version {row.version}, "
                f"you had version {expected_version}); reload it and apply your changes again",
                "CONFLICT",
                current_version=row.version,
            )
        )


def update_article(
    session: Session,
    caller: Caller,
    article_id: int,
    data: ArticleInput,
    *,
    expected_version: int,
    now: datetime,
) -> None:
    caller.require("write articles")
    row = _load(session, caller, article_id)
    _check_version(row, expected_version)
    resolved = _resolve(session, data, creating=False)
    values = resolved.values
    if "slug" in values and values["slug"] != row.slug:
        if _slug_taken(session, values["slug"], article_id=article_id):
            raise Refused(Problem("slug", f"the slug {values['slug']!r} is already used", "DUPLICATE"))
        # The old slug keeps working: links already shared never break.
        session.execute(delete(_alias).where(_alias.c.slug == values["slug"]))
        session.execute(insert(_alias), [{"slug": row.slug, "article_id": article_id}])
    if "body_text" in values and "summary" not in values and not row.summary:
        values["summary"] = summarise(values["body_text"])
    version = row.version + 1
    session.execute(
        update(_article).where(_article.c.id == article_id).values(**values, version=version, updated_at=now)
    )
    if resolved.author_ids is not None:
        _set_byline(session, article_id, resolved.author_ids)
    _saved(session, caller, article_id, version=version, kind="update", message="edited", now=now)


def _lead_image_problem(session: Session, image_id: int | None) -> Problem | None:
    """Publishing needs a complete credit on the lead image, as it needs alt text."""
    if image_id is None:
        return None
    image = Image.__table__  # type: ignore[attr-defined]
    lic = License.__table__  # type: ignore[attr-defined]
    row = session.execute(
        select(
            image.c.creator,
            image.c.source_url,
            image.c.title,
            image.c.alt,
            lic.c.requires_attribution,
            lic.c.code,
        )
        .join(lic, lic.c.code == image.c.license_code)
        .where(image.c.id == image_id)
    ).first()
    if row is None:
        return None
    if (row.requires_attribution or row.code == "ARR") and not row.creator:
        return Problem(
            "leadImageId", f"the lead image's credit names no creator, which {row.code} requires", "INVALID"
        )
    if row.requires_attribution and not (row.source_url or row.title):
        return Problem(
            "leadImageId",
            f"the lead image's credit needs a source URL or a title under {row.code}",
            "INVALID",
        )
    return None


def set_state(
    session: Session,
    caller: Caller,
    article_id: int,
    *,
    action: str,
    now: datetime,
    at: datetime | None = None,
) -> None:
    """publish (now or at a future time), unpublish, archive, trash, restore."""
    caller.require("write articles")
    if action in ("publish", "unpublish", "archive"):
        caller.require(f"{action} articles", editor=True)
    row = _load(session, caller, article_id)
    values: dict[str, Any]
    if action == "publish":
        problems = []
        byline = session.execute(select(func.count()).where(_byline.c.article_id == article_id)).scalar_one()
        if not byline:
            problems.append(
                Problem("authorSlugs", "an article needs at least one author to be published", "INVALID")
            )
        if row.state == S.TRASHED.value:
            problems.append(
                Problem("id", "restore the article from the trash before publishing it", "INVALID")
            )
        if image_problem := _lead_image_problem(session, row.lead_image_id):
            problems.append(image_problem)
        if problems:
            raise Refused(*problems)
        when = at or (row.published_at if row.state == S.PUBLISHED.value and row.published_at else now)
        values = {"state": S.PUBLISHED.value, "published_at": when}
        message = "scheduled" if when > now else "published"
    elif action == "unpublish":
        values, message = {"state": S.DRAFT.value}, "unpublished"
    elif action == "archive":
        values, message = {"state": S.ARCHIVED.value}, "archived"
    elif action == "trash":
        values, message = {"state": S.TRASHED.value}, "moved to the trash"
    elif action == "restore":
        if row.state != S.TRASHED.value:
            raise Refused(Problem("id", "the article is not in the trash", "INVALID"))
        values, message = {"state": S.DRAFT.value}, "restored from the trash"
    else:  # pragma: no cover - the API offers only the actions above
        raise ValueError(action)
    version = row.version + 1
    session.execute(
        update(_article).where(_article.c.id == article_id).values(**values, version=version, updated_at=now)
    )
    _saved(session, caller, article_id, version=version, kind="update", message=message, now=now)


def revert_article(
    session: Session, caller: Caller, article_id: int, revision_id: int, *, now: datetime
) -> None:
    """Bring back a revision's content (not its workflow state), as a new revision."""
    caller.require("write articles")
    row = _load(session, caller, article_id)
    old = session.execute(
        select(_revision).where(_revision.c.id == revision_id, _revision.c.article_id == article_id)
    ).first()
    if old is None:
        raise Refused(Problem("revisionId", "no such revision of this article", "NOT_FOUND"))
    snap = old.snapshot
    text = html_to_text(snap["body_html"])
    values = {
        "title": snap["title"], "summary": snap["summary"], "body_html": snap["body_html"], "body_text": text,
        "reading_time_minutes": reading_time_minutes(text), "section_id": snap["section_id"],
        "category_id": snap["category_id"], "lead_image_id": snap["lead_image_id"],
        "canonical_url": snap["canonical_url"],
    }  # fmt: skip
    version = row.version + 1
    session.execute(
        update(_article).where(_article.c.id == article_id).values(**values, version=version, updated_at=now)
    )
    existing = {
        a
        for a in session.execute(
            select(Author.__table__.c.id).where(Author.__table__.c.id.in_(snap["author_ids"]))  # type: ignore[attr-defined]
        ).scalars()
    }
    _set_byline(session, article_id, [a for a in snap["author_ids"] if a in existing])
    _saved(
        session,
        caller,
        article_id,
        version=version,
        kind="update",
        message=f"reverted to version {old.version}",
        now=now,
    )


def revisions(
    conn: Any, article_id: int, *, limit: int, before_version: int | None
) -> tuple[list[Any], bool, int]:
    """Newest first: a page of revisions, whether older ones remain, and how many there are."""
    stmt = select(_revision).where(_revision.c.article_id == article_id)
    if before_version is not None:
        stmt = stmt.where(_revision.c.version < before_version)
    rows = list(
        conn.execute(stmt.order_by(_revision.c.version.desc(), _revision.c.id.desc()).limit(limit + 1))
    )
    total = conn.execute(select(func.count()).where(_revision.c.article_id == article_id)).scalar_one()
    return rows[:limit], len(rows) > limit, int(total)
