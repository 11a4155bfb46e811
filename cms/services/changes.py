"""The change log: every write to content appends here, in the writer's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.orm import Session

from cms.models import Change, utcnow

Entity = Literal["article", "author", "category", "section", "image"]
Kind = Literal["create", "update", "delete"]
_change = Change.__table__  # type: ignore[attr-defined]


def record(session: Session | Connection, *, entity: Entity, ids: Iterable[int], kind: Kind) -> None:
    at = utcnow()
    rows = [{"entity": entity, "entity_id": entity_id, "kind": kind, "at": at} for entity_id in ids]
    if rows:
        session.execute(insert(_change), rows)


def current_seq(conn: Connection) -> int:
    """The newest sequence number; anything cached against an older one is stale."""
    return int(conn.execute(select(func.coalesce(func.max(_change.c.seq), 0))).scalar_one())
