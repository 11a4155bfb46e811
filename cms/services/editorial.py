"""Saving articles: validation, slugs, revisions, and no lost edits.

Every write runs in one transaction that checks first and changes after, so a refused write
changes nothing. Each save bumps the article's version and stores a revision (who, when, the full
content). A draft's content lives in its row; a published article's edits become pending changes
(see cms.services.content) that the public does not see until they are published. Updates carry
the version the editor started from; a stale one is a CONFLICT. Workflow steps (publish, trash ...)
are in cms.services.workflow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from cms.errors import Invalid, Problem, Refused
from cms.models import Article, ArticleAuthor, ArticleSlug, Author, Category, Image, Revision, Section
from cms.models import State as S
from cms.services import changes, content, library, workflow
from cms.services.checks import web_url
from cms.services.content import Content
from cms.services.permissions import Action
from cms.services.text import html_to_text, markdown_to_html, sanitize_html, slugify, summarise
from cms.services.tokens import Caller

_article = Article.__table__  # type: ignore[attr-defined]
_byline = ArticleAuthor.__table__  # type: ignore[attr-defined]
_alias = ArticleSlug.__table__  # type: ignore[attr-defined]
_revision = Revision.__table__  # type: ignore[attr-defined]
_section = Section.__table__  # type: ignore[attr-defined]
_category = Category.__table__  # type: ignore[attr-defined]
_author = Author.__table__  # type: ignore[attr-defined]
_image = Image.__table__  # type: ignore[attr-defined]

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
        out.values["body_html"] = sanitize_html(raw or "")
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
        try:
            out.values["canonical_url"] = web_url(data.canonical_url, field="canonicalUrl") or None
        except Invalid as exc:
            problems.append(_problem("canonicalUrl", f"`canonicalUrl`: {exc.message}"))
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


def create_article(session: Session, caller: Caller, data: ArticleInput, *, now: datetime) -> int:
    caller.require(Action.ARTICLE_CREATE)
    resolved = _resolve(session, data, creating=True)
    values = resolved.values
    values["slug"] = _free_slug(
        session, values.get("slug") or slugify(values["title"], max_length=240), article_id=None
    )
    body_html = values.get("body_html", "")
    if not values.get("summary"):
        values["summary"] = summarise(html_to_text(body_html))
    body = Content(
        title=values["title"], slug=values["slug"], summary=values["summary"], body_html=body_html,
        section_id=values.get("section_id"), category_id=values.get("category_id"),
        lead_image_id=values.get("lead_image_id"), canonical_url=values.get("canonical_url"),
        author_ids=tuple(resolved.author_ids or ()),
    )  # fmt: skip
    row_values = {
        **{name: getattr(body, name) for name in content.FIELDS if name != "author_ids"},
        **content.derived(body),
        "state": S.DRAFT.value, "created_at": now, "updated_at": now, "version": 1,
        "created_by": caller.token_id,
    }  # fmt: skip
    pk = int(session.execute(insert(_article).returning(_article.c.id), [row_values]).scalar_one())
    if body.author_ids:
        session.execute(
            insert(_byline),
            [{"article_id": pk, "author_id": a, "position": i} for i, a in enumerate(body.author_ids)],
        )
    library.set_usage(
        session, pk, roles={"lead": [body.lead_image_id], "body": library.body_image_ids(session, body_html)}
    )
    content.save_revision(
        session, article_id=pk, version=1, content=body, state=S.DRAFT.value, published_at=None,
        token_id=caller.token_id, author_name=caller.name, message="created", now=now,
    )  # fmt: skip
    changes.record(session, entity="article", ids=[pk], kind="create", public=False)
    return pk


def _save(
    session: Session, caller: Caller, loaded: workflow.Loaded, body: Content, *, message: str, now: datetime
) -> None:
    """Save new content: into the row for a draft, as pending changes for a published article
    (the live version stays what the public sees until the changes are published)."""
    row = loaded.row
    version = row.version + 1
    if row.state == S.PUBLISHED.value:
        session.execute(update(_article).where(_article.c.id == row.id).values(version=version))
        content.note_pending(session, row.id, body)
    else:
        content.write_row(session, row, body, version=version, updated_at=now)
        changes.record(session, entity="article", ids=[row.id], kind="update", public=False)
    content.save_revision(
        session, article_id=row.id, version=version, content=body, state=row.state,
        published_at=row.published_at, token_id=caller.token_id, author_name=caller.name,
        message=message, now=now,
    )  # fmt: skip


def update_article(
    session: Session,
    caller: Caller,
    article_id: int,
    data: ArticleInput,
    *,
    expected_version: int,
    now: datetime,
    publish: bool = False,
) -> None:
    """Save changes made to ``expected_version``; with ``publish``, also publish them at once
    (for callers allowed to publish: the same as saving, then publishArticle)."""
    loaded = workflow.load_for(session, caller, article_id, Action.ARTICLE_EDIT, now=now)
    if publish:
        caller.require(Action.ARTICLE_PUBLISH, own=loaded.own, state=loaded.status)
    row = loaded.row
    workflow.check_version(row, expected_version)
    resolved = _resolve(session, data, creating=False)
    values = dict(resolved.values)
    if resolved.author_ids is not None:
        values["author_ids"] = resolved.author_ids
    base = content.latest(session, row)
    if (
        "slug" in values
        and values["slug"] != base.slug
        and _slug_taken(session, values["slug"], article_id=article_id)
    ):
        raise Refused(Problem("slug", f"the slug {values['slug']!r} is already used", "DUPLICATE"))
    if "body_html" in values and "summary" not in values and not base.summary:
        values["summary"] = summarise(html_to_text(values["body_html"]))
    body = base.changed(**{k: v for k, v in values.items() if k in content.FIELDS})
    if body != base:
        _save(session, caller, loaded, body, message="edited", now=now)
    if publish:
        workflow.publish(session, caller, article_id, now=now)


def revert_article(
    session: Session, caller: Caller, article_id: int, revision_id: int, *, now: datetime
) -> None:
    """Bring back a revision's content (not its workflow state) as a new save: pending
    changes on a published article, the draft otherwise."""
    loaded = workflow.load_for(session, caller, article_id, Action.ARTICLE_REVERT, now=now)
    old = session.execute(
        select(_revision).where(_revision.c.id == revision_id, _revision.c.article_id == article_id)
    ).first()
    if old is None:
        raise Refused(Problem("revisionId", "no such revision of this article", "NOT_FOUND"))
    if old.version == loaded.row.version:
        raise Refused(Problem("revisionId", "this revision is the current version already", "INVALID"))
    body = Content.from_snapshot(old.snapshot)
    # What no longer exists cannot come back: a deleted author leaves the byline, a deleted
    # section, category or image leaves its field empty, and a slug now taken keeps the current one.
    existing = set(session.execute(select(_author.c.id).where(_author.c.id.in_(body.author_ids))).scalars())
    fixes: dict[str, Any] = {"author_ids": [a for a in body.author_ids if a in existing]}
    for name, table in (("section_id", _section), ("category_id", _category), ("lead_image_id", _image)):
        value = getattr(body, name)
        if (
            value is not None
            and session.execute(select(table.c.id).where(table.c.id == value)).first() is None
        ):
            fixes[name] = None
    if _slug_taken(session, body.slug, article_id=article_id):
        fixes["slug"] = content.latest(session, loaded.row).slug
    _save(
        session, caller, loaded, body.changed(**fixes), message=f"reverted to version {old.version}", now=now
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
