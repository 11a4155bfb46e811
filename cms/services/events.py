"""Domain events: what happened to content, recorded in the outbox in the change's transaction.

The write path records one event per change and nothing else; a worker later fans each event out
to the webhooks subscribed to it, the mailing lists that want it and the CDN purge, in one
transaction of its own (see cms.worker). So a change is never without its event, and writers need
to know nothing about who listens.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cms.services import outbox

#: Every event a webhook can subscribe to, with what it means.
EVENTS: dict[str, str] = {
    "article.published": "An article became public (now, or when its scheduled time came).",
    "article.updated": "A public article's live content changed (its pending changes were published).",
    "article.unpublished": "A public article went back to draft.",
    "article.archived": "A public article was archived.",
    "article.trashed": "A public article was moved to the trash.",
    "article.deleted": "A public article was deleted for good.",
    "image.updated": "A public image's credit, licence or description changed.",
    "ping": "A test delivery, sent when asked (pingWebhook).",
}


def record(session: Session, event: str, *, now: datetime, **data: Any) -> None:
    if event not in EVENTS:  # pragma: no cover - a programming error, not input
        raise ValueError(f"unknown event {event!r}")
    outbox.emit(session, topic="event", event=event, payload=data, now=now)
