from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from cms.models.types import UTCDateTime, utcnow


class Change(SQLModel, table=True):
    """The change log: one row per write to content, in the writer's transaction.

    Its sequence is the clock that partner sync, webhooks and the shared response
    cache all key off; deletions stay here as tombstones.
    """

    __tablename__ = "change_log"
    # AUTOINCREMENT so SQLite never reuses a sequence number, even after a purge.
    __table_args__ = {"sqlite_autoincrement": True}

    seq: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=30)  # article, author, category, section, image
    entity_id: int = Field(index=True)
    kind: str = Field(max_length=10)  # create, update, delete
    # Whether readers could notice: the entity was or now is public (an article published and
    # due, before or after). Drafts moving about are not, so partner sync skips them.
    public: bool = Field(default=True, sa_column_kwargs={"server_default": "1"})
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
