"""Signing up for mail: double opt-in, with the same answer for every address.

``subscribe`` records the consent (time, source, address it came from) and queues a confirmation
mail; nothing is sent about articles until the link in it is followed. Whether the address was
new, pending, already subscribed or suppressed, the caller learns nothing: the answer is the same
``ok``, and only the mailbox's owner sees a difference (a confirmation mail, or none). Lists are
``site`` and one per section, named by the section's slug; no list named means ``site``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, select, update
from sqlalchemy.orm import Session

from cms.errors import Invalid, Problem, RateLimited, Refused
from cms.models import MailingList, Section, Subscriber, Subscription, Suppression
from cms.services import mail_tokens, outbox
from cms.services.ratelimit import RateLimiter, parse_rate
from cms.settings import Settings

_list = MailingList.__table__  # type: ignore[attr-defined]
_section = Section.__table__  # type: ignore[attr-defined]
_subscriber = Subscriber.__table__  # type: ignore[attr-defined]
_subscription = Subscription.__table__  # type: ignore[attr-defined]
_suppression = Suppression.__table__  # type: ignore[attr-defined]
SITE = "site"
MODES = ("immediate", "digest")
MAX_LISTS = 50


@dataclass(frozen=True, slots=True)
class ListRef:
    id: int
    slug: str
    name: str
    mode: str
    section_id: int | None


def normalise(email: Any) -> tuple[str, str]:
    """The address as mail is sent to it, and the key that makes two spellings one person.

    Syntax only (email-validator, no DNS): a lookup would make the answer slower for unknown
    domains, and a typo'd domain simply never confirms.
    """
    from email_validator import EmailNotValidError, validate_email

    if not isinstance(email, str) or not email.strip():
        raise Invalid("give an email address", field="email")
    if len(email) > 320:
        raise Invalid("an email address has at most 320 characters", field="email")
    try:
        info = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise Invalid(f"{str(email.strip())[:80]!r} is not an email address: {exc}", field="email") from None
    return info.normalized, info.normalized.casefold()


def section_list_key(section_id: int) -> str:
    return f"section:{section_id}"


def all_lists(conn: Connection | Session) -> list[ListRef]:
    """``site`` and every section's list, whether or not anyone has signed up to it yet."""
    rows = {r.key: r for r in conn.execute(select(_list))}
    site = rows[SITE]
    found = [ListRef(site.id, SITE, "Everything", site.mode, None)]
    for section in conn.execute(
        select(_section.c.id, _section.c.slug, _section.c.name).order_by(_section.c.name)
    ):
        row = rows.get(section_list_key(section.id))
        found.append(
            ListRef(
                row.id if row else 0, section.slug, section.name, row.mode if row else "immediate", section.id
            )
        )
    return found


def resolve_lists(session: Session, slugs: list[str] | None, *, now: datetime) -> list[ListRef]:
    """The lists named (``site`` when none are), making a section's list the first time it is asked for."""
    wanted = list(dict.fromkeys(s.strip().lower() for s in (slugs or [SITE]) if isinstance(s, str)))
    if not wanted:
        wanted = [SITE]
    if len(wanted) > MAX_LISTS:
        raise Refused(Problem("lists", f"name at most {MAX_LISTS} lists", "INVALID"))
    known = {ref.slug: ref for ref in all_lists(session)}
    unknown = [s for s in wanted if s not in known]
    if unknown:
        names = ", ".join(f"`{s}`" for s in list(known)[:20])
        raise Refused(
            Problem(
                "lists",
                f"no mailing list {', '.join(map(repr, unknown))}; the lists are {names}",
                "NOT_FOUND",
            )
        )
    refs = []
    for slug in wanted:
        ref = known[slug]
        if ref.id == 0 and ref.section_id is not None:
            ref = ListRef(
                _make_list(session, ref.section_id, now=now), ref.slug, ref.name, ref.mode, ref.section_id
            )
        refs.append(ref)
    return refs


def _make_list(session: Session, section_id: int, *, now: datetime) -> int:
    key = section_list_key(section_id)
    found = session.execute(select(_list.c.id).where(_list.c.key == key)).scalar()
    if found is not None:
        return int(found)
    values = {"key": key, "section_id": section_id, "mode": "immediate", "created_at": now, "updated_at": now}
    return int(session.execute(insert(_list).returning(_list.c.id), [values]).scalar_one())


def suppressed(conn: Connection | Session, address_key: str) -> bool:
    return (
        conn.execute(select(_suppression.c.id).where(_suppression.c.address_key == address_key)).first()
        is not None
    )


def check_client_rate(limiter: RateLimiter, settings: Settings, client: str) -> None:
    """Per client IP, counted before the address is even read (bad addresses count too)."""
    _hit(limiter, settings.rate_limit_subscribe, "subscribe-ip", client, "from your network address")


def check_address_rate(limiter: RateLimiter, settings: Settings, address_key: str) -> None:
    """Per target address, whoever asks: nobody can flood one mailbox with confirmation mails."""
    _hit(limiter, settings.rate_limit_subscribe_address, "subscribe-address", address_key, "for this email")


def _hit(limiter: RateLimiter, rate: str, kind: str, key: str, whose: str) -> None:
    limit = parse_rate(rate)
    if limit is None:
        return
    decision = limiter.hit(limit, kind, key)
    if not decision.allowed:
        raise RateLimited(
            f"too many sign-ups {whose}: the limit is {decision.limit} in {decision.window} s; "
            f"try again in {decision.retry_after} s",
            retry_after=decision.retry_after,
        )


