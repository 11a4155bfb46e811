"""The outbox: messages written in the transaction of the change that causes them, delivered
afterwards with retries. Webhooks, mail and CDN purges all go through it.

Delivery is at least once: a message is leased to one worker at a time (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL; SQLite serialises writers, so a plain conditional update is a lease), and
a worker that dies mid-delivery loses its lease when it expires, so another sends the message.
Receivers deduplicate by the message's id, which a retry or a redelivery keeps.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cms.db import Database
from cms.models import DeliveryAttempt, OutboxMessage

_outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
_attempt = DeliveryAttempt.__table__  # type: ignore[attr-defined]


def emit(
    session: Session,
    *,
    topic: str,
    event: str,
    payload: dict[str, Any],
    now: datetime,
    key: str | None = None,
    target_id: int | None = None,
) -> bool:
    """Queue a message in the caller's transaction; False when ``key`` was queued before."""
    values = {
        "topic": topic, "event": event, "key": key, "target_id": target_id, "payload": payload,
        "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now, "last_error": "",
    }  # fmt: skip
    if key is None:
        session.execute(insert(_outbox), [values])
        return True
    if session.execute(select(_outbox.c.id).where(_outbox.c.key == key)).first() is not None:
        return False
    try:
        with session.begin_nested():
            session.execute(insert(_outbox), [values])
    except IntegrityError:
        return False  # another transaction queued the same key first
    return True


def emit_many(session: Session, messages: Sequence[dict[str, Any]], *, topic: str, now: datetime) -> int:
    """Queue many keyed messages at once (a fan-out to thousands); keys queued before are skipped.

    Each message is a dict of ``event``, ``key``, ``payload`` and ``target_id``.
    """
    if not messages:
        return 0
    keys = [m["key"] for m in messages]
    seen: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        seen.update(session.execute(select(_outbox.c.key).where(_outbox.c.key.in_(chunk))).scalars())
    rows = [
        {
            "topic": topic, "event": m["event"], "key": m["key"], "target_id": m.get("target_id"),
            "payload": m["payload"], "status": "pending", "attempts": 0, "next_attempt_at": now,
            "created_at": now, "last_error": "",
        }
        for m in messages
        if m["key"] not in seen
    ]  # fmt: skip
    if rows:
        # Fan-outs run under the event's lease, one at a time per event; keys of two events for
        # the same thing (a mail per subscriber and article) are deduplicated by the caller first.
        session.execute(insert(_outbox), rows)
    return len(rows)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str = ""
    snippet: str = ""
    latency_ms: int = 0
    retry: bool = True  # False: give up now (a permanent refusal)


def claim(
    db: Database, *, owner: str, now: datetime, lease: timedelta, limit: int, topics: Sequence[str]
) -> list[Row[Any]]:
    """Lease up to ``limit`` due messages to ``owner``; nobody else sends them until the lease ends."""
    due = and_(
        _outbox.c.status == "pending",
        _outbox.c.next_attempt_at <= now,
        _outbox.c.topic.in_(list(topics)),
        or_(_outbox.c.lease_until.is_(None), _outbox.c.lease_until < now),
    )
    # Look before taking the writers' lock: an idle worker polls often and must cost next to nothing.
    with db.connect() as conn:
        if conn.execute(select(_outbox.c.id).where(due).limit(1)).first() is None:
            return []
    with db.write() as session:
        pick = select(_outbox.c.id).where(due).order_by(_outbox.c.next_attempt_at, _outbox.c.id).limit(limit)
        if not db.is_sqlite:
            pick = pick.with_for_update(skip_locked=True)
        ids = list(session.execute(pick).scalars())
        if not ids:
            return []
        session.execute(
            update(_outbox)
            .where(_outbox.c.id.in_(ids), due)
            .values(lease_until=now + lease, lease_owner=owner)
        )
        rows = session.execute(
            select(_outbox)
            .where(_outbox.c.id.in_(ids), _outbox.c.lease_owner == owner)
            .order_by(_outbox.c.id)
        ).all()
    return list(rows)


def backoff(schedule: Sequence[float], attempts: int) -> float | None:
    """Seconds until the next try after ``attempts`` failures (with +-10 % jitter); None: give up."""
    if attempts > len(schedule):
        return None
    base = schedule[attempts - 1]
    return base * random.uniform(0.9, 1.1)


def finish(
    db: Database, message_id: int, outcome: Outcome, *, owner: str, now: datetime, schedule: Sequence[float]
) -> str:
    """Record one attempt and what follows from it: delivered, retried later, or failed."""
    with db.write() as session:
        row = session.execute(select(_outbox).where(_outbox.c.id == message_id).with_for_update()).first()
        if row is None:
            return "gone"
        session.execute(
            insert(_attempt),
            [
                {
                    "outbox_id": message_id, "at": now, "status_code": outcome.status_code,
                    "latency_ms": outcome.latency_ms, "error": outcome.error[:500],
                    "response_snippet": outcome.snippet[:500],
                }
            ],
        )  # fmt: skip
        attempts = row.attempts + 1
        values: dict[str, Any] = {
            "attempts": attempts, "lease_until": None, "lease_owner": None,
            "last_status_code": outcome.status_code, "last_error": outcome.error[:500],
        }  # fmt: skip
        if outcome.ok:
            values.update(status="delivered", delivered_at=now)
        else:
            wait = backoff(schedule, attempts) if outcome.retry else None
            if wait is None:
                values.update(status="failed")
            else:
                values.update(next_attempt_at=now + timedelta(seconds=wait))
        session.execute(update(_outbox).where(_outbox.c.id == message_id).values(**values))
        return str(values.get("status", "pending"))


def complete(session: Session, message_id: int, *, now: datetime) -> None:
    """Mark a leased message handled inside the caller's transaction (for work that is itself a write)."""
    session.execute(
        update(_outbox)
        .where(_outbox.c.id == message_id)
        .values(
            status="delivered", delivered_at=now, attempts=_outbox.c.attempts + 1, lease_until=None,
            lease_owner=None,
        )
    )  # fmt: skip


def redeliver(session: Session, message_id: int, *, now: datetime) -> bool:
    """Send a message again, as it was (same id, so receivers can tell it is the same event)."""
    done = session.execute(
        update(_outbox)
        .where(_outbox.c.id == message_id)
        .values(status="pending", next_attempt_at=now, lease_until=None, lease_owner=None)
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]


def depth(conn: Connection) -> dict[str, int]:
    """Pending messages per topic (for /metrics)."""
    stmt = (
        select(_outbox.c.topic, func.count()).where(_outbox.c.status == "pending").group_by(_outbox.c.topic)
    )
    return {topic: int(n) for topic, n in conn.execute(stmt)}


def attempts_of(conn: Connection, message_ids: Sequence[int]) -> dict[int, list[Row[Any]]]:
    found: dict[int, list[Row[Any]]] = {i: [] for i in message_ids}
    if message_ids:
        stmt = select(_attempt).where(_attempt.c.outbox_id.in_(list(message_ids))).order_by(_attempt.c.id)
        for row in conn.execute(stmt):
            found[row.outbox_id].append(row)
    return found
