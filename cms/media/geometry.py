"""Rendition geometry: which part of the original to take, and how big to make it.

Pure arithmetic, no Pillow, so every rule can be unit-tested with plain numbers.
Coordinates are those of the image as displayed (after its EXIF orientation).

- SCALE_DOWN: fit inside the box, keep the aspect ratio, never enlarge.
- CONTAIN: the same picture, letterboxed to the box's aspect ratio. As pixels are
  never enlarged, a box bigger than the original gives a smaller canvas of the same
  shape. It is the way to fill a fixed slot with an image whose licence forbids crops.
- COVER: fill the box exactly, cropping around the focal point; when the box is larger
  than the crop, the output is the crop at its own size (same shape, fewer pixels).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

# A crop that would remove less than this share of a side is not worth making: it
# only comes from rounding (srcSet heights, aspect ratios like 16/9), and making it
# would turn a plain resize into a crop (which an -ND licence forbids).
_NEGLIGIBLE = 0.005


class Fit(Enum):
    SCALE_DOWN = "SCALE_DOWN"
    CONTAIN = "CONTAIN"
    COVER = "COVER"


Box = tuple[int, int, int, int]
Size = tuple[int, int]


@dataclass(frozen=True)
class Plan:
    source: Size
    crop: Box  # left, top, right, bottom in source pixels
    size: Size  # what the crop is resized to
    canvas: Size  # the output; larger than ``size`` only when letterboxed
    offset: tuple[int, int]  # where ``size`` sits on ``canvas``

    @property
    def cropped(self) -> bool:
        """True when part of the picture is cut away: the rendition is then an adaptation candidate."""
        return self.crop != (0, 0, *self.source)


def _positive(name: str, value: int | None) -> None:
    if value is not None and value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")


def cap_box(width: int | None, height: int | None, max_size: int) -> tuple[int | None, int | None]:
    """Scale the requested box so neither side exceeds ``max_size``, keeping its shape."""
    longest = max(width or 0, height or 0)
    if longest <= max_size:
        return width, height
    factor = max_size / longest
    return (
        None if width is None else max(1, round(width * factor)),
        None if height is None else max(1, round(height * factor)),
    )


def _crop_around(length: int, span: int, centre: float) -> int:
    """Start of a ``span`` long window on ``length``, centred on ``centre`` and kept inside."""
    start = round(centre * length - span / 2)
    return min(max(start, 0), length - span)


def plan(
    source: Size,
    *,
    width: int | None = None,
    height: int | None = None,
    fit: Fit = Fit.SCALE_DOWN,
    focal: tuple[float, float] | None = None,
    max_size: int = 4000,
) -> Plan:
    src_w, src_h = source
    if src_w < 1 or src_h < 1:
        raise ValueError(f"the source has no pixels: {src_w}x{src_h}")
    _positive("width", width)
    _positive("height", height)
    _positive("max_size", max_size)
    width, height = cap_box(width, height, max_size)
    full: Box = (0, 0, src_w, src_h)

    if fit is Fit.COVER and width is not None and height is not None:
        target = width / height
        if src_w / src_h > target:
            crop_w, crop_h = max(1, min(src_w, round(src_h * target))), src_h
        else:
            crop_w, crop_h = src_w, max(1, min(src_h, round(src_w / target)))
        if crop_w >= src_w * (1 - _NEGLIGIBLE) and crop_h >= src_h * (1 - _NEGLIGIBLE):
            crop_w, crop_h = src_w, src_h
        fx, fy = focal or (0.5, 0.5)
        left = _crop_around(src_w, crop_w, fx)
        top = _crop_around(src_h, crop_h, fy)
        # Never enlarge: a box bigger than the crop gets the crop at its own size.
        size = (width, height) if width <= crop_w and height <= crop_h else (crop_w, crop_h)
        return Plan(source, (left, top, left + crop_w, top + crop_h), size, size, (0, 0))

    scale = min(
        width / src_w if width is not None else math.inf,
        height / src_h if height is not None else math.inf,
        max_size / max(src_w, src_h),
        1.0,
    )
    size = (max(1, round(src_w * scale)), max(1, round(src_h * scale))) if scale < 1 else source
    if fit is Fit.CONTAIN and width is not None and height is not None:
        # The canvas keeps the box's shape and is just large enough to hold the picture.
        shrink = max(size[0] / width, size[1] / height)
        canvas = (max(size[0], round(width * shrink)), max(size[1], round(height * shrink)))
        offset = ((canvas[0] - size[0]) // 2, (canvas[1] - size[1]) // 2)
        return Plan(source, full, size, canvas, offset)
    return Plan(source, full, size, size, (0, 0))
