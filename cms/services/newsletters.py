"""From a published article to mails: one per subscriber, or a place in tomorrow's digest.

The worker fans each ``article.published`` event out here, in the transaction that marks the
event handled (so it happens once per event). A subscriber on the site list and the article's
section list gets one mail: immediately if either list is immediate, else in the daily digest.
``mail_sent`` holds one row per (subscriber, article) and is written first, so nothing sends an
article to anyone twice: not a retry, not a redelivery, not the same article published again
after an unpublish. Suppressed addresses are never mailed; whether a reader is still subscribed
and the article still public is checked again when the mail is written, just before sending.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import Connection, and_, exists, insert, select, update
from sqlalchemy.orm import Session

from cms.media.geometry import Fit
from cms.media.resolve import Ask, resolve
from cms.models import Article, MailingList, MailSent, State, Subscriber, Subscription, Suppression
from cms.services import mail_tokens, mails, outbox
from cms.services.articles import rows_by_ids
from cms.services.images import ladder_for
from cms.services.site import site
from cms.services.snapshot import ContentSnapshot
from cms.services.subscribers import SITE, all_lists, section_list_key
from cms.services.views import ArticleView, Reader
from cms.settings import Settings

_article = Article.__table__  # type: ignore[attr-defined]
_list = MailingList.__table__  # type: ignore[attr-defined]
_sent = MailSent.__table__  # type: ignore[attr-defined]
_subscriber = Subscriber.__table__  # type: ignore[attr-defined]
_subscription = Subscription.__table__  # type: ignore[attr-defined]
_suppression = Suppression.__table__  # type: ignore[attr-defined]
IMAGE_WIDTH = 600


def _public(conn: Connection, article_id: int, now: datetime) -> Any:
    row = conn.execute(
        select(_article.c.id, _article.c.section_id, _article.c.state, _article.c.published_at).where(
            _article.c.id == article_id
        )
    ).first()
    if (
        row is None
        or row.state != State.PUBLISHED.value
        or row.published_at is None
        or row.published_at > now
    ):
        return None
    return row


def _not_suppressed() -> Any:
    return ~exists().where(_suppression.c.address_key == _subscriber.c.address_key)


def fan_out(session: Session, event: Any, *, settings: Settings, now: datetime) -> int:
    """Queue the mails an ``article.published`` event calls for; returns how many were queued."""
    if event.event != "article.published":
        return 0
    conn = session.connection()
    article = _public(conn, event.payload["article_id"], now)
    if article is None:
        return 0  # unpublished (or rescheduled) before the event was handled
    keys = [SITE] + ([section_list_key(article.section_id)] if article.section_id is not None else [])
    lists = {
        r.id: r.mode for r in conn.execute(select(_list.c.id, _list.c.mode).where(_list.c.key.in_(keys)))
    }
    already = exists().where(_sent.c.subscriber_id == _subscriber.c.id, _sent.c.article_id == article.id)
    rows = conn.execute(
        select(_subscription.c.subscriber_id, _subscription.c.list_id)
        .join(_subscriber, _subscriber.c.id == _subscription.c.subscriber_id)
        .where(
            _subscription.c.list_id.in_(list(lists)), _subscription.c.status == "active",
            _subscriber.c.status == "active", _not_suppressed(), ~already,
        )
    )  # fmt: skip
    wanted: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        wanted[row.subscriber_id].append(row.list_id)
    if not wanted:
        return 0
    records, messages = [], []
    for subscriber_id, list_ids in sorted(wanted.items()):
        immediate = any(lists[i] == "immediate" for i in list_ids)
        records.append(
            {"subscriber_id": subscriber_id, "article_id": article.id,
             "kind": "immediate" if immediate else "digest", "queued_at": now}
        )  # fmt: skip
        if immediate:
            messages.append(
                {"event": "mail.article", "key": f"mail:{subscriber_id}:{article.id}",
                 "target_id": subscriber_id,
                 "payload": {"kind": "article", "article_id": article.id, "list_ids": sorted(list_ids)}}
            )  # fmt: skip
    for start in range(0, len(records), 500):
        session.execute(insert(_sent), records[start : start + 500])
    return outbox.emit_many(session, messages, topic="mail", now=now)


# --- Daily digests ------------------------------------------------------------------------------


def digest_cutoff(settings: Settings, now: datetime) -> datetime:
    """The latest moment digests were due at or before ``now`` (CMS_MAIL_DIGEST_TIME, site time)."""
    zone = site(settings).time_zone
    parts = [int(p) for p in settings.mail_digest_time.split(":")]
    at = time(parts[0], parts[1], parts[2] if len(parts) > 2 else 0)
    local = now.astimezone(zone)
    due = datetime.combine(local.date(), at, tzinfo=zone)
    if due > local:
        due = datetime.combine(local.date() - timedelta(days=1), at, tzinfo=zone)
    return due


def queue_digests(session: Session, *, settings: Settings, now: datetime) -> int:
    """One digest mail per subscriber for the articles waiting since before the last due time."""
    cutoff = digest_cutoff(settings, now)
    waiting = and_(_sent.c.kind == "digest", _sent.c.digest_key.is_(None), _sent.c.queued_at < cutoff)
    pick = select(_sent.c.id, _sent.c.subscriber_id, _sent.c.article_id).where(waiting)
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)  # two workers at the due time split the work
    rows = session.execute(pick)
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row.subscriber_id].append(row)
    messages = []
    day = cutoff.strftime("%Y-%m-%dT%H:%M")
    for subscriber_id, entries in sorted(grouped.items()):
        key = f"digest:{subscriber_id}:{day}"
        ids = [e.id for e in entries]
        session.execute(update(_sent).where(_sent.c.id.in_(ids)).values(digest_key=key))
        messages.append(
            {"event": "mail.digest", "key": key, "target_id": subscriber_id,
             "payload": {"kind": "digest", "article_ids": sorted(e.article_id for e in entries),
                         "day": cutoff.date().isoformat()}}
        )  # fmt: skip
    return outbox.emit_many(session, messages, topic="mail", now=now)


def digests_due(conn: Connection, *, settings: Settings, now: datetime) -> bool:
    cutoff = digest_cutoff(settings, now)
    waiting = and_(_sent.c.kind == "digest", _sent.c.digest_key.is_(None), _sent.c.queued_at < cutoff)
    return conn.execute(select(_sent.c.id).where(waiting).limit(1)).first() is not None


# --- Writing a queued mail, just before it is sent -----------------------------------------------


def _recipient(
    conn: Connection,
    settings: Settings,
    subscriber: Any,
    list_ids: list[int] | None,
    *,
    statuses: tuple[str, ...],
) -> mails.Recipient | None:
    """The subscriber with the lists named that they are still on; None when none are left."""
    on = {
        r.list_id
        for r in conn.execute(
            select(_subscription.c.list_id).where(
                _subscription.c.subscriber_id == subscriber.id, _subscription.c.status.in_(statuses)
            )
        )
    }
    refs = {ref.id: ref for ref in all_lists(conn) if ref.id}
    chosen = [i for i in (list_ids if list_ids is not None else sorted(on)) if i in on and i in refs]
    if not chosen:
        return None
    token = mail_tokens.unsubscribe_token(
        settings.secret_key, subscriber_id=subscriber.id, address_key=subscriber.address_key, list_ids=chosen
    )
    names = tuple(
        refs[i].name if refs[i].slug == SITE else f"{refs[i].name} ({refs[i].slug})" for i in chosen
    )
    return mails.Recipient(subscriber.email, names, mails.unsubscribe_url(settings, token))


def _image_url(settings: Settings, view: ArticleView) -> str | None:
    image = view.lead_image
    if image is None or image.sha256 is None:
        return None  # an imported record with no pixels yet has no rendition to show
    rendition = resolve(
        image.original, Ask(IMAGE_WIDTH, None, Fit.SCALE_DOWN), ladder=ladder_for(settings),
        max_size=settings.max_rendition_size,
    )  # fmt: skip
    return rendition.url(settings.public_url, settings.secret_key, image.original)


def _views(conn: Connection, settings: Settings, article_ids: list[int], now: datetime) -> list[ArticleView]:
    public = [a for a in article_ids if _public(conn, a, now) is not None]
    if not public:
        return []
    rows = rows_by_ids(conn, public, with_body=False)
    reader = Reader(conn, settings=settings, now=now, taxonomy=ContentSnapshot().taxonomy(conn, -1))
    views = reader.articles([rows[a] for a in public if a in rows])
    return sorted(views, key=lambda v: v.published_at or now, reverse=True)


def compose(
    conn: Connection, message: Any, *, settings: Settings, now: datetime
) -> tuple[EmailMessage | None, str]:
    """The mail an outbox message stands for, or None and why nothing is to be sent any more."""
    subscriber = conn.execute(select(_subscriber).where(_subscriber.c.id == message.target_id)).first()
    if subscriber is None:
        return None, "the subscriber was deleted"
    if conn.execute(
        select(_suppression.c.id).where(_suppression.c.address_key == subscriber.address_key)
    ).first():
        return None, "the address is suppressed"
    payload = message.payload
    key = message.key or f"outbox:{message.id}"
    if payload["kind"] == "confirm":
        to = _recipient(conn, settings, subscriber, payload.get("list_ids"), statuses=("pending",))
        if to is None:
            return None, "nothing is waiting for confirmation"
        token = mail_tokens.confirm_token(
            settings.secret_key, subscriber_id=subscriber.id, address_key=subscriber.address_key, now=now,
            days=settings.mail_unconfirmed_days,
        )  # fmt: skip
        return mails.confirmation(settings, to, link=mails.confirm_url(settings, token), key=key, now=now), ""
    if _already_sent(conn, message, subscriber.id):
        return None, "already sent"
    if payload["kind"] == "article":
        to = _recipient(conn, settings, subscriber, payload.get("list_ids"), statuses=("active",))
        views = _views(conn, settings, [payload["article_id"]], now)
        if to is None or not views:
            return None, "unsubscribed, or the article is no longer public"
        return mails.article(
            settings, to, views[0], image_url=_image_url(settings, views[0]), key=key, now=now
        ), ""
    to = _recipient(conn, settings, subscriber, None, statuses=("active",))
    views = _views(conn, settings, payload["article_ids"], now)
    if to is None or not views:
        return None, "unsubscribed, or no article in it is public any more"
    urls = {v.id: _image_url(settings, v) for v in views}
    return mails.digest(settings, to, views, image_urls=urls, day=payload["day"], key=key, now=now), ""


def _already_sent(conn: Connection, message: Any, subscriber_id: int) -> bool:
    condition = and_(_sent.c.subscriber_id == subscriber_id, _sent.c.sent_at.is_not(None))
    if message.payload["kind"] == "article":
        condition = and_(condition, _sent.c.article_id == message.payload["article_id"])
    else:
        condition = and_(condition, _sent.c.digest_key == message.key)
    return conn.execute(select(_sent.c.id).where(condition).limit(1)).first() is not None


def mark_sent(session: Session, message: Any, *, now: datetime) -> None:
    """The SMTP server took it: a retry or redelivery of this message now sends nothing."""
    payload = message.payload
    if payload["kind"] == "article":
        condition = and_(
            _sent.c.subscriber_id == message.target_id, _sent.c.article_id == payload["article_id"]
        )
    elif payload["kind"] == "digest":
        condition = _sent.c.digest_key == message.key
    else:
        return
    session.execute(update(_sent).where(condition).values(sent_at=now))
