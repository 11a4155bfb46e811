from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from cms.models.types import UTCDateTime, utcnow


class Image(SQLModel, table=True):
    """An image and its credit. Imported records may describe a file not uploaded yet."""

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(default="", max_length=300)
    alt: str = ""
    width: int
    height: int
    mime_type: str = Field(default="image/jpeg", max_length=50)
    filename: str = Field(default="", max_length=300)  # as supplied; never used as a storage path
    storage_key: str | None = Field(default=None, max_length=200)  # set once pixels are stored
    # The stored original, once there are pixels. Its key is derived from the hash
    # (content-addressed); byte size and decoded format are kept for the admin's sake.
    sha256: str | None = Field(default=None, max_length=64, index=True)
    byte_size: int | None = None
    format: str | None = Field(default=None, max_length=10)  # JPEG, PNG, GIF, WEBP or AVIF
    frames: int | None = None  # more than 1 for animations
    # Computed once at upload, so serving a placeholder costs nothing; empty until then.
    blurhash: str = Field(default="", max_length=100, sa_column_kwargs={"server_default": ""})
    dominant_color: str = Field(default="", max_length=7, sa_column_kwargs={"server_default": ""})
    data_uri: str = Field(default="", sa_column_kwargs={"server_default": ""})
    focal_x: float | None = None
    focal_y: float | None = None
    # The credit travels with the image into every response, feed and partner copy.
    creator: str = Field(default="", max_length=300)
    creator_url: str = Field(default="", max_length=500)
    source_name: str = Field(default="", max_length=300)
    source_url: str = Field(default="", max_length=500)
    license_code: str = Field(foreign_key="license.code", max_length=40, index=True)
    modifications: str = ""
    # Shown to the public even when no published article uses it (an editor's choice).
    public: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    # Identifies a record from an import so that re-importing updates it: "corpus:42".
    external_ref: str | None = Field(default=None, max_length=200, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