def subscribe(
    session: Session,
    *,
    email: str,
    lists: list[str] | None,
    source: str,
    client: str,
    now: datetime,
) -> bool:
    """Record the sign-up and queue a confirmation mail; returns whether one was queued (never shown)."""
    address, key = normalise(email)
    refs = resolve_lists(session, lists, now=now)
    if suppressed(session, key):
        return False
    row = session.execute(select(_subscriber).where(_subscriber.c.address_key == key)).first()
    if row is None:
        subscriber_id = int(
            session.execute(
                insert(_subscriber).returning(_subscriber.c.id),
                [{"email": address, "address_key": key, "status": "pending", "consent_at": now,
                  "consent_source": source[:200], "consent_ip": client[:64], "created_at": now,
                  "updated_at": now}],
            ).scalar_one()
        )  # fmt: skip
        current: dict[int, str] = {}
    else:
        subscriber_id = row.id
        current = {
            r.list_id: r.status
            for r in session.execute(
                select(_subscription.c.list_id, _subscription.c.status).where(
                    _subscription.c.subscriber_id == subscriber_id
                )
            )
        }
    asked = [ref for ref in refs if current.get(ref.id) != "active"]
    if not asked:
        return False  # everything asked for is already active: nothing to confirm
    for ref in asked:
        values = {"status": "pending", "created_at": now, "confirmed_at": None, "unsubscribed_at": None}
        if ref.id in current:
            session.execute(
                update(_subscription)
                .where(_subscription.c.subscriber_id == subscriber_id, _subscription.c.list_id == ref.id)
                .values(**values)
            )
        else:
            session.execute(
                insert(_subscription), [{**values, "subscriber_id": subscriber_id, "list_id": ref.id}]
            )
    session.execute(
        update(_subscriber)
        .where(_subscriber.c.id == subscriber_id)
        .values(consent_at=now, consent_source=source[:200], consent_ip=client[:64], updated_at=now)
    )
    outbox.emit(
        session, topic="mail", event="mail.confirm", now=now, target_id=subscriber_id,
        payload={"kind": "confirm", "list_ids": [ref.id for ref in asked]},
    )  # fmt: skip
    return True


def _subscriber_for(session: Session, token: mail_tokens.MailToken, *, secret: str, now: datetime) -> Any:
    row = session.execute(select(_subscriber).where(_subscriber.c.id == token.subscriber_id)).first()
    if row is None:
        return None
    mail_tokens.verify(secret, token, address_key=row.address_key, now=now)
    return row


def confirm(session: Session, token: str, *, settings: Settings, now: datetime) -> list[int]:
    """Activate the sign-up's pending lists; returns their ids (none when followed twice)."""
    parsed = mail_tokens.parse(token, "c")
    row = _subscriber_for(session, parsed, secret=settings.secret_key, now=now)
    if row is None:
        raise mail_tokens.refused()  # deleted, or purged unconfirmed: sign up again
    pending = list(
        session.execute(
            select(_subscription.c.list_id).where(
                _subscription.c.subscriber_id == row.id, _subscription.c.status == "pending"
            )
        ).scalars()
    )
    if pending:
        session.execute(
            update(_subscription)
            .where(_subscription.c.subscriber_id == row.id, _subscription.c.status == "pending")
            .values(status="active", confirmed_at=now)
        )
    _settle(session, row.id, now=now, confirmed=bool(pending) and row.confirmed_at is None)
    return pending


def unsubscribe(session: Session, token: str, *, settings: Settings, now: datetime) -> list[int]:
    """Leave the lists the token names (every list for ``all``); returns the ids left."""
    parsed = mail_tokens.parse(token, "u")
    row = _subscriber_for(session, parsed, secret=settings.secret_key, now=now)
    if row is None:
        return []  # deleted on request: there is nothing left to unsubscribe
    condition = and_(_subscription.c.subscriber_id == row.id, _subscription.c.status != "unsubscribed")
    if parsed.list_ids is not None:
        condition = and_(condition, _subscription.c.list_id.in_(parsed.list_ids))
    left = list(session.execute(select(_subscription.c.list_id).where(condition)).scalars())
    if left:
        session.execute(
            update(_subscription).where(condition).values(status="unsubscribed", unsubscribed_at=now)
        )
    _settle(session, row.id, now=now)
    return left


def _settle(session: Session, subscriber_id: int, *, now: datetime, confirmed: bool = False) -> None:
    """The subscriber's status follows its lists: active on any, pending while only asked for."""
    statuses = set(
        session.execute(
            select(_subscription.c.status).where(_subscription.c.subscriber_id == subscriber_id)
        ).scalars()
    )
    status = "active" if "active" in statuses else "pending" if "pending" in statuses else "unsubscribed"
    values: dict[str, Any] = {"status": status, "updated_at": now}
    if confirmed:
        values["confirmed_at"] = now
    session.execute(update(_subscriber).where(_subscriber.c.id == subscriber_id).values(**values))


def purge_unconfirmed(session: Session, *, settings: Settings, now: datetime) -> int:
    """Forget sign-ups not confirmed in time: whole subscribers never confirmed, and lists asked
    for but not confirmed by those who were. Returns how many subscribers were deleted."""
    cutoff = now - timedelta(days=settings.mail_unconfirmed_days)
    session.execute(
        delete(_subscription).where(_subscription.c.status == "pending", _subscription.c.created_at < cutoff)
    )
    never = and_(_subscriber.c.confirmed_at.is_(None), _subscriber.c.consent_at < cutoff)
    gone = session.execute(delete(_subscriber).where(never))
    return int(gone.rowcount or 0)  # type: ignore[attr-defined]
