from __future__ import annotations

from functools import lru_cache
from typing import Any

import strawberry

from cms.graphql.relay import Node, to_global_id
from cms.media.credits import CreditFields, attribution_html, attribution_text, credit_line


@strawberry.type(description="A licence or rights statement. `code` is an SPDX id, or ARR, NKCR, US-GOV.")
class License:
    code: str
    name: str = strawberry.field(description='Short form used in credits: "CC BY 2.0".')
    full_name: str
    url: str | None = strawberry.field(description="Canonical deed URL.")
    version: str | None
    allows_commercial_use: bool
    allows_adaptations: bool
    share_alike: bool
    requires_attribution: bool
    is_public_domain: bool
    is_creative_commons: bool
    flickr_id: int | None = strawberry.field(description="Flickr's numeric licence id, if Flickr has one.")

    @classmethod
    @lru_cache(maxsize=256)
    def from_row(cls, row: Any) -> License:
        """Licences are reference data: one object per row, shared by every response."""
        return cls(
            code=row.code,
            name=row.name,
            full_name=row.full_name,
            url=row.url,
            version=row.version,
            allows_commercial_use=row.allows_commercial_use,
            allows_adaptations=row.allows_adaptations,
            share_alike=row.share_alike,
            requires_attribution=row.requires_attribution,
            is_public_domain=row.is_public_domain,
            is_creative_commons=row.is_creative_commons,
            flickr_id=row.flickr_id,
        )


@strawberry.type(description="Who made an image, where it came from, and the licence it is used under.")
class Credit:
    title: str | None
    creator: str | None
    creator_url: str | None
    source_name: str | None
    source_url: str | None
    modifications: str | None
    license: License
    fields: strawberry.Private[CreditFields]

    @strawberry.field(description="The credit in the house style, ready to print under the image.")
    def line(self) -> str:
        return credit_line(self.fields)


@strawberry.type(description="A TASL attribution (title, author, source, licence), as CC recommends.")
class Attribution:
    text: str
    html: str


@strawberry.type(description="Where the interesting part of an image is, as fractions of width and height.")
class FocalPoint:
    x: float
    y: float


def _blank(value: str) -> str | None:
    return value or None


@strawberry.type
class Image(Node):
    title: str
    alt: str
    width: int
    height: int
    mime_type: str
    row: strawberry.Private[Any]
    license_row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any, license_row: Any) -> Image:
        return cls(
            id=to_global_id("Image", row.id),
            title=row.title,
            alt=row.alt,
            width=row.width,
            height=row.height,
            mime_type=row.mime_type,
            row=row,
            license_row=license_row,
        )

    def _fields(self) -> CreditFields:
        row, lic = self.row, self.license_row
        return CreditFields(
            title=row.title,
            creator=row.creator,
            creator_url=row.creator_url,
            source_name=row.source_name,
            source_url=row.source_url,
            modifications=row.modifications,
            license_code=lic.code,
            license_name=lic.name,
            license_url=lic.url,
            is_public_domain=lic.is_public_domain,
        )

    @strawberry.field
    def focal_point(self) -> FocalPoint | None:
        if self.row.focal_x is None or self.row.focal_y is None:
            return None
        return FocalPoint(x=self.row.focal_x, y=self.row.focal_y)

    @strawberry.field
    def credit(self) -> Credit:
        row = self.row
        return Credit(
            title=_blank(row.title),
            creator=_blank(row.creator),
            creator_url=_blank(row.creator_url),
            source_name=_blank(row.source_name),
            source_url=_blank(row.source_url),
            modifications=_blank(row.modifications),
            license=License.from_row(self.license_row),
            fields=self._fields(),
        )

    @strawberry.field(description="TASL attribution for the image as stored (not cropped).")
    def attribution(self) -> Attribution:
        fields = self._fields()
        return Attribution(text=attribution_text(fields), html=attribution_html(fields))
