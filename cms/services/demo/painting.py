"""Brushes for the demo's pictures: gradients, glows, grain, and encoding.

Pillow only, and fast: everything is drawn at demo time (nothing is shipped or
downloaded), so every brush avoids per-pixel Python work.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable
from functools import lru_cache

from PIL import Image, ImageChops, ImageOps

Colour = tuple[int, int, int]
Size = tuple[int, int]
Scene = Callable[[Size, random.Random], Image.Image]


def gradient(size: Size, top: Colour, bottom: Colour) -> Image.Image:
    # Colour a 1 x 256 strip, then stretch it: colouring every pixel would cost 20 times more.
    strip = ImageOps.colorize(Image.linear_gradient("L").resize((1, 256)), top, bottom)
    return strip.resize(size, Image.Resampling.BILINEAR)


def band(im: Image.Image, top: int, top_colour: Colour, bottom_colour: Colour) -> None:
    """A gradient from ``top`` down to the bottom edge: the sea, a field, a street."""
    im.paste(gradient((im.width, im.height - top), top_colour, bottom_colour), (0, top))


def glow(im: Image.Image, centre: tuple[int, int], radius: int, colour: Colour) -> None:
    # The radial gradient reaches 255 in the corners, not at the edges: rescale so the
    # glow fades to nothing inside its box instead of showing the box.
    mask = Image.radial_gradient("L").point(lambda v: int(255 * (1 - min(v, 181) / 181) ** 2))
    mask = mask.resize((2 * radius, 2 * radius))
    im.paste(Image.new("RGB", mask.size, colour), (centre[0] - radius, centre[1] - radius), mask)


@lru_cache(maxsize=8)
def _grain_tile(sigma: float) -> Image.Image:
    return Image.merge("RGB", [Image.effect_noise((128, 128), sigma / 3)] * 3)


def grain(im: Image.Image, sigma: float) -> Image.Image:
    """Film grain, so flat drawn areas look less drawn and JPEG has texture to keep.

    One small noise tile, repeated: fresh noise for every pixel costs more than the drawing."""
    tile = _grain_tile(sigma)
    layer = Image.new("RGB", im.size)
    for y in range(0, im.height, tile.height):
        for x in range(0, im.width, tile.width):
            layer.paste(tile, (x, y))
    return ImageChops.add(im, layer, scale=1.0, offset=-128)


def polar(origin: tuple[int, int], length: float, degrees: float) -> tuple[int, int]:
    radians = math.radians(degrees)
    return int(origin[0] + length * math.sin(radians)), int(origin[1] - length * math.cos(radians))


def sepia(im: Image.Image) -> Image.Image:
    return ImageOps.colorize(ImageOps.grayscale(im), (38, 26, 16), (236, 222, 196))


def paint(scene: Scene, size: Size, fmt: str, *, seed: int) -> bytes:
    """The scene at ``size``, encoded as ``fmt`` (JPEG, PNG or WEBP)."""
    picture = scene(size, random.Random(seed))
    if fmt == "JPEG":
        picture = picture.convert("RGB")
    out = io.BytesIO()
    if fmt == "JPEG":
        picture.save(out, "JPEG", quality=84)
    elif fmt == "WEBP":
        picture.save(out, "WEBP", quality=80, method=0)
    else:
        picture.save(out, fmt, compress_level=3)
    return out.getvalue()
