"""What admins do with the audience: counts, list modes, export, suppression, deletion on request.

Every action is a row in the permission table and leaves an entry in the audit log. Entries name
subscribers by id, never by address: after a deletion on request (GDPR art. 17) nothing about the
person may remain, the audit log included.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.orm import Session

from cms.errors import Invalid, NotFound, Problem, Refused
from cms.models import MailingList, MailSent, Subscriber, Subscription, Suppression
from cms.services import audit
from cms.services.permissions import Action
from cms.services.subscribers import MODES, ListRef, all_lists, normalise, resolve_lists
from cms.services.tokens import Caller

_subscriber = Subscriber.__table__  # type: ignore[attr-defined]
_subscription = Subscription.__table__  # type: ignore[attr-defined]
_suppression = Suppression.__table__  # type: ignore[attr-defined]
_sent = MailSent.__table__  # type: ignore[attr-defined]
_list = MailingList.__table__  # type: ignore[attr-defined]
REASONS = ("bounce", "complaint", "manual")
CSV_COLUMNS = ("email", "status", "lists", "consent_at", "consent_source", "confirmed_at", "created_at")


@dataclass(frozen=True)
class ListCount:
    list: ListRef
    active: int
    pending: int
    unsubscribed: int


def counts(conn: Connection, caller: Caller) -> list[ListCount]:
    caller.require(Action.SUBSCRIBER_READ)
    tally: dict[tuple[int, str], int] = {
        (r.list_id, r.status): int(r.n)
        for r in conn.execute(
            select(_subscription.c.list_id, _subscription.c.status, func.count().label("n"))
            .join(_subscriber, _subscriber.c.id == _subscription.c.subscriber_id)
            .where(
                ~select(_suppression.c.id)
                .where(_suppression.c.address_key == _subscriber.c.address_key)
                .exists()
            )
            .group_by(_subscription.c.list_id, _subscription.c.status)
        )
    }
    return [
        ListCount(ref, tally.get((ref.id, "active"), 0), tally.get((ref.id, "pending"), 0),
                  tally.get((ref.id, "unsubscribed"), 0))
        for ref in all_lists(conn)
    ]  # fmt: skip


def set_mode(session: Session, caller: Caller, slug: str, mode: str, *, now: datetime) -> ListRef:
    """Mail a list's subscribers at once (``immediate``) or in one daily digest (``digest``)."""
    caller.require(Action.MAILING_LIST_MANAGE)
    if mode not in MODES:
        raise Refused(Problem("mode", f"a list's mode is one of {', '.join(MODES)}", "INVALID"))
    [ref] = resolve_lists(session, [slug], now=now)
    session.execute(update(_list).where(_list.c.id == ref.id).values(mode=mode, updated_at=now))
    audit.record(session, caller, "mailing_list.update", entity="mailing_list", entity_id=ref.id, mode=mode)
    return ListRef(ref.id, ref.slug, ref.name, mode, ref.section_id)


def _find(conn: Connection | Session, email: str) -> Any:
    _, key = normalise(email)
    return conn.execute(select(_subscriber).where(_subscriber.c.address_key == key)).first()


def _lists_of(conn: Connection | Session, subscriber_ids: list[int]) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = {i: [] for i in subscriber_ids}
    for start in range(0, len(subscriber_ids), 500):
        chunk = subscriber_ids[start : start + 500]
        for row in conn.execute(select(_subscription).where(_subscription.c.subscriber_id.in_(chunk))):
            found[row.subscriber_id].append(row)
    return found


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def export_csv(session: Session, caller: Caller, *, list_slug: str | None, now: datetime) -> Iterator[str]:
    """CSV lines (header first) of every subscriber, or of one list's active ones; audited."""
    caller.require(Action.SUBSCRIBER_EXPORT)
    refs = {ref.id: ref.slug for ref in all_lists(session) if ref.id}
    stmt = select(_subscriber).order_by(_subscriber.c.id)
    if list_slug is not None:
        [ref] = resolve_lists(session, [list_slug], now=now)
        members = select(_subscription.c.subscriber_id).where(
            _subscription.c.list_id == ref.id, _subscription.c.status == "active"
        )
        stmt = stmt.where(_subscriber.c.id.in_(members))
    rows = list(session.execute(stmt))
    lists = _lists_of(session, [r.id for r in rows])
    audit.record(session, caller, "subscriber.export", entity="subscriber", rows=len(rows), list=list_slug)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        on = " ".join(
            sorted(refs[s.list_id] for s in lists[row.id] if s.status == "active" and s.list_id in refs)
        )
        writer.writerow(
            [_safe(row.email), row.status, on, _iso(row.consent_at), _safe(row.consent_source),
             _iso(row.confirmed_at), _iso(row.created_at)]
        )  # fmt: skip
    buffer.seek(0)
    return iter(buffer.readlines())


