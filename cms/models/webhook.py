from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from cms.models.types import UTCDateTime, utcnow


class Webhook(SQLModel, table=True):
    """A URL subscribed to events; deliveries are signed per Standard Webhooks with its secret."""

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=500)
    events: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # With a partner, bodies follow that partner's licence rules and sections.
    partner_id: int | None = Field(default=None, foreign_key="partner.id", ondelete="CASCADE")
    active: bool = True
    # The signing secret ("whsec_..."); during a rotation the previous one signs too, until it expires.
    secret: str = Field(max_length=100)
    previous_secret: str | None = Field(default=None, max_length=100)
    previous_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    consecutive_failures: int = 0
    disabled_reason: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
