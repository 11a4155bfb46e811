"""Deciding what an uploaded file is, from its bytes alone, and whether to take it.

The client's filename and declared type are never consulted. Every refusal is an
``UnsupportedMedia`` with a message a person can act on. Checks that are cheap
(empty, unknown type, canvas size, frame count) run on the header, before any
pixel is decoded, so a decompression bomb costs a few kilobytes of reading.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from cms.errors import UnsupportedMedia
from cms.media.pixels import EXTENSIONS, MIME_TYPES, decoding_guard, open_image, oriented_first_frame
from cms.media.placeholder import Placeholder, make_placeholder
from cms.media.xmp import XmpRights, read_rights
from cms.wording import indefinite

#: No side longer than this, whatever the pixel budget: a 50,000 x 1,000 strip is
#: within 50 megapixels but no use on a web page, and some encoders refuse it.
MAX_SIDE = 20_000
MAX_FRAMES = 100
_ACCEPTED = "JPEG, PNG, GIF, WebP or AVIF"


@dataclass(frozen=True)
class Intake:
    format: str  # JPEG, PNG, GIF, WEBP or AVIF, as decoded
    width: int  # as displayed, after the EXIF orientation
    height: int
    frames: int
    placeholder: Placeholder
    rights: XmpRights

    @property
    def mime_type(self) -> str:
        return MIME_TYPES[self.format]

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.0f} megapixels" if pixels >= 1_000_000 else f"{pixels:,} pixels"


def inspect(data: bytes, *, max_pixels: int) -> Intake:
    """Identify, check and decode ``data``; refuse anything unsafe or not an image we take."""
    if not data:
        raise UnsupportedMedia("the file is empty")
    with decoding_guard():
        try:
            im = open_image(data)
        except UnidentifiedImageError:
            raise UnsupportedMedia(
                f"this is not an image we accept: send {indefinite(_ACCEPTED)} file "
                "(SVG, HTML and other formats are refused, whatever the file is called)"
            ) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise UnsupportedMedia(
                f"the image declares a canvas far larger than {_megapixels(max_pixels)}; "
                "it looks like a decompression bomb"
            ) from None
        except (OSError, SyntaxError, ValueError):
            raise UnsupportedMedia(f"the file is damaged and cannot be read as {_ACCEPTED}") from None
        with im:
            return _check_and_decode(im, max_pixels)


def _check_and_decode(im: Image.Image, max_pixels: int) -> Intake:
    width, height = im.size
    if width < 1 or height < 1:
        raise UnsupportedMedia("the image has no pixels")
    if width * height > max_pixels:
        raise UnsupportedMedia(
            f"the image is {width} x {height} pixels ({_megapixels(width * height)}); "
            f"the limit is {_megapixels(max_pixels)}"
        )
    if max(width, height) > MAX_SIDE:
        raise UnsupportedMedia(f"the image is {width} x {height} pixels; no side may exceed {MAX_SIDE}")
    frames = int(getattr(im, "n_frames", 1))
    if frames > MAX_FRAMES:
        raise UnsupportedMedia(f"the animation has {frames} frames; the limit is {MAX_FRAMES}")
    # Frames are decoded one at a time, each as big as the canvas: cap their sum too.
    if frames * width * height > 2 * max_pixels:
        raise UnsupportedMedia(
            f"the animation's {frames} frames add up to {_megapixels(frames * width * height)}; "
            f"the limit is {_megapixels(2 * max_pixels)}"
        )
    fmt = str(im.format)
    rights = read_rights({str(k): v for k, v in im.info.items()})
    try:
        # Decoding every frame is what finds truncated and corrupt files: open() only read the header.
        for index in range(frames):
            im.seek(index)
            im.load()
        picture = oriented_first_frame(im)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UnsupportedMedia("the image decodes to more pixels than it declared") from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise UnsupportedMedia("the file is truncated or damaged: its pixels cannot be decoded") from None
    if math.prod(picture.size) > max_pixels:  # pragma: no cover - the header said otherwise
        raise UnsupportedMedia("the image decodes to more pixels than it declared")
    return Intake(
        format=fmt,
        width=picture.width,
        height=picture.height,
        frames=frames,
        placeholder=make_placeholder(picture),
        rights=rights,
    )