def _safe(value: str) -> str:
    """No spreadsheet formula injection: a cell that starts like a formula is quoted as text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def data_of(conn: Connection, caller: Caller, email: str) -> dict[str, Any] | None:
    """Everything stored about one address (a GDPR access request); None when nothing is."""
    caller.require(Action.SUBSCRIBER_EXPORT)
    _, key = normalise(email)
    row = conn.execute(select(_subscriber).where(_subscriber.c.address_key == key)).first()
    suppression = conn.execute(select(_suppression).where(_suppression.c.address_key == key)).first()
    if row is None and suppression is None:
        return None
    refs = {ref.id: ref.slug for ref in all_lists(conn) if ref.id}
    out: dict[str, Any] = {"email": row.email if row else key}
    if row is not None:
        out.update(
            status=row.status, consentAt=_iso(row.consent_at), consentSource=row.consent_source,
            consentIp=row.consent_ip, confirmedAt=_iso(row.confirmed_at) or None,
            createdAt=_iso(row.created_at),
            subscriptions=[
                {"list": refs.get(s.list_id, str(s.list_id)), "status": s.status,
                 "askedAt": _iso(s.created_at), "confirmedAt": _iso(s.confirmed_at) or None,
                 "unsubscribedAt": _iso(s.unsubscribed_at) or None}
                for s in _lists_of(conn, [row.id])[row.id]
            ],
            mailsSent=int(
                conn.execute(
                    select(func.count()).select_from(_sent).where(
                        _sent.c.subscriber_id == row.id, _sent.c.sent_at.is_not(None)
                    )
                ).scalar_one()
            ),
        )  # fmt: skip
    if suppression is not None:
        out["suppressed"] = {
            "reason": suppression.reason,
            "note": suppression.note,
            "at": _iso(suppression.created_at),
        }
    return out


def audit_access(session: Session, caller: Caller, found: bool) -> None:
    audit.record(session, caller, "subscriber.access", entity="subscriber", found=found)


def delete_address(session: Session, caller: Caller, email: str) -> bool:
    """Forget an address entirely (subscriber, lists, sent-mail records, suppression); audited by id."""
    caller.require(Action.SUBSCRIBER_DELETE)
    _, key = normalise(email)
    row = session.execute(select(_subscriber.c.id).where(_subscriber.c.address_key == key)).first()
    gone = session.execute(delete(_suppression).where(_suppression.c.address_key == key))
    if row is None and not gone.rowcount:  # type: ignore[attr-defined]
        raise NotFound("no subscriber has this address", field="email")
    if row is not None:
        session.execute(delete(_subscriber).where(_subscriber.c.id == row.id))
    audit.record(session, caller, "subscriber.delete", entity="subscriber", entity_id=row.id if row else None)
    return True


def suppress(
    session: Session, caller: Caller | None, email: str, *, reason: str, note: str = "", now: datetime
) -> bool:
    """Never mail this address again (a bounce, a complaint, an admin's word); False if it already was.

    ``caller`` None is the worker recording a hard bounce the SMTP server reported.
    """
    if caller is not None:
        caller.require(Action.SUBSCRIBER_SUPPRESS)
    if reason not in REASONS:
        raise Invalid(f"the reason is one of {', '.join(REASONS)}", field="reason")
    _, key = normalise(email)
    if session.execute(select(_suppression.c.id).where(_suppression.c.address_key == key)).first():
        return False
    session.execute(
        insert(_suppression), [{"address_key": key, "reason": reason, "note": note[:300], "created_at": now}]
    )
    row = session.execute(select(_subscriber.c.id).where(_subscriber.c.address_key == key)).first()
    audit.record(
        session, caller, "subscriber.suppress", entity="subscriber", entity_id=row.id if row else None,
        actor=None if caller else "worker", reason=reason,
    )  # fmt: skip
    return True
