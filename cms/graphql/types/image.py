from __future__ import annotations

import math
from functools import lru_cache
from typing import Annotated, Any

import strawberry

from cms.errors import BadInput
from cms.graphql.arguments import default, describe_values
from cms.graphql.execution import plain
from cms.graphql.relay import Node, to_global_id
from cms.media.credits import CreditFields, attribution_html, attribution_text, credit_line
from cms.media.geometry import Fit
from cms.media.renditions import OutputFormat
from cms.media.resolve import Ask, Original, Rendition, allowed, crop_allowed, resolve
from cms.services.images import ladder_for
from cms.services.permissions import Action
from cms.services.views import ImageView

ImageFit = strawberry.enum(
    Fit,
    name="ImageFit",
    description="SCALE_DOWN fits inside the box; CONTAIN also letterboxes to the box's shape; "
    "COVER fills the box, cropping around the focal point. None enlarges past the original.",
)
describe_values(
    ImageFit,
    {
        "SCALE_DOWN": "Fit inside the box, keeping the original's shape (the default).",
        "CONTAIN": "Fit inside the box and pad to its shape: white, or transparent for a transparent image "
        "in PNG, WebP or AVIF.",
        "COVER": "Fill the box, cropping around the focal point; not for licences that forbid crops.",
    },
)
ImageFormat = strawberry.enum(
    OutputFormat, name="ImageFormat", description="File format of a rendition; by default the original's."
)
describe_values(
    ImageFormat,
    {
        "JPEG": "JPEG (quality 82 by default); transparency is flattened onto white.",
        "PNG": "PNG: lossless, keeps transparency, takes no quality.",
        "WEBP": "WebP (quality 80 by default); keeps transparency.",
        "AVIF": "AVIF (quality 60 by default); keeps transparency.",
    },
)
MAX_SRCSET_WIDTHS = 16
_LADDER = "snapped up to the rendition ladder (CMS_RENDITION_WIDTHS)"
_MAX_SIZE = f"CMS_MAX_RENDITION_SIZE (default {default('max_rendition_size')})"

Fallback = Annotated[
    Fit | None,
    strawberry.argument(
        description="The fit to use when the licence forbids the COVER crop asked for: CONTAIN or "
        "SCALE_DOWN (COVER is BAD_USER_INPUT). Null: such a crop is LICENSE_FORBIDS."
    ),
]
AspectRatio = Annotated[
    float | None,
    strawberry.argument(
        description="Width / height of the renditions, 0.01 to 100; null: the original's shape."
    ),
]
FitArg = Annotated[
    Fit | None, strawberry.argument(description="How the image fills the box; null means SCALE_DOWN.")
]
FormatArg = Annotated[
    OutputFormat | None,
    strawberry.argument(description="File format; null: the original's (PNG for a GIF)."),
]


@strawberry.type(description="A licence or rights statement. `code` is an SPDX id, or ARR, NKCR, US-GOV.")
class License:
    code: str = strawberry.field(
        description="SPDX id (CC-BY-2.0, CC-BY-NC-ND-4.0, CC0-1.0, CC-PDM-1.0), or ARR, NKCR or US-GOV."
    )
    name: str = strawberry.field(description='Short form used in credits: "CC BY 2.0".')
    full_name: str = strawberry.field(description='Full name: "Creative Commons Attribution 2.0 Generic".')
    url: str | None = strawberry.field(description="Canonical deed URL; null for ARR.")
    version: str | None = strawberry.field(
        description="Version of a CC tool (4.0, 3.0, 2.5, 2.0, 1.0); null for the other rights statements."
    )
    allows_commercial_use: bool = strawberry.field(
        description="Commercial use allowed: false for -NC licences and ARR (withheld from "
        "commercial partners)."
    )
    allows_adaptations: bool = strawberry.field(
        description="Adaptations allowed: false for -ND licences and ARR, whose images are never cropped."
    )
    share_alike: bool = strawberry.field(
        description="Adaptations must be shared under the same licence (-SA)."
    )
    requires_attribution: bool = strawberry.field(
        description="The creator must be credited: CC BY licences, ARR and NKCR; not CC0, PDM or US-GOV."
    )
    is_public_domain: bool = strawberry.field(
        description="Free of copyright restrictions: CC0, the Public Domain Mark, US Government works."
    )
    is_creative_commons: bool = strawberry.field(
        description="A Creative Commons tool: a CC licence, CC0 or the PDM."
    )
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
    title: str | None = strawberry.field(description="The work's title, or null.")
    creator: str | None = strawberry.field(description="Who made it or holds its rights, or null.")
    creator_url: str | None = strawberry.field(
        description="A link to the creator (http(s) or mailto:), or null."
    )
    source_name: str | None = strawberry.field(
        description='Where it was found ("Flickr", "Wikimedia Commons"), or null.'
    )
    source_url: str | None = strawberry.field(description="The page it was found on, or null.")
    modifications: str | None = strawberry.field(
        description='How the publisher changed the work ("colour-corrected"), or null.'
    )
    license: License = strawberry.field(description="The licence or rights statement it is used under.")
    fields: strawberry.Private[CreditFields]

    @strawberry.field(description="The credit in the house style, ready to print under the image.")
    def line(self) -> str:
        return credit_line(self.fields)


