"""Incremental sync for partners: pages of upserts and tombstones, in change-log order.

A sync starts with ``since: null``: every article the partner may take, by id, remembering the
change sequence S0 at which it began. Then it continues from S0 through the change log, so
whatever changed while the first pages were read is reported afterwards. Each article appears
once per page with its current state: an UPSERT if it is public and in the partner's sections,
else a tombstone saying why (UNPUBLISHED, ARCHIVED, TRASHED, DELETED, OUT_OF_SCOPE). Writers
commit in sequence order (see cms.services.changes.lock), so a page never skips a change that
commits later with a lower number: a partner that applies every page in order ends with exactly
the published set. Tombstones may name articles the partner never had; it ignores those.

Tokens are opaque, signed and bound to the partner and to its scope: a token of another partner,
a forged one, or one issued before the partner's sections or licence terms changed is refused
with BAD_USER_INPUT, and the partner starts again with ``since: null``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, exists, select

from cms.errors import BadInput
from cms.models import Article, Change
from cms.models import State as S
from cms.services import changes
from cms.services.articles import visible
from cms.services.scope import Scope

_article = Article.__table__  # type: ignore[attr-defined]
_change = Change.__table__  # type: ignore[attr-defined]
_TOKEN = re.compile(r"^([A-Za-z0-9_-]{4,120})\.([A-Za-z0-9_-]{22})$")
_MAX_INT = 2**62
DEFAULT_PAGE, MAX_PAGE = 100, 1000
RESTART = "restart the sync with `since: null`"


@dataclass(frozen=True)
class Position:
    partner_id: int  # 0: the publisher's own (admin) feed
    scope_version: int
    initial: bool  # still listing the full set (cursor = last id), else following the log
    seq: int  # initial: the sequence the sync began at; later: the last sequence consumed
    cursor: int = 0


@dataclass(frozen=True)
class Upsert:
    article_id: int
    at: datetime


@dataclass(frozen=True)
class Tombstone:
    article_id: int
    at: datetime
    reason: str  # UNPUBLISHED, ARCHIVED, TRASHED, DELETED, OUT_OF_SCOPE


@dataclass(frozen=True)
class SyncPage:
    upserts: list[Upsert]
    tombstones: list[Tombstone]
    next_token: str
    has_more: bool


def _signature(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), f"sync:{payload}".encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def encode(secret: str, position: Position) -> str:
    raw = [
        1,
        position.partner_id,
        position.scope_version,
        int(position.initial),
        position.seq,
        position.cursor,
    ]
    payload = base64.urlsafe_b64encode(json.dumps(raw, separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{payload}.{_signature(secret, payload)}"


def decode(secret: str, token: str, *, partner_id: int, scope_version: int) -> Position:
    """The position a token names, or BAD_USER_INPUT for anything forged, foreign or stale."""
    refused = BadInput(f"`since` is not a sync token of yours, or it has expired: {RESTART}", field="since")
    match = _TOKEN.match(token)
    if match is None:
        raise refused
    payload, signature = match.groups()
    if not hmac.compare_digest(signature, _signature(secret, payload)):
        raise refused
    try:
        raw = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise refused from None
    if (
        not isinstance(raw, list)
        or len(raw) != 6
        or not all(type(v) is int and 0 <= v < _MAX_INT for v in raw)
        or raw[0] != 1
        or raw[3] not in (0, 1)
    ):
        raise refused
    position = Position(raw[1], raw[2], bool(raw[3]), raw[4], raw[5])
    if position.partner_id != partner_id:
        raise refused
    if position.scope_version != scope_version:
        raise BadInput(
            "what you may take has changed since this token was issued (sections or licence terms): "
            + RESTART,
            field="since",
        )
    return position


def _state(row: Any, scope: Scope | None, now: datetime) -> str | None:
    """None for an article the caller may have now, else the reason it may not."""
    if row is None:
        return "DELETED"
    # Announced means its go-live is in the change log already: live whatever ``now`` says. The
    # request's ``now`` was taken when it began, before a publish it reads may have been made, and
    # that publish's change is consumed by this page: judged by ``now`` alone, it would be lost.
    live = row.announced or (row.published_at is not None and row.published_at <= now)
    if row.state == S.PUBLISHED.value and live:
        return None if scope is None or scope.takes_section(row.section_id) else "OUT_OF_SCOPE"
    if row.state == S.ARCHIVED.value:
        return "ARCHIVED"
    if row.state == S.TRASHED.value:
        return "TRASHED"
    return "UNPUBLISHED"


def page(
    conn: Connection,
    *,
    scope: Scope | None,
    secret: str,
    since: Position | None,
    limit: int,
    now: datetime,
) -> SyncPage:
    partner_id = (scope.partner_id or 0) if scope is not None else 0
    version = scope.version if scope is not None else 0
    if since is None:
        since = Position(partner_id, version, True, changes.current_seq(conn), 0)
    if since.initial:
        return _initial(conn, scope, secret, since, limit, now)
    return _following(conn, scope, secret, since, limit, now)


def _initial(
    conn: Connection, scope: Scope | None, secret: str, since: Position, limit: int, now: datetime
) -> SyncPage:
    stmt = select(_article.c.id, _article.c.updated_at).where(visible(now), _article.c.id > since.cursor)
    if scope is not None and scope.section_ids is not None:
        stmt = stmt.where(_article.c.section_id.in_(sorted(scope.section_ids)))
    rows = list(conn.execute(stmt.order_by(_article.c.id).limit(limit + 1)))
    upserts = [Upsert(r.id, r.updated_at) for r in rows[:limit]]
    if len(rows) > limit:
        nxt = Position(since.partner_id, since.scope_version, True, since.seq, rows[limit - 1].id)
        return SyncPage(upserts, [], encode(secret, nxt), True)
    # The full set is done: from here on, the change log since the sync began.
    nxt = Position(since.partner_id, since.scope_version, False, since.seq)
    return SyncPage(upserts, [], encode(secret, nxt), _changed_after(conn, since.seq))


def _changed_after(conn: Connection, seq: int) -> bool:
    return bool(
        conn.execute(
            select(exists().where(_change.c.seq > seq, _change.c.entity == "article", _change.c.public))
        ).scalar()
    )


def _following(
    conn: Connection, scope: Scope | None, secret: str, since: Position, limit: int, now: datetime
) -> SyncPage:
    entries = list(
        conn.execute(
            select(_change.c.seq, _change.c.entity_id, _change.c.at)
            .where(_change.c.seq > since.seq, _change.c.entity == "article", _change.c.public)
            .order_by(_change.c.seq)
            .limit(limit + 1)
        )
    )
    more = len(entries) > limit
    entries = entries[:limit]
    last = entries[-1].seq if entries else since.seq
    latest: dict[int, Any] = {}
    for entry in entries:  # in sequence order, so the last entry of each article wins
        latest.pop(entry.entity_id, None)
        latest[entry.entity_id] = entry
    stmt = select(
        _article.c.id, _article.c.state, _article.c.published_at, _article.c.announced, _article.c.section_id
    )
    rows = {r.id: r for r in conn.execute(stmt.where(_article.c.id.in_(list(latest))))} if latest else {}
    upserts, tombstones = [], []
    for article_id, entry in latest.items():
        reason = _state(rows.get(article_id), scope, now)
        if reason is None:
            upserts.append(Upsert(article_id, entry.at))
        else:
            tombstones.append(Tombstone(article_id, entry.at, reason))
    nxt = Position(since.partner_id, since.scope_version, False, last)
    return SyncPage(upserts, tombstones, encode(secret, nxt), more)
