from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from cms.models.types import UTCDateTime, utcnow


class PersistedDocument(SQLModel, table=True):
    """A GraphQL document registered by an admin: in trusted-documents mode, the only documents
    callers without a token may run (a partner may also run those registered for it)."""

    __tablename__ = "persisted_document"

    sha256: str = Field(primary_key=True, max_length=64)
    document: str
    name: str = Field(default="", max_length=200)
    partner_id: int | None = Field(default=None, foreign_key="partner.id", ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FollowCursor(SQLModel, table=True):
    """How far a follower of the change log has got (the CDN purger): survives restarts, so no
    change is ever left unpurged."""

    __tablename__ = "follow_cursor"

    name: str = Field(primary_key=True, max_length=40)
    seq: int = 0
