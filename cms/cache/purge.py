"""CDN purges: every content change becomes a purge request for the surrogate keys it touches.

The worker follows the change log with a cursor kept in the database (``follow_cursor``), and
queues the keys as outbox messages in the same transaction that moves the cursor, so a purge is
never lost on a restart and never queued twice. The outbox then sends them with its retries:
``CMS_PURGE_METHOD CMS_PURGE_URL`` with the keys, space-separated, in ``CMS_PURGE_KEY_HEADER``
(Fastly: POST https://api.fastly.com/service/ID/purge with Surrogate-Key and a Fastly-Key header
in CMS_PURGE_AUTH; Varnish with xkey: PURGE with xkey-purge).
"""

from __future__ import annotations

import time
from typing import Any

import httpx2 as httpx
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from cms.db import Database
from cms.models import FollowCursor, utcnow
from cms.services import changes, outbox, surrogates
from cms.services.outbox import Outcome
from cms.settings import Settings

TOPIC = "purge"
CURSOR = "purge"
#: Change-log entries read per look, and keys per request (Fastly takes up to 256 a request).
BATCH = 1000
KEYS_PER_REQUEST = 200

_cursor = FollowCursor.__table__  # type: ignore[attr-defined]


def queue(db: Database) -> int:
    """Queue purges for the changes since the cursor; returns how many requests were queued."""
    with db.write() as session:
        conn = session.connection()
        query = select(_cursor.c.seq).where(_cursor.c.name == CURSOR)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()  # one worker moves the cursor at a time
        seq = conn.execute(query).scalar()
        if seq is None:
            # First start: purge from now on (what the CDN holds from before was never ours to track).
            session.execute(insert(_cursor), [{"name": CURSOR, "seq": changes.current_seq(conn)}])
            return 0
        rows, newest = surrogates.changes_since(conn, seq, limit=BATCH)
        if not rows:
            return 0
        keys = sorted(surrogates.keys_for(conn, rows))
        queued = _emit(session, keys, first=seq + 1, last=newest)
        session.execute(update(_cursor).where(_cursor.c.name == CURSOR).values(seq=newest))
        return queued


def _emit(session: Session, keys: list[str], *, first: int, last: int) -> int:
    now = utcnow()
    queued = 0
    for start in range(0, len(keys), KEYS_PER_REQUEST):
        chunk = keys[start : start + KEYS_PER_REQUEST]
        key = f"purge:{first}-{last}:{start // KEYS_PER_REQUEST}"
        payload = {"keys": chunk, "changes": [first, last]}
        queued += outbox.emit(session, topic=TOPIC, event="purge", payload=payload, now=now, key=key)
    return queued


async def send(client: httpx.AsyncClient, message: Any, settings: Settings) -> Outcome:
    """One purge request; a 2xx is done, anything else is retried on the outbox's schedule."""
    if not settings.purge_url:
        return Outcome(ok=True, error="skipped: CMS_PURGE_URL is no longer set")
    headers = {settings.purge_key_header: " ".join(message.payload["keys"])}
    if settings.purge_auth:
        name, _, value = settings.purge_auth.partition(":")
        headers[name.strip()] = value.strip()
    started = time.monotonic()
    try:
        response = await client.request(
            settings.purge_method, settings.purge_url, headers=headers, timeout=settings.webhook_timeout
        )
    except httpx.HTTPError as exc:
        return Outcome(ok=False, error=f"{type(exc).__name__}: {exc}"[:300])
    latency = int((time.monotonic() - started) * 1000)
    ok = 200 <= response.status_code < 300
    return Outcome(
        ok=ok, status_code=response.status_code, snippet=response.text[:200], latency_ms=latency,
        error="" if ok else f"the purge endpoint answered {response.status_code}",
    )  # fmt: skip
