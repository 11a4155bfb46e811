"""Pixels made web-safe: decoding under limits, orientation, colour and bit depth.

Shared by intake (placeholders, checks) and rendering, so both see the same picture.
Nothing here keeps metadata: every image this module returns has an empty ``info``,
so no EXIF (GPS, camera serials), XMP or JPEG comment can reach a rendition.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image, ImageCms, ImageOps

#: Decoders we accept. Passing this to ``Image.open`` means no other plugin even
#: looks at the bytes: an SVG, HTML or PSD is unidentified, whatever its name says.
FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "AVIF")
MIME_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
    "AVIF": "image/avif",
}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "AVIF": "avif"}
_SRGB = ImageCms.createProfile("sRGB")


@contextmanager
def decoding_guard() -> Iterator[None]:
    """Pillow's own bomb check warns between its limit and twice it; make that a refusal too."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def open_image(data: bytes) -> Image.Image:
    """Open (header only) with just our decoders; callers check the size before ``load()``."""
    return Image.open(io.BytesIO(data), formats=FORMATS)


def _to_srgb(im: Image.Image, mode: str) -> Image.Image:
    icc = im.info.get("icc_profile")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(im, source, _SRGB, outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError):
            converted = None  # a broken profile: fall back to a plain conversion
        if converted is not None:
            return converted
    return im.convert(mode)


def web_mode(im: Image.Image) -> Image.Image:
    """RGB or RGBA in sRGB, 8 bits per channel, whatever came in."""
    mode = im.mode
    if mode in {"I;16", "I;16B", "I;16L", "I;16N", "I"}:
        # 16-bit grey: scale into 8 bits. A plain convert("L") clips every value
        # above 255 to white, which turns most photographs into a white sheet.
        im = im.convert("I").point(lambda value: value * (1 / 257)).convert("L")
        mode = "L"
    elif mode == "F":
        im = im.convert("L")
        mode = "L"
    has_alpha = mode in {"RGBA", "LA", "PA", "La", "RGBa"} or (
        mode in {"P", "L", "RGB"} and "transparency" in im.info
    )
    target = "RGBA" if has_alpha else "RGB"
    if mode == "CMYK" or im.info.get("icc_profile"):
        out = _to_srgb(im, target) if mode != "P" else _to_srgb(im.convert(target), target)
    else:
        out = im.convert(target) if im.mode != target else im.copy()
    out.info = {}
    return out


def oriented_first_frame(im: Image.Image) -> Image.Image:
    """The first frame, turned the way the camera meant it, in web mode."""
    if getattr(im, "n_frames", 1) > 1:
        im.seek(0)
    turned = ImageOps.exif_transpose(im)
    return web_mode(turned if turned is not None else im)


def flatten(im: Image.Image, background: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """RGBA onto a plain background, for formats without alpha (JPEG)."""
    if im.mode != "RGBA":
        return im.convert("RGB")
    base = Image.new("RGB", im.size, background)
    base.paste(im, mask=im.getchannel("A"))
    return base
