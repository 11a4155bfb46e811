from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from cms.models.types import UTCDateTime, utcnow


class Revision(SQLModel, table=True):
    """A saved state of an article: who saved it, when, and the full content."""

    __table_args__ = (Index("ix_revision_article_version", "article_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="article.id", ondelete="CASCADE")
    version: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    token_id: int | None = Field(default=None, foreign_key="api_token.id", ondelete="SET NULL")
    author_name: str = Field(default="", max_length=200)  # the token's name when it saved
    message: str = Field(default="", max_length=300)  # e.g. "published", "reverted to version 3"
    snapshot: dict[str, object] = Field(sa_column=Column(JSON, nullable=False))
