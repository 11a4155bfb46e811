from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from cms.models.types import UTCDateTime, utcnow


class Author(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    slug: str = Field(max_length=200, unique=True)
    bio: str = ""
    affiliation: str = Field(default="", max_length=300)
    photo_id: int | None = Field(default=None, foreign_key="image.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
