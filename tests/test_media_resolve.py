"""From an ask to the rendition that is signed: the ladder, real-size names, licence fallbacks.

Pure functions on plain values: no database, no server.
"""

from __future__ import annotations

import random

import pytest

from cms.errors import BadInput, ConfigError, LicenseForbids
from cms.media import renditions
from cms.media.geometry import Fit
from cms.media.ladder import ASPECT_RATIOS, DEFAULT_WIDTHS, QUALITIES, Ladder, parse_widths, snap_ratio
from cms.media.licenses import facts_for
from cms.media.renditions import OutputFormat
from cms.media.resolve import Ask, Original, Rendition, allowed, crop_allowed, resolve
from cms.settings import Settings

LADDER = Ladder.build(DEFAULT_WIDTHS, 4000)
PHOTO = Original("ab" * 32, 2400, 1600, "JPEG", (0.3, 0.6))


def name(ask: Ask, original: Original = PHOTO, ladder: Ladder = LADDER) -> str:
    return resolve(original, ask, ladder=ladder, max_size=4000).spec.name()


def test_the_default_ladder_steps_by_about_a_quarter() -> None:
    assert LADDER.widths[0] == 16
    assert LADDER.widths[-1] == 4000
    steps = [b / a for a, b in zip(LADDER.widths, LADDER.widths[1:], strict=False)]
    assert all(1.2 <= step <= 1.28 for step in steps), steps


@pytest.mark.parametrize(
    ("asked", "served"), [(1, 16), (16, 16), (17, 20), (300, 320), (801, 1000), (1920, 2000), (3999, 4000)]
)
def test_an_off_ladder_width_is_served_as_the_next_ladder_width(asked: int, served: int) -> None:
    big = Original("ab" * 32, 6000, 4000, "JPEG")
    assert name(Ask(width=asked), big) == f"w{served}.jpg"


def test_the_name_states_the_real_size_never_more_than_the_original() -> None:
    assert name(Ask(width=5000)) == "w2400.jpg"  # was w4000, for a file 2400 wide
    assert name(Ask(width=2400)) == "w2400.jpg"  # 2500 on the ladder, 2400 in the original
    assert name(Ask()) == "w2400.jpg"  # the full size, named
    assert name(Ask(height=300)) == "w480.jpg"  # 320 high: the original's shape, 480 wide
    assert name(Ask(width=9000, height=9000)) == "w2400.jpg"


def test_large_originals_stop_at_the_largest_rendition_size() -> None:
    huge = Original("ab" * 32, 8000, 6000, "JPEG")
    assert name(Ask(), huge) == "w4000.jpg"
    assert name(Ask(width=9999), huge) == "w4000.jpg"
    assert name(Ask(width=600, height=600, fit=Fit.COVER), huge) == "w640_h640_cover.jpg"


def test_cover_and_contain_boxes_take_a_ladder_width_and_a_standard_shape() -> None:
    assert name(Ask(800, 450, Fit.COVER)) == "w800_h450_cover_f300-600.jpg"  # 16:9 stays
    assert name(Ask(800, 500, Fit.COVER)) == "w800_h533_cover_f300-600.jpg"  # 1.6 is taken as 3:2
    assert name(Ask(700, 700, Fit.CONTAIN)) == "w800_h800_contain.jpg"
    assert name(Ask(1200, 630, Fit.COVER)) == "w1250_h654_cover_f300-600.jpg"  # the social card shape
    # A box larger than the crop gets the crop at its own size: named by it.
    assert name(Ask(4000, 4000, Fit.COVER)) == "w1600_h1600_cover_f300-600.jpg"
    assert name(Ask(4000, 4000, Fit.CONTAIN)) == "w2400_h2400_contain.jpg"


def test_a_box_with_one_side_is_a_plain_resize() -> None:
    assert name(Ask(width=500, fit=Fit.COVER)) == "w500.jpg"
    assert name(Ask(height=500, fit=Fit.CONTAIN)) == "w750.jpg"


def test_shapes_snap_to_the_nearest_standard_ratio() -> None:
    assert snap_ratio(1.0) == 1.0
    assert snap_ratio(1.95) == 1.91
    assert snap_ratio(1 / 1.95) == 1 / 2  # 1:1.95 is nearer 1:2 than 9:16
    assert snap_ratio(100) == 3.0
    assert snap_ratio(0.01) == 1 / 3
    assert len(ASPECT_RATIOS) == 15


@pytest.mark.parametrize(
    ("fmt", "quality", "suffix"),
    [
        (OutputFormat.JPEG, 82, ".jpg"),  # the default: not named
        (OutputFormat.JPEG, 83, ".jpg"),  # nearer the default than 90
        (OutputFormat.JPEG, 88, "_q90.jpg"),
        (OutputFormat.WEBP, 1, "_q30.webp"),
        (OutputFormat.WEBP, 61, "_q70.webp"),  # 70 is 9 away, 50 is 11
        (OutputFormat.AVIF, 60, ".avif"),
        (OutputFormat.AVIF, 100, "_q90.avif"),
        (OutputFormat.PNG, 10, ".png"),  # lossless: no quality
    ],
)
def test_quality_snaps_to_a_few_levels(fmt: OutputFormat, quality: int, suffix: str) -> None:
    assert name(Ask(width=400, format=fmt, quality=quality)) == f"w400{suffix}"


def test_bad_asks_are_bad_user_input() -> None:
    for ask, field in [(Ask(width=0), "width"), (Ask(height=-2), "height"), (Ask(quality=101), "quality")]:
        with pytest.raises(BadInput) as caught:
            resolve(PHOTO, ask, ladder=LADDER, max_size=4000)
        assert caught.value.field == field


