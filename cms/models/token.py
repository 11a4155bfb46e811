from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from cms.models.types import UTCDateTime, utcnow


class Role(StrEnum):
    AUTHOR = "author"  # writes and edits their own drafts; cannot publish
    EDITOR = "editor"  # all content: publish, schedule, taxonomy, images
    ADMIN = "admin"  # everything, including tokens, partners and webhooks
    PARTNER = "partner"  # reads published content and the syndication surfaces
    METRICS = "metrics"  # reads /metrics only (a Prometheus scraper); reads like the public elsewhere


class ApiToken(SQLModel, table=True):
    """An API token. Only a hash is kept: the token itself is shown once, at creation."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    role: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=16)  # the token's first characters, to recognise it in lists
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Partner-role tokens belong to one partner: its sections, licence terms and rate limit.
    partner_id: int | None = Field(default=None, foreign_key="partner.id", ondelete="SET NULL")
