from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from cms.models.types import UTCDateTime, utcnow


class State(StrEnum):
    """What editors set. SCHEDULED is not stored: it is PUBLISHED with a future time,
    so an article goes live by the clock alone, with no job to run."""

    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"
    TRASHED = "trashed"


class Article(SQLModel, table=True):
    __table_args__ = (
        Index("ix_article_state_published", "state", "published_at", "id"),
        Index("ix_article_state_updated", "state", "updated_at", "id"),
        Index("ix_article_state_title", "state", "title", "id"),
        Index("ix_article_section_published", "section_id", "state", "published_at", "id"),
        Index("ix_article_category_published", "category_id", "state", "published_at", "id"),
    )

    # Small columns first, long text last: SQLite reads a row's columns in order,
    # and a visibility check that had to walk past two bodies' overflow pages cost
    # search twice as much.
    id: int | None = Field(default=None, primary_key=True)
    state: str = Field(default=State.DRAFT.value, max_length=16)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    section_id: int | None = Field(default=None, foreign_key="section.id", ondelete="RESTRICT")
    category_id: int | None = Field(default=None, foreign_key="category.id", ondelete="RESTRICT")
    lead_image_id: int | None = Field(default=None, foreign_key="image.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = 1  # bumped by every save and workflow step; what updateArticle's expectedVersion names
    # The revision the public sees while PUBLISHED (also when scheduled). Edits to a published
    # article become revisions above it ("pending changes") until someone allowed to publish
    # publishes them; the columns below always hold the live content of a published article.
    live_version: int | None = None
    # Whether the change log has an entry for this article becoming public. A scheduled article
    # goes public by the clock; the first request or worker to notice appends that entry, once.
    announced: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    # Part of every preview link: bumping it (trash, delete, or by hand) revokes them all at once.
    preview_generation: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    reading_time_minutes: int = 1
    slug: str = Field(max_length=250, unique=True)
    canonical_url: str | None = Field(default=None, max_length=500)  # only when it lives elsewhere
    # Tokens are revoked, never deleted, so authorship survives.
    created_by: int | None = Field(default=None, foreign_key="api_token.id")
    title: str = Field(max_length=500)
    summary: str = ""
    body_html: str = ""
    body_text: str = ""  # derived from body_html; what search indexes


class ArticleAuthor(SQLModel, table=True):
    """Authors of an article, in the order the byline gives them."""

    __tablename__ = "article_author"
    __table_args__ = (Index("ix_article_author_author", "author_id", "article_id"),)

    article_id: int = Field(foreign_key="article.id", primary_key=True, ondelete="CASCADE")
    author_id: int = Field(foreign_key="author.id", primary_key=True, ondelete="RESTRICT")
    position: int = 0


class ArticleSlug(SQLModel, table=True):
    """Former slugs, so that links already published keep resolving."""

    __tablename__ = "article_slug"

    slug: str = Field(primary_key=True, max_length=250)
    article_id: int = Field(foreign_key="article.id", index=True, ondelete="CASCADE")


class ArticleImage(SQLModel, table=True):
    """Which images an article uses: ``lead`` and ``body`` for its saved content (live when
    published), ``pending`` for unpublished changes. Public image visibility and the media
    library's "used by" both read it."""

    __tablename__ = "article_image"
    __table_args__ = (Index("ix_article_image_image", "image_id", "role", "article_id"),)

    article_id: int = Field(foreign_key="article.id", primary_key=True, ondelete="CASCADE")
    image_id: int = Field(foreign_key="image.id", primary_key=True, ondelete="CASCADE")
    role: str = Field(primary_key=True, max_length=10)