def test_every_name_renders_to_the_size_it_states() -> None:
    """The media endpoint plans from the name alone: it must plan to what the signer promised."""
    rng = random.Random(20240601)
    for _ in range(3000):
        original = Original(
            "ab" * 32, rng.randint(1, 7000), rng.randint(1, 7000), "JPEG", (rng.random(), 0.5)
        )
        ask = Ask(
            rng.choice([None, rng.randint(1, 5000)]),
            rng.choice([None, rng.randint(1, 5000)]),
            rng.choice(list(Fit)),
            quality=rng.choice([None, rng.randint(1, 100)]),
        )
        rendition = resolve(original, ask, ladder=LADDER, max_size=4000)
        spec = renditions.parse(rendition.spec.name())
        served = spec.plan((original.width, original.height), 4000)
        assert served == rendition.layout, (original, ask)
        if spec.width is not None:
            assert spec.width == served.canvas[0]
        if spec.height is not None:
            assert spec.height == served.canvas[1]
        assert max(served.size) <= 4000
        assert served.size[0] <= original.width
        assert served.size[1] <= original.height
        assert spec.quality in {None, *QUALITIES}


def test_the_renditions_one_image_can_have_are_bounded() -> None:
    """Every width and height from 1 to 4000, any fit and shape: a few hundred names per format."""
    original = Original("ab" * 32, 6000, 4000, "JPEG", (0.3, 0.6))
    names: set[str] = set()
    rng = random.Random(7)
    for _ in range(20000):
        ask = Ask(rng.randint(1, 4000), rng.choice([None, rng.randint(1, 4000)]), rng.choice(list(Fit)))
        names.add(resolve(original, ask, ladder=LADDER, max_size=4000).spec.name())
    # Bound: 2 x 25 + 1 SCALE_DOWN sizes, 25 widths x 15 shapes for each of COVER and CONTAIN.
    assert len(names) <= 2 * 25 + 1 + 2 * 25 * 15


def test_records_without_pixels_get_the_snapped_box() -> None:
    imported = Original("i42", 0, 0, None)
    assert name(Ask(width=300), imported) == "w320.jpg"
    assert name(Ask(), imported) == "full.jpg"
    assert name(Ask(300, 300, Fit.COVER), imported) == "w320_h320_cover.jpg"


def test_a_configured_ladder_is_used_and_topped_by_the_largest_size() -> None:
    settings = Settings.from_env(
        {"CMS_RENDITION_WIDTHS": "640, 320,1280,320", "CMS_MAX_RENDITION_SIZE": "2000"}
    )
    assert settings.rendition_widths == (320, 640, 1280)
    ladder = Ladder.build(settings.rendition_widths, settings.max_rendition_size)
    assert ladder.widths == (320, 640, 1280, 2000)
    big = Original("ab" * 32, 6000, 4000, "JPEG")
    assert name(Ask(width=10), big, ladder) == "w320.jpg"
    assert name(Ask(width=1500), big, ladder) == "w2000.jpg"


@pytest.mark.parametrize("value", ["a,b", "", " , ", "0,100", ",".join(str(n) for n in range(1, 70))])
def test_a_bad_ladder_setting_names_the_variable(value: str) -> None:
    if not value.strip():
        assert Settings.from_env({"CMS_RENDITION_WIDTHS": value}).rendition_widths == DEFAULT_WIDTHS
        return
    with pytest.raises(ConfigError, match="CMS_RENDITION_WIDTHS"):
        Settings.from_env({"CMS_RENDITION_WIDTHS": value})
    with pytest.raises(ValueError):  # noqa: PT011 - the message is checked above
        parse_widths(value)


# --- Licences ------------------------------------------------------------------------------------

ND = facts_for("CC-BY-ND-2.0")
BY = facts_for("CC-BY-2.0")


def _allowed(ask: Ask, facts: object, fallback: Fit | None = None) -> Rendition:
    return allowed(PHOTO, ask, facts, ladder=LADDER, max_size=4000, fallback=fallback)  # type: ignore[arg-type]


def test_crops_of_nd_images_are_refused_unless_a_fallback_is_given() -> None:
    square = Ask(400, 400, Fit.COVER)
    assert _allowed(square, BY).spec.name() == "w400_h400_cover_f300-600.jpg"
    with pytest.raises(LicenseForbids, match="fallback: CONTAIN"):
        _allowed(square, ND)
    assert _allowed(square, ND, Fit.CONTAIN).spec.name() == "w400_h400_contain.jpg"
    assert _allowed(square, ND, Fit.SCALE_DOWN).spec.name() == "w400.jpg"
    # The original's own shape is no crop: allowed as asked.
    assert _allowed(Ask(600, 400, Fit.COVER), ND).spec.name() == "w640_h427_cover_f300-600.jpg"
    assert crop_allowed(BY)
    assert not crop_allowed(ND)
    assert not crop_allowed(facts_for("ARR"))


def test_cover_is_no_fallback() -> None:
    with pytest.raises(BadInput) as caught:
        _allowed(Ask(400, 400, Fit.COVER), ND, Fit.COVER)
    assert caught.value.field == "fallback"


def test_render_units_weigh_big_and_slow_renditions() -> None:
    assert renditions.render_units(renditions.parse("w800.webp")) == 3
    assert renditions.render_units(renditions.parse("w1000_h1000_cover.webp")) == 4
    assert renditions.render_units(renditions.parse("w4000.avif")) == 161  # about 11 CPU s measured
    assert renditions.render_units(renditions.parse("full.jpg")) == 17
    assert renditions.render_units(renditions.parse("w16.jpg")) == 1
