from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from cms.models.types import UTCDateTime, utcnow


class OutboxMessage(SQLModel, table=True):
    """Something to send because content changed: a webhook delivery, a mail, a CDN purge.

    Written in the same transaction as the change, so a change is never without its message
    and a message never outlives a rolled-back change; delivered afterwards by a worker, with
    retries, under a lease so that two workers never send one message at once.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at", "id"),
        Index("ix_outbox_target", "topic", "target_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    topic: str = Field(max_length=20)  # webhook, mail, purge
    event: str = Field(max_length=60)  # article.published, mail.confirm, purge ...
    # An idempotency key: emitting the same key twice queues one message ("never twice").
    key: str | None = Field(default=None, max_length=200, unique=True)
    target_id: int | None = None  # the webhook or subscriber it goes to
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=10)  # pending, delivered, failed
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lease_owner: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status_code: int | None = None
    last_error: str = Field(default="", max_length=500)


class DeliveryAttempt(SQLModel, table=True):
    """One try at sending an outbox message: when, what came back, how long it took."""

    __tablename__ = "delivery_attempt"
    __table_args__ = (Index("ix_delivery_attempt_message", "outbox_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(foreign_key="outbox.id", ondelete="CASCADE")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status_code: int | None = None
    latency_ms: int = 0
    error: str = Field(default="", max_length=500)
    response_snippet: str = Field(default="", max_length=500)
