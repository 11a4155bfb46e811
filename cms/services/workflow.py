"""An article's life: publish (now, scheduled, or its pending changes), unpublish, archive,
trash, restore, delete for good, and the clock that makes scheduled articles public.

Each step checks the permission table, then the state's preconditions (refusing with INVALID and
changing nothing), bumps the version, saves one revision and appends to the change log, all in the
caller's transaction. Steps that are not saves also go to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.orm import Session

from cms.errors import NotFound, Problem, Refused
from cms.models import ApiToken, Article, ArticleAuthor, Image, License
from cms.models import State as S
from cms.services import audit, changes, content, events
from cms.services.content import Content
from cms.services.permissions import Action
from cms.services.tokens import Caller

_article = Article.__table__  # type: ignore[attr-defined]
_token = ApiToken.__table__  # type: ignore[attr-defined]
_byline = ArticleAuthor.__table__  # type: ignore[attr-defined]


def status_of(state: str, published_at: datetime | None, now: datetime) -> str:
    """draft, scheduled, published, archived or trashed (SCHEDULED is PUBLISHED with a future time)."""
    if state == S.PUBLISHED.value and published_at is not None and published_at > now:
        return "scheduled"
    return state


@dataclass(frozen=True)
class Loaded:
    row: Any
    own: bool
    status: str


def load_for(session: Session, caller: Caller, article_id: int, action: Action, *, now: datetime) -> Loaded:
    """The article, locked for this transaction, once the permission table allows ``action``."""
    stmt = (
        select(_article, _token.c.name.label("creator_name"))
        .outerjoin(_token, _token.c.id == _article.c.created_by)
        .where(_article.c.id == article_id)
        .with_for_update(of=_article)
    )
    row = session.execute(stmt).first()
    if row is None:
        caller.require(action)  # a caller without the right learns nothing about which ids exist
        raise NotFound("no such article", field="id")
    loaded = Loaded(row, caller.owns(row.creator_name), status_of(row.state, row.published_at, now))
    caller.require(action, own=loaded.own, state=loaded.status)
    return loaded


def check_version(row: Any, expected_version: int | None) -> None:
    if expected_version is not None and row.version != expected_version:
        raise Refused(
            Problem(
                "expectedVersion",
                f"someone else saved this article since you opened it (now at version {row.version}, "
                f"you had version {expected_version}); reload it and apply your changes again",
                "CONFLICT",
                current_version=row.version,
            )
        )


def _is_public(row: Any) -> bool:
    return bool(row.state == S.PUBLISHED.value and row.announced)


def _step(
    session: Session,
    caller: Caller,
    row: Any,
    body: Content,
    *,
    message: str,
    now: datetime,
    state: str,
    published_at: datetime | None,
    announced: bool,
    live: bool,
    kind: str = "update",
) -> int:
    """Write a workflow step: the row takes ``body`` and the new state; one revision; one change."""
    version = row.version + 1
    content.write_row(
        session, row, body,
        state=state, published_at=published_at, announced=announced, version=version,
        live_version=version if live else None, updated_at=now,
    )  # fmt: skip
    content.save_revision(
        session, article_id=row.id, version=version, content=body, state=state, published_at=published_at,
        token_id=caller.token_id, author_name=caller.name, message=message, now=now,
    )  # fmt: skip
    changes.record(
        session, entity="article", ids=[row.id], kind=kind,  # type: ignore[arg-type]
        public=_is_public(row) or announced,
    )  # fmt: skip
    return int(version)


def _publish_problems(session: Session, row: Any, body: Content) -> list[Problem]:
    problems = []
    if not body.author_ids:
        problems.append(
            Problem("authorSlugs", "an article needs at least one author to be published", "INVALID")
        )
    if row.state == S.TRASHED.value:
        problems.append(Problem("id", "restore the article from the trash before publishing it", "INVALID"))
    if image_problem := _lead_image_problem(session, body.lead_image_id):
        problems.append(image_problem)
    return problems


def _lead_image_problem(session: Session, image_id: int | None) -> Problem | None:
    """Publishing needs a complete credit on the lead image, as it needs alt text."""
    if image_id is None:
        return None
    image = Image.__table__  # type: ignore[attr-defined]
    lic = License.__table__  # type: ignore[attr-defined]
    row = session.execute(
        select(image.c.creator, image.c.source_url, image.c.title, lic.c.requires_attribution, lic.c.code)
        .join(lic, lic.c.code == image.c.license_code)
        .where(image.c.id == image_id)
    ).first()
    if row is None:
        return Problem("leadImageId", "the lead image no longer exists", "NOT_FOUND")
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


def publish(
    session: Session,
    caller: Caller,
    article_id: int,
    *,
    now: datetime,
    at: datetime | None = None,
    expected_version: int | None = None,
    loaded: Loaded | None = None,
) -> bool:
    """Publish now, at a future ``at`` (scheduled), or publish a live article's pending changes.

    "Publish" means now unless ``at`` is given, also for a scheduled article. A live article keeps
    its first publication time when its changes are published. Returns False when there was
    nothing to do (already live, no pending changes, no new time), writing nothing.
    """
    loaded = loaded or load_for(session, caller, article_id, Action.ARTICLE_PUBLISH, now=now)
    caller.require(Action.ARTICLE_PUBLISH, own=loaded.own, state=loaded.status)
    row = loaded.row
    check_version(row, expected_version)
    body = content.latest(session, row)
    if problems := _publish_problems(session, row, body):
        raise Refused(*problems)
    live_now = loaded.status == "published"
    if live_now and at is not None and at > now:
        raise Refused(
            Problem(
                "at",
                "the article is already public: publish its changes now, or unpublish it first to "
                "schedule it again",
                "INVALID",
            )
        )
    when = at or (row.published_at if live_now else now)
    if live_now and when == row.published_at and not content.has_pending(row):
        return False
    scheduled = when > now
    message = f"scheduled for {when.isoformat()}" if scheduled else "published"
    if live_now and content.has_pending(row):
        message = "published changes"
    _step(
        session, caller, row, body, message=message, now=now, state=S.PUBLISHED.value,
        published_at=when, announced=not scheduled, live=True,
    )  # fmt: skip
    audit.record(session, caller, "article.publish", entity="article", entity_id=row.id, at=when.isoformat())
    if not scheduled:
        event = "article.updated" if _is_public(row) else "article.published"
        events.record(session, event, now=now, article_id=row.id)
    return True


_LEFT = {
    S.DRAFT.value: "article.unpublished",
    S.ARCHIVED.value: "article.archived",
    S.TRASHED.value: "article.trashed",
}


def _leave(
    session: Session, caller: Caller, loaded: Loaded, *, state: str, message: str, now: datetime, action: str
) -> None:
    row = loaded.row
    if _is_public(row):
        events.record(session, _LEFT[state], now=now, article_id=row.id)
    keep_time = row.published_at if state == S.ARCHIVED.value else None
    _step(
        session, caller, row, content.latest(session, row), message=message, now=now, state=state,
        published_at=keep_time, announced=False, live=False,
    )  # fmt: skip
    audit.record(session, caller, action, entity="article", entity_id=row.id, was=loaded.status)


def unpublish(session: Session, caller: Caller, article_id: int, *, now: datetime) -> None:
    """Back to draft: a live article comes down, a scheduled one stops being scheduled. Pending
    changes become the draft; the publication time is cleared."""
    loaded = load_for(session, caller, article_id, Action.ARTICLE_UNPUBLISH, now=now)
    if loaded.row.state != S.PUBLISHED.value:
        raise Refused(Problem("id", f"the article is not published (it is {loaded.status})", "INVALID"))
    message = "schedule cancelled" if loaded.status == "scheduled" else "unpublished"
    _leave(session, caller, loaded, state=S.DRAFT.value, message=message, now=now, action="article.unpublish")


def archive(session: Session, caller: Caller, article_id: int, *, now: datetime) -> None:
    loaded = load_for(session, caller, article_id, Action.ARTICLE_ARCHIVE, now=now)
    if loaded.row.state in (S.ARCHIVED.value, S.TRASHED.value):
        raise Refused(Problem("id", f"the article is {loaded.status} already", "INVALID"))
    _leave(
        session, caller, loaded, state=S.ARCHIVED.value, message="archived", now=now, action="article.archive"
    )


def trash(session: Session, caller: Caller, article_id: int, *, now: datetime) -> None:
    loaded = load_for(session, caller, article_id, Action.ARTICLE_TRASH, now=now)
    if loaded.row.state == S.TRASHED.value:
        raise Refused(Problem("id", "the article is in the trash already", "INVALID"))
    _leave(
        session, caller, loaded, state=S.TRASHED.value, message="moved to the trash", now=now,
        action="article.trash",
    )  # fmt: skip
    _revoke_previews(session, article_id)


def restore(session: Session, caller: Caller, article_id: int, *, now: datetime) -> None:
    loaded = load_for(session, caller, article_id, Action.ARTICLE_RESTORE, now=now)
    if loaded.row.state != S.TRASHED.value:
        raise Refused(Problem("id", "the article is not in the trash", "INVALID"))
    _leave(
        session, caller, loaded, state=S.DRAFT.value, message="restored from the trash", now=now,
        action="article.restore",
    )  # fmt: skip


def delete_for_good(session: Session, caller: Caller, article_id: int, *, now: datetime) -> None:
    """Delete the article, its revisions and former slugs. Partners get a DELETED tombstone."""
    loaded = load_for(session, caller, article_id, Action.ARTICLE_DELETE, now=now)
    row = loaded.row
    audit.record(
        session, caller, "article.delete", entity="article", entity_id=row.id, slug=row.slug, title=row.title
    )
    session.execute(delete(_article).where(_article.c.id == article_id))
    changes.record(session, entity="article", ids=[article_id], kind="delete", public=_is_public(row))
    if _is_public(row):
        events.record(session, "article.deleted", now=now, article_id=row.id, slug=row.slug, title=row.title)


def _revoke_previews(session: Session, article_id: int) -> None:
    session.execute(
        update(_article)
        .where(_article.c.id == article_id)
        .values(preview_generation=_article.c.preview_generation + 1)
    )


def revoke_preview_links(session: Session, caller: Caller, article_id: int, *, now: datetime) -> None:
    """Every preview link handed out for the article stops working at once."""
    load_for(session, caller, article_id, Action.ARTICLE_PREVIEW_LINK, now=now)
    _revoke_previews(session, article_id)
    audit.record(session, caller, "article.revoke_preview_links", entity="article", entity_id=article_id)


_DUE = and_(_article.c.state == S.PUBLISHED.value, _article.c.announced.is_(False))


def next_announcement(conn: Any) -> datetime | None:
    """When the next scheduled article goes public (or one already should have)."""
    value: datetime | None = conn.execute(select(func.min(_article.c.published_at)).where(_DUE)).scalar_one()
    return value


def announce_due(session: Session, *, now: datetime) -> list[int]:
    """The clock as a writer: articles whose time has come get their change-log entry, exactly once.

    Takes the writers' lock before looking, so two nodes (or a node and the worker) noticing the
    same moment cannot both announce: the second finds nothing left to do.
    """
    changes.lock(session)
    due = list(
        session.execute(
            select(_article.c.id)
            .where(_DUE, _article.c.published_at <= now)
            .order_by(_article.c.published_at)
        ).scalars()
    )
    if not due:
        return []
    session.execute(update(_article).where(_article.c.id.in_(due)).values(announced=True))
    changes.record(session, entity="article", ids=due, kind="update", public=True)
    for article_id in due:
        audit.record(
            session, None, "article.went_live", entity="article", entity_id=article_id, actor="clock"
        )
        events.record(session, "article.published", now=now, article_id=article_id)
    return due
