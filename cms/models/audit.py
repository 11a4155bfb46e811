from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from cms.models.types import UTCDateTime, utcnow


class AuditEntry(SQLModel, table=True):
    """Who did what, when: every write that is not an article save (publishing, trashing,
    deleting, tokens, partners, webhooks, subscribers). Written in the action's transaction."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    token_id: int | None = Field(default=None, foreign_key="api_token.id", ondelete="SET NULL")
    actor: str = Field(default="", max_length=200)  # the token's name, or "clock" / "cli"
    role: str = Field(default="", max_length=16)
    action: str = Field(max_length=60)  # e.g. article.publish, token.revoke
    entity: str = Field(default="", max_length=30)
    entity_id: int | None = None
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
