"""Rendition specs and rendering.

A spec is everything that decides a rendition's pixels and has one canonical text
form, ``w800_h450_cover_f300-600_q80.webp``, used in URLs and as the storage name.
Parsing accepts only the canonical form, so one rendition has one URL and one file.
The focal point is part of a COVER spec: moving it makes new renditions, never
serves stale crops.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, replace
from enum import Enum

from PIL import Image

from cms.media.geometry import Fit, Plan, plan
from cms.media.pixels import decoding_guard, flatten, open_image, oriented_first_frame


class OutputFormat(Enum):
    JPEG = "JPEG"
    PNG = "PNG"
    WEBP = "WEBP"
    AVIF = "AVIF"


EXTENSION = {
    OutputFormat.JPEG: "jpg",
    OutputFormat.PNG: "png",
    OutputFormat.WEBP: "webp",
    OutputFormat.AVIF: "avif",
}
MEDIA_TYPE = {
    OutputFormat.JPEG: "image/jpeg",
    OutputFormat.PNG: "image/png",
    OutputFormat.WEBP: "image/webp",
    OutputFormat.AVIF: "image/avif",
}
# Defaults that look right for photographs at typical web sizes; AVIF reaches the
# same look at a lower number. PNG is lossless and takes no quality.
DEFAULT_QUALITY = {OutputFormat.JPEG: 82, OutputFormat.WEBP: 80, OutputFormat.AVIF: 60}
#: The format a rendition keeps when none is asked for: the original's, or PNG for GIF.
NATURAL_FORMAT = {
    "JPEG": OutputFormat.JPEG,
    "PNG": OutputFormat.PNG,
    "GIF": OutputFormat.PNG,
    "WEBP": OutputFormat.WEBP,
    "AVIF": OutputFormat.AVIF,
}
_BY_EXTENSION = {ext: fmt for fmt, ext in EXTENSION.items()}
_FIT_WORDS = {Fit.CONTAIN: "contain", Fit.COVER: "cover"}
_FITS = {word: fit for fit, word in _FIT_WORDS.items()}
_PART = re.compile(
    r"^(?:w(?P<w>[1-9]\d{0,4})|h(?P<h>[1-9]\d{0,4})|q(?P<q>[1-9]\d?|100)|f(?P<fx>\d{1,4})-(?P<fy>\d{1,4}))$"
)


class BadSpec(ValueError):
    pass


@dataclass(frozen=True)
class Spec:
    width: int | None = None
    height: int | None = None
    fit: Fit = Fit.SCALE_DOWN
    format: OutputFormat = OutputFormat.JPEG
    quality: int | None = None  # None: the format's default
    focal: tuple[int, int] | None = None  # per mille of width and height; COVER only

    def canonical(self) -> Spec:
        """The same rendition with defaults dropped, so equal renditions compare equal."""
        quality = None if self.quality == DEFAULT_QUALITY.get(self.format) else self.quality
        if self.format is OutputFormat.PNG:
            quality = None
        crops = self.fit is Fit.COVER and self.width is not None and self.height is not None
        focal = self.focal if crops and self.focal != (500, 500) else None
        fit = self.fit if self.width is not None or self.height is not None else Fit.SCALE_DOWN
        return replace(self, quality=quality, focal=focal, fit=fit)

    @property
    def effective_quality(self) -> int | None:
        return self.quality or DEFAULT_QUALITY.get(self.format)

    def name(self) -> str:
        spec = self.canonical()
        parts = []
        if spec.width is not None:
            parts.append(f"w{spec.width}")
        if spec.height is not None:
            parts.append(f"h{spec.height}")
        if spec.fit in _FIT_WORDS:
            parts.append(_FIT_WORDS[spec.fit])
        if spec.focal is not None:
            parts.append(f"f{spec.focal[0]}-{spec.focal[1]}")
        if spec.quality is not None:
            parts.append(f"q{spec.quality}")
        return f"{'_'.join(parts) or 'full'}.{EXTENSION[spec.format]}"

    def plan(self, source: tuple[int, int], max_size: int) -> Plan:
        focal = (self.focal[0] / 1000, self.focal[1] / 1000) if self.focal else None
        return plan(
            source, width=self.width, height=self.height, fit=self.fit, focal=focal, max_size=max_size
        )


#: Rough CPU per output megapixel relative to JPEG, from bench/images.py (AVIF: libaom at speed 8).
_COST_FACTOR = {OutputFormat.JPEG: 1, OutputFormat.WEBP: 3, OutputFormat.PNG: 4, OutputFormat.AVIF: 10}


def render_units(spec: Spec, max_size: int = 4000) -> int:
    """What rendering ``spec`` may cost, in units of at most about 130 ms of CPU (bench/images.py).

    One unit for reading the original (JPEGs decode scaled down, so even a 24-MP one costs
    about one), plus the output's megapixels weighted by the encoder. An upper bound from the
    name alone (the original's shape is not known without reading it): a one-sided box is
    taken as square. A rate limiter can charge first renders by it, so one 4000-px AVIF
    (161 units; 11 CPU s measured) counts as what it costs.
    """
    width = min(spec.width or max_size, max_size)
    height = min(spec.height or spec.width or max_size, max_size)
    return round(1 + width * height / 1e6 * _COST_FACTOR[spec.format])


def focal_per_mille(x: float, y: float) -> tuple[int, int]:
    return round(x * 1000), round(y * 1000)


def parse(name: str) -> Spec:
    """The spec a canonical name stands for; anything else is a ``BadSpec``."""
    stem, dot, extension = name.rpartition(".")
    if not dot or extension not in _BY_EXTENSION:
        raise BadSpec(f"unknown rendition format in {name!r}")
    values: dict[str, int] = {}
    fit = Fit.SCALE_DOWN
    for part in [] if stem == "full" else stem.split("_"):
        if part in _FITS:
            fit = _FITS[part]
            continue
        match = _PART.match(part)
        if not match:
            raise BadSpec(f"unknown rendition option {part!r}")
        for key, value in match.groupdict().items():
            if value is not None:
                values[key] = int(value)
    focal = (values["fx"], values["fy"]) if "fx" in values else None
    if focal and not (0 <= focal[0] <= 1000 and 0 <= focal[1] <= 1000):
        raise BadSpec("the focal point must lie on the image (0-1000 per mille)")
    spec = Spec(
        width=values.get("w"),
        height=values.get("h"),
        fit=fit,
        format=_BY_EXTENSION[extension],
        quality=values.get("q"),
        focal=focal,
    )
    if spec.name() != name:
        raise BadSpec(f"{name!r} is not in canonical form ({spec.name()!r})")
    return spec


def _draft(im: Image.Image, target: tuple[int, int], crop_share: tuple[float, float]) -> None:
    """Let the JPEG decoder scale down by 1/2, 1/4 or 1/8 while decoding: for a large
    photo this is most of the work saved. Asks for at least the pixels the crop needs."""
    if im.format != "JPEG":
        return
    need = (target[0] / crop_share[0], target[1] / crop_share[1])
    orientation = im.getexif().get(0x0112, 1)
    if orientation in {5, 6, 7, 8}:  # the stored image is turned a quarter
        need = (need[1], need[0])
    im.draft(im.mode, (int(need[0]) + 1, int(need[1]) + 1))


def render(data: bytes, spec: Spec, *, max_size: int) -> tuple[bytes, bool]:
    """Encode the rendition ``spec`` of the original ``data``; also whether it was cropped."""
    with decoding_guard():
        im = open_image(data)
        oriented = _oriented_size(im)
        layout = spec.plan(oriented, max_size)
        left, top, right, bottom = layout.crop
        share = ((right - left) / oriented[0], (bottom - top) / oriented[1])
        _draft(im, layout.size, share)
        picture = oriented_first_frame(im)
    # The decoder may have scaled by a power of two: map the crop onto what it gave.
    sx, sy = picture.width / oriented[0], picture.height / oriented[1]
    box = (left * sx, top * sy, right * sx, bottom * sy)
    resized = picture.resize(layout.size, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
    if layout.canvas != layout.size:
        canvas = Image.new(resized.mode, layout.canvas, (255, 255, 255, 0)[: len(resized.mode)])
        canvas.paste(resized, layout.offset)
        resized = canvas
    return encode(resized, spec.format, spec.effective_quality), layout.cropped


def _oriented_size(im: Image.Image) -> tuple[int, int]:
    orientation = im.getexif().get(0x0112, 1)
    return (im.height, im.width) if orientation in {5, 6, 7, 8} else im.size


def encode(im: Image.Image, fmt: OutputFormat, quality: int | None) -> bytes:
    out = io.BytesIO()
    im.info = {}  # nothing from the upload is written: no EXIF, XMP, comment or profile
    if fmt is OutputFormat.JPEG:
        flatten(im).save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    elif fmt is OutputFormat.PNG:
        im.save(out, "PNG", compress_level=6)
    elif fmt is OutputFormat.WEBP:
        im.save(out, "WEBP", quality=quality, method=4)
    else:
        im.save(out, "AVIF", quality=quality, speed=8)
    return out.getvalue()
