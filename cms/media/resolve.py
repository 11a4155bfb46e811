"""From what a client asks for to the one rendition that is signed and served.

Pure functions on plain values (the original's size, format, focal point and licence
facts), so any surface (GraphQL, feeds, bodies) gets the same URLs for the same ask:

1. the ask is snapped (cms.media.ladder): widths and heights up the ladder, box shapes
   to a few aspect ratios, quality to a few levels;
2. the geometry is planned on the original (cms.media.geometry): never larger than it,
   never past CMS_MAX_RENDITION_SIZE;
3. the spec is named by the size that comes out, so ``url(width: 5000)`` on a 2400-px
   original is ``w2400``, the same file as ``url(width: 2400)``;
4. the licence decides whether a crop may be made (``allowed``): an image whose licence
   forbids adaptations gets LICENSE_FORBIDS for a crop, or the caller's fallback fit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from cms.errors import BadInput
from cms.media.geometry import Fit, Plan, cap_box
from cms.media.ladder import Ladder, snap_quality, snap_ratio
from cms.media.licenses import LicenseFacts
from cms.media.renditions import DEFAULT_QUALITY, NATURAL_FORMAT, OutputFormat, Spec, focal_per_mille
from cms.media.rules import crop_forbidden
from cms.media.signing import signed_path


@dataclass(frozen=True)
class Original:
    """What the pipeline needs to know of an image. ``source`` names it in URLs: the
    SHA-256 of its stored original, or ``i<id>`` for a record with no pixels yet."""

    source: str
    width: int  # as displayed (after EXIF orientation); 0 when not known
    height: int
    format: str | None = None  # JPEG, PNG, GIF, WEBP, AVIF
    focal: tuple[float, float] | None = None  # fractions of width and height

    @property
    def known_size(self) -> bool:
        return self.width > 0 and self.height > 0


@dataclass(frozen=True)
class Ask:
    width: int | None = None
    height: int | None = None
    fit: Fit = Fit.SCALE_DOWN
    format: OutputFormat | None = None
    quality: int | None = None


@dataclass(frozen=True)
class Rendition:
    spec: Spec
    layout: Plan  # what the media endpoint will make of ``spec``

    @property
    def size(self) -> tuple[int, int]:
        return self.layout.canvas

    def url(self, base_url: str, secret: str, original: Original) -> str:
        return base_url + signed_path(secret, original.source, self.spec.name())


def validate(ask: Ask) -> None:
    for name, value in (("width", ask.width), ("height", ask.height)):
        if value is not None and value < 1:
            raise BadInput(f"`{name}` must be at least 1", field=name)
    if ask.quality is not None and not 1 <= ask.quality <= 100:
        raise BadInput("`quality` must be between 1 and 100", field="quality")


def resolve(original: Original, ask: Ask, *, ladder: Ladder, max_size: int) -> Rendition:
    """The snapped rendition for ``ask``, named by its real size. No licence check."""
    validate(ask)
    fmt = ask.format or NATURAL_FORMAT.get(original.format or "JPEG", OutputFormat.JPEG)
    quality = snap_quality(ask.quality, DEFAULT_QUALITY.get(fmt))
    width, height, fit = _snap_box(ask, ladder)
    width, height = cap_box(width, height, max_size)
    focal = focal_per_mille(*original.focal) if original.focal and fit is Fit.COVER else None
    spec = Spec(width, height, fit, fmt, quality, focal).canonical()
    if not original.known_size:
        # No pixels to measure yet: sign the snapped box as it is; the URL changes
        # anyway once a file is uploaded (its source becomes the file's hash).
        return Rendition(spec, spec.plan((max_size, max_size), max_size))
    source = (original.width, original.height)
    layout = spec.plan(source, max_size)
    # Name the output, not the ask. Renaming can move a rounding by a pixel, so repeat
    # until the name plans to itself (twice at most in practice).
    for _ in range(4):
        named = _named(spec, layout)
        named_layout = named.plan(source, max_size)
        if named == spec or named_layout.canvas == layout.canvas:
            return Rendition(named, named_layout)
        spec, layout = named, named_layout
    return Rendition(spec, layout)  # pragma: no cover - rounding never cycles this long


def _snap_box(ask: Ask, ladder: Ladder) -> tuple[int | None, int | None, Fit]:
    if ask.fit is not Fit.SCALE_DOWN and ask.width is not None and ask.height is not None:
        box_width = ladder.snap(ask.width)
        return box_width, max(1, round(box_width / snap_ratio(ask.width / ask.height))), ask.fit
    # A box with one side (or SCALE_DOWN) only limits the size: each side snaps up.
    width = None if ask.width is None else ladder.snap(ask.width)
    height = None if ask.height is None else ladder.snap(ask.height)
    return width, height, Fit.SCALE_DOWN


def _named(spec: Spec, layout: Plan) -> Spec:
    if spec.fit is Fit.SCALE_DOWN:
        # The original's shape is kept, so the width alone says the size.
        return replace(spec, width=layout.size[0], height=None).canonical()
    width, height = layout.size if spec.fit is Fit.COVER else layout.canvas
    return replace(spec, width=width, height=height).canonical()


def crop_allowed(facts: LicenseFacts | None) -> bool:
    """Whether renditions may crop the image (CC -ND licences and ARR forbid it)."""
    return facts is None or facts.allows_adaptations


def allowed(
    original: Original,
    ask: Ask,
    facts: LicenseFacts | None,
    *,
    ladder: Ladder,
    max_size: int,
    fallback: Fit | None = None,
) -> Rendition:
    """The rendition for ``ask`` that the licence allows.

    A crop of an image that may not be cropped is LICENSE_FORBIDS, unless the caller
    gave a ``fallback`` fit (CONTAIN letterboxes to the same box, SCALE_DOWN fits
    inside it): the best allowed rendition, for grids that must not lose -ND images.
    """
    if fallback is Fit.COVER:
        raise BadInput(
            "`fallback` is what to do when COVER may not crop: CONTAIN or SCALE_DOWN", field="fallback"
        )
    rendition = resolve(original, ask, ladder=ladder, max_size=max_size)
    if facts is None or not rendition.layout.cropped or crop_allowed(facts):
        return rendition
    if fallback is None:
        raise crop_forbidden(facts)
    return resolve(original, replace(ask, fit=fallback), ladder=ladder, max_size=max_size)
