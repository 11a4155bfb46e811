"""What a page shows while an image loads: a BlurHash, a dominant colour, a tiny data URI.

Computed once at upload from the oriented first frame and stored with the image, so
serving a placeholder costs nothing.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import blurhash
from PIL import Image, ImageFilter

from cms.media.pixels import flatten

#: The placeholder of a record with no pixels yet (an imported image): a neutral grey
#: that is still a valid BlurHash, colour and data URI, as the contract's non-null fields need.
NEUTRAL_BLURHASH = "00Eyb["
NEUTRAL_COLOR = "#808080"
NEUTRAL_DATA_URI = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGNoaGgAAAMEAYFL09IQAAAAAElFTkSuQmCC"
)
MAX_DATA_URI = 1024


@dataclass(frozen=True)
class Placeholder:
    blurhash: str
    dominant_color: str
    data_uri: str


NEUTRAL = Placeholder(NEUTRAL_BLURHASH, NEUTRAL_COLOR, NEUTRAL_DATA_URI)


def _components(width: int, height: int) -> tuple[int, int]:
    # BlurHash's own advice: more components along the longer side, 4 x 3 for landscape.
    if width >= height:
        return 4, max(1, min(4, round(4 * height / width)) or 1)
    return max(1, min(4, round(4 * width / height)) or 1), 4


def _dominant(im: Image.Image) -> str:
    # The most common of a few representative colours, not the mean: the mean of a
    # blue sky over a red roof is a purple nobody sees in the picture.
    palette = im.quantize(colors=4, method=Image.Quantize.MEDIANCUT)
    counts = sorted(palette.getcolors() or [(1, 0)], key=lambda pair: pair[0], reverse=True)
    colours = palette.getpalette() or [128, 128, 128]
    index = int(counts[0][1]) * 3  # type: ignore[call-overload]  # a palette index in "P" mode
    r, g, b = colours[index : index + 3]
    return f"#{r:02x}{g:02x}{b:02x}"


def _data_uri(im: Image.Image) -> str:
    for side, quality in ((16, 40), (12, 30), (8, 20)):
        tiny = im.copy()
        tiny.thumbnail((side, side), Image.Resampling.BOX)
        tiny = tiny.filter(ImageFilter.GaussianBlur(0.6))
        out = io.BytesIO()
        tiny.save(out, "WEBP", quality=quality)
        uri = "data:image/webp;base64," + base64.b64encode(out.getvalue()).decode()
        if len(uri) <= MAX_DATA_URI:
            return uri
    return NEUTRAL_DATA_URI  # pragma: no cover - an 8 px WebP is far below the limit


def make_placeholder(picture: Image.Image) -> Placeholder:
    """``picture`` is RGB or RGBA (see ``pixels.web_mode``)."""
    small = flatten(picture)
    small.thumbnail((32, 32), Image.Resampling.BOX)
    flat = list(small.get_flattened_data())
    rows = [flat[y * small.width : (y + 1) * small.width] for y in range(small.height)]
    x_components, y_components = _components(small.width, small.height)
    return Placeholder(
        blurhash=blurhash.encode(rows, x_components, y_components),
        dominant_color=_dominant(small),
        data_uri=_data_uri(picture),
    )