@strawberry.type(description="A TASL attribution (title, author, source, licence), as CC recommends.")
class Attribution:
    text: str = strawberry.field(
        description='Plain text: "Title" by Creator (creator URL) on Flickr (source URL) is licensed '
        "under CC BY 2.0 (deed URL)."
    )
    html: str = strawberry.field(
        description="The same as escaped HTML: links to the source, the creator's page and the licence deed."
    )


@strawberry.type(description="Where the interesting part of an image is, as fractions of width and height.")
class FocalPoint:
    x: float = strawberry.field(description="From the left edge: 0 to 1.")
    y: float = strawberry.field(description="From the top edge: 0 to 1.")


@strawberry.type(description="What to show while the image loads; computed once, at upload.")
class ImagePlaceholder:
    blurhash: str = strawberry.field(description="A BlurHash (https://blurha.sh) of the image.")
    dominant_color: str = strawberry.field(description="The most common colour, as #rrggbb.")
    data_uri: str = strawberry.field(description="A tiny blurred image as a data: URI, under 1 KB.")


def _blank(value: str) -> str | None:
    return value or None


@strawberry.type(
    description="A picture in the library, with its credit. The public and partners see it once a published "
    "article uses it (lead, body, author photo) or an editor made it public; staff see every image."
)
class Image(Node):
    title: str = strawberry.field(description="The work's title (credits use it); empty when none.")
    alt: str = strawberry.field(
        description="Text alternative for the img element; empty when none was given."
    )
    width: int = strawberry.field(
        description="Width of the original in pixels, as displayed (EXIF rotation applied)."
    )
    height: int = strawberry.field(
        description="Height of the original in pixels, as displayed (EXIF rotation applied)."
    )
    mime_type: str = strawberry.field(
        description="Media type of the original: image/jpeg, image/png, image/gif, image/webp or image/avif."
    )
    view: strawberry.Private[ImageView]

    @classmethod
    def from_view(cls, view: ImageView) -> Image:
        return cls(
            id=to_global_id("Image", view.id), title=view.title, alt=view.alt, width=view.width,
            height=view.height, mime_type=view.mime_type, view=view,
        )  # fmt: skip

    @strawberry.field(
        description="How many articles use this image as lead image or in their body, drafts and pending "
        "changes included (author photos are not counted). Authors, editors and admins."
    )
    async def used_by(self, info: strawberry.Info) -> int:
        from cms.graphql.loaders import image_usage

        ctx = info.context
        ctx.caller.require(Action.IMAGE_READ_USAGE)
        ctx.cacheable = False
        return await image_usage(ctx).load(self.view.id)

    @strawberry.field(description="Where COVER crops centre; null: the middle of the image.")
    def focal_point(self) -> FocalPoint | None:
        point = self.view.focal_point
        return FocalPoint(x=point[0], y=point[1]) if point is not None else None

    @strawberry.field(description="Who made it, where it came from, and its licence.")
    @plain
    def credit(self) -> Credit:
        view = self.view
        return Credit(
            title=_blank(view.title),
            creator=_blank(view.creator),
            creator_url=_blank(view.creator_url),
            source_name=_blank(view.source_name),
            source_url=_blank(view.source_url),
            modifications=_blank(view.modifications),
            license=License.from_row(view.license),
            fields=view.credit_fields,
        )

    @strawberry.field(
        description="TASL attribution. Give the fit and aspect ratio of the renditions it accompanies: "
        'when they crop the image, it says "Cropped from ..." (an adaptation must say so). An image whose '
        "licence forbids crops is never cropped (its renditions fall back or are refused), so its "
        "attribution never says so."
    )
    def attribution(
        self,
        info: strawberry.Info,
        fit: Annotated[
            Fit | None, strawberry.argument(description="The fit of the renditions it goes with.")
        ] = Fit.SCALE_DOWN,
        aspect_ratio: Annotated[
            float | None,
            strawberry.argument(
                description="Their width / height (0.01 to 100): with COVER, another shape says "
                '"Cropped from".'
            ),
        ] = None,
    ) -> Attribution:
        modified = False
        if fit is Fit.COVER and aspect_ratio is not None and self.crop_allowed():
            _check_aspect_ratio(aspect_ratio)
            width = info.context.settings.max_rendition_size
            ask = Ask(width=width, height=max(1, round(width / aspect_ratio)), fit=Fit.COVER)
            modified = self._resolve(info, ask).layout.cropped
        fields = self.view.credit_fields
        return Attribution(
            text=attribution_text(fields, modified=modified), html=attribution_html(fields, modified=modified)
        )

    @strawberry.field(
        description="Whether renditions may crop this image (fit COVER to another shape). False for "
        "licences that forbid adaptations (CC -ND, all rights reserved): ask those with `fallback`, "
        "or use CONTAIN."
    )
    def crop_allowed(self) -> bool:
        return crop_allowed(self.view.license)

    @strawberry.field(description="What to show while the image loads.")
    def placeholder(self) -> ImagePlaceholder:
        # Imported records have no pixels until a file is uploaded: a neutral grey.
        stored = self.view.placeholder
        return ImagePlaceholder(
            blurhash=stored.blurhash, dominant_color=stored.dominant_color, data_uri=stored.data_uri
        )

    @strawberry.field(
        description="Absolute, signed URL of a rendition, whose name states the size it really has. "
        "Widths and heights snap up to the rendition ladder (16 to 4000 px in steps of about 1.25x "
        "unless configured otherwise); a COVER or CONTAIN box keeps the snapped width and takes the "
        "nearest standard aspect ratio (3:1, 7:3, 2:1, 1.91:1, 16:9, 3:2, 4:3, 5:4, 1:1 and their "
        "portraits); quality snaps to 30, 50, 70, 90 or the format's default. Never larger than the "
        f"original, nor than {_MAX_SIZE} on its longest side. Format defaults to the original's (PNG for "
        "GIF). An image whose licence forbids adaptations (see cropAllowed) cannot be COVER-cropped "
        "to another shape: that is LICENSE_FORBIDS, unless `fallback` (CONTAIN or SCALE_DOWN) names "
        "the fit to use instead, which gives the best allowed rendition."
    )
    def url(
        self,
        info: strawberry.Info,
        width: Annotated[
            int | None,
            strawberry.argument(
                description=f"Box width in pixels (at least 1), {_LADDER}; null: the original's."
            ),
        ] = None,
        height: Annotated[
            int | None,
            strawberry.argument(
                description=f"Box height in pixels (at least 1), {_LADDER}; null: the original's."
            ),
        ] = None,
        fit: FitArg = Fit.SCALE_DOWN,
        format: FormatArg = None,
        quality: Annotated[
            int | None,
            strawberry.argument(
                description="1 to 100, snapped to 30, 50, 70 or 90; null: the format's default (PNG "
                "takes none)."
            ),
        ] = None,
        fallback: Fallback = None,
    ) -> str:
        ask = Ask(width, height, fit or Fit.SCALE_DOWN, format, quality)
        return self._url(info, self._allowed(info, ask, fallback))

    @strawberry.field(
        description="A srcset attribute value: one signed URL per width, described by the width it "
        "really has. Widths snap up to the rendition ladder, as in `url`, and widths past the original "
        "collapse onto it. aspectRatio is width / height. `fallback` as in `url`: without it, a COVER "
        "crop of an image whose licence forbids crops is LICENSE_FORBIDS."
    )
    def src_set(
        self,
        info: strawberry.Info,
        widths: Annotated[
            list[int],
            strawberry.argument(
                description=f"Widths in pixels, 1 to {MAX_SRCSET_WIDTHS} of them, each {_LADDER}."
            ),
        ],
        format: FormatArg = None,
        fit: FitArg = Fit.SCALE_DOWN,
        aspect_ratio: AspectRatio = None,
        fallback: Fallback = None,
    ) -> str:
        if not widths:
            raise BadInput("`widths` needs at least one width", field="widths")
        if len(widths) > MAX_SRCSET_WIDTHS:
            raise BadInput(f"`widths` may list at most {MAX_SRCSET_WIDTHS} widths", field="widths")
        if aspect_ratio is not None:
            _check_aspect_ratio(aspect_ratio)
        entries: dict[int, str] = {}
        for width in sorted(set(widths)):
            height = None if aspect_ratio is None or width < 1 else max(1, round(width / aspect_ratio))
            rendition = self._allowed(info, Ask(width, height, fit or Fit.SCALE_DOWN, format), fallback)
            entries.setdefault(rendition.size[0], self._url(info, rendition))
        return ", ".join(f"{url} {width}w" for width, url in entries.items())

    def _original(self) -> Original:
        return self.view.original

    def _resolve(self, info: strawberry.Info, ask: Ask) -> Rendition:
        settings = info.context.settings
        return resolve(
            self._original(), ask, ladder=ladder_for(settings), max_size=settings.max_rendition_size
        )

    def _allowed(self, info: strawberry.Info, ask: Ask, fallback: Fit | None) -> Rendition:
        settings = info.context.settings
        return allowed(
            self._original(),
            ask,
            self.view.license,
            ladder=ladder_for(settings),
            max_size=settings.max_rendition_size,
            fallback=fallback,
        )

    def _url(self, info: strawberry.Info, rendition: Rendition) -> str:
        settings = info.context.settings
        return rendition.url(settings.public_url, settings.secret_key, self._original())


def _check_aspect_ratio(value: float) -> None:
    if not math.isfinite(value) or not 0.01 <= value <= 100:
        raise BadInput("`aspectRatio` (width / height) must be between 0.01 and 100", field="aspectRatio")
