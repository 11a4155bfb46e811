"""The few sizes, shapes and qualities renditions come in, so clients cannot make unbounded work.

The API signs every rendition URL it hands out, but it used to sign any width from 1 to
4000, any quality and any shape: one anonymous client could make the server render and
store hundreds of files a second. Now every request is snapped before it is signed:

- widths (and the heights of height-only boxes) snap UP to the next step of a ladder,
  by default 16 to 4000 in steps of about 1.25x (``DEFAULT_WIDTHS``; CMS_RENDITION_WIDTHS
  sets another), so a slot is never served a picture smaller than it asked for;
- the shape of a COVER or CONTAIN box snaps to the nearest of ``ASPECT_RATIOS``;
- quality snaps to the nearest of ``QUALITIES`` or the format's default.

The URL then names the size the rendition really has (see cms.media.resolve). URLs
signed before this existed keep working: the media endpoint renders whatever a valid
signature covers, and only the signer is bounded.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: 16 * 1.25**n, rounded to friendly numbers: 25 steps; each is at most 28 % wider than the last.
DEFAULT_WIDTHS: tuple[int, ...] = (
    16, 20, 25, 32, 40, 50, 64, 80, 100, 125, 160, 200, 250, 320, 400, 500, 640, 800,
    1000, 1250, 1600, 2000, 2500, 3200, 4000,
)  # fmt: skip

#: Width / height of the box shapes COVER and CONTAIN are made in, from 3:1 banners to
#: 1:3 columns: the usual photo, video and social-card (1.91:1) shapes and their portraits.
ASPECT_RATIOS: tuple[float, ...] = (
    3.0, 7 / 3, 2.0, 1.91, 16 / 9, 3 / 2, 4 / 3, 5 / 4, 1.0, 4 / 5, 3 / 4, 2 / 3, 9 / 16, 1 / 2, 1 / 3,
)  # fmt: skip

#: Qualities a client may ask for besides the format's default (JPEG 82, WebP 80, AVIF 60).
QUALITIES: tuple[int, ...] = (30, 50, 70, 90)


@dataclass(frozen=True)
class Ladder:
    """The widths renditions are made in, ascending, topped by the longest side allowed."""

    widths: tuple[int, ...]

    @classmethod
    def build(cls, widths: Iterable[int], max_size: int) -> Ladder:
        steps = sorted({w for w in widths if 1 <= w < max_size} | {max_size})
        return cls(tuple(steps))

    def snap(self, value: int) -> int:
        """The smallest step at least ``value`` wide; past the top, the top."""
        index = bisect.bisect_left(self.widths, value)
        return self.widths[min(index, len(self.widths) - 1)]


def snap_ratio(ratio: float, choices: Sequence[float] = ASPECT_RATIOS) -> float:
    """The nearest shape, measured as a factor (2:1 is as far from 1:1 as 1:2 is)."""
    return min(choices, key=lambda choice: abs(math.log(ratio / choice)))


def snap_quality(quality: int | None, default: int | None) -> int | None:
    """The nearest allowed quality (ties go up); None when the format takes none or the default wins."""
    if quality is None or default is None:
        return None
    return min((*QUALITIES, default), key=lambda choice: (abs(choice - quality), -choice))


def parse_widths(text: str) -> tuple[int, ...]:
    """``"320, 640,1280"`` as a ladder; a ValueError names what is wrong."""
    try:
        widths = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        raise ValueError(f"give whole numbers separated by commas, got {text!r}") from None
    if not widths:
        raise ValueError("give at least one width")
    if widths[0] < 1:
        raise ValueError(f"widths must be positive, got {widths[0]}")
    if len(widths) > 64:
        raise ValueError(
            f"at most 64 widths, got {len(widths)}: each one multiplies the renditions per image"
        )
    return widths
