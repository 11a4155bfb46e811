"""One rendition of an image for surfaces that show it at a single size: feeds, JSON-LD, mails.

The URL is signed and names the size the rendition really has, as GraphQL's `Image.url` does;
the licence is respected the same way (a scaled-down copy never crops, so -ND images qualify).
"""

from __future__ import annotations

from dataclasses import dataclass

from cms.media.renditions import MEDIA_TYPE
from cms.media.resolve import Ask, allowed
from cms.services.images import ladder_for
from cms.services.views import ImageView
from cms.settings import Settings

#: Wide enough for a feed reader's or a search result's large image (Google asks for 1,200 px).
SHARE_WIDTH = 1200


@dataclass(frozen=True, slots=True)
class Shown:
    url: str
    width: int
    height: int
    media_type: str


def shown(settings: Settings, image: ImageView, *, width: int = SHARE_WIDTH) -> Shown:
    rendition = allowed(
        image.original,
        Ask(width=width),
        image.license,
        ladder=ladder_for(settings),
        max_size=settings.max_rendition_size,
    )
    real_width, real_height = rendition.size
    return Shown(
        url=rendition.url(settings.public_url, settings.secret_key, image.original),
        width=real_width,
        height=real_height,
        media_type=MEDIA_TYPE[rendition.spec.format],
    )
