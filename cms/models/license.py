from __future__ import annotations

from sqlmodel import Field, SQLModel


class License(SQLModel, table=True):
    """A licence or rights statement; a reference table filled by the migrations."""

    code: str = Field(primary_key=True, max_length=40)  # SPDX id, or ARR / NKCR / US-GOV
    name: str = Field(max_length=80)  # short form used in credit lines: "CC BY 2.0"
    full_name: str = Field(max_length=200)  # "Creative Commons Attribution 2.0 Generic"
    url: str | None = Field(default=None, max_length=300)  # canonical deed URL
    version: str | None = Field(default=None, max_length=10)
    allows_commercial_use: bool
    allows_adaptations: bool
    share_alike: bool
    requires_attribution: bool
    is_public_domain: bool
    is_creative_commons: bool
    flickr_id: int | None = Field(default=None, unique=True)
    position: int = 0
