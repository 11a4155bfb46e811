from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from cms.models.types import UTCDateTime, utcnow


class Partner(SQLModel, table=True):
    """A site that syndicates our content: its partner-role tokens, licence terms and sections."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    # A commercial partner never receives images whose licence forbids commercial use.
    commercial_use: bool = False
    contact: str = Field(default="", max_length=300)
    # Requests per minute for all of the partner's tokens together; null: the configured default.
    requests_per_minute: int | None = None
    # Bumped whenever what the partner may take changes (sections, commercial use): sync tokens
    # issued under an older scope are refused, and the partner restarts with a full sync.
    scope_version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PartnerSection(SQLModel, table=True):
    """The sections a partner may take; a partner with none listed takes every section."""

    __tablename__ = "partner_section"

    partner_id: int = Field(foreign_key="partner.id", primary_key=True, ondelete="CASCADE")
    section_id: int = Field(foreign_key="section.id", primary_key=True, ondelete="CASCADE")
