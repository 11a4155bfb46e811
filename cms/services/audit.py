"""The audit log: who did what, when, for every write that is not an article save."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, func, insert, select
from sqlalchemy.orm import Session

from cms.models import AuditEntry, utcnow
from cms.services.tokens import Caller

_audit = AuditEntry.__table__  # type: ignore[attr-defined]


def record(
    session: Session | Connection,
    caller: Caller | None,
    action: str,
    *,
    entity: str = "",
    entity_id: int | None = None,
    actor: str | None = None,
    **detail: Any,
) -> None:
    """Append one entry in the caller's transaction: it commits, or rolls back, with the action."""
    session.execute(
        insert(_audit),
        [
            {
                "at": utcnow(),
                "token_id": caller.token_id if caller else None,
                "actor": actor if actor is not None else (caller.name if caller else ""),
                "role": caller.role.value if caller and caller.role else "",
                "action": action,
                "entity": entity,
                "entity_id": entity_id,
                "detail": {k: v for k, v in detail.items() if v is not None},
            }
        ],
    )


def page(
    conn: Connection, *, limit: int, before_id: int | None, action: str | None = None
) -> tuple[list[Row[Any]], bool, int]:
    """Newest first: a page of entries, whether older ones remain, and how many there are."""
    stmt, count = select(_audit), select(func.count()).select_from(_audit)
    if action is not None:
        stmt, count = stmt.where(_audit.c.action == action), count.where(_audit.c.action == action)
    if before_id is not None:
        stmt = stmt.where(_audit.c.id < before_id)
    rows = list(conn.execute(stmt.order_by(_audit.c.id.desc()).limit(limit + 1)))
    total = int(conn.execute(count).scalar_one())
    return rows[:limit], len(rows) > limit, total
