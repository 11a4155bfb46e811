"""Rendition geometry: pure arithmetic, the most tested rules of the image pipeline."""

from __future__ import annotations

import pytest

from cms.media.geometry import Fit, Plan, cap_box, plan

LANDSCAPE = (1600, 900)


def test_no_arguments_keeps_the_original() -> None:
    result = plan(LANDSCAPE)
    assert result == Plan(LANDSCAPE, (0, 0, 1600, 900), LANDSCAPE, LANDSCAPE, (0, 0))
    assert not result.cropped


@pytest.mark.parametrize(
    ("width", "height", "expected"),
    [
        (800, None, (800, 450)),
        (None, 450, (800, 450)),
        (800, 800, (800, 450)),  # the box is taller than needed: width decides
        (1600, 100, (178, 100)),
        (3200, None, (1600, 900)),  # never enlarged
        (3200, 1800, (1600, 900)),
        (1, None, (1, 1)),  # never zero
    ],
)
def test_scale_down_fits_inside_the_box_and_never_enlarges(
    width: int | None, height: int | None, expected: tuple[int, int]
) -> None:
    result = plan(LANDSCAPE, width=width, height=height)
    assert result.size == result.canvas == expected
    assert not result.cropped


def test_the_cap_bounds_every_side_and_keeps_the_box_shape() -> None:
    assert cap_box(8000, 4000, 4000) == (4000, 2000)
    assert cap_box(None, 9000, 4000) == (None, 4000)
    assert cap_box(100, 50, 4000) == (100, 50)
    huge = (12000, 6000)
    assert plan(huge).size == (4000, 2000)
    assert plan(huge, max_size=1000).size == (1000, 500)
    assert plan(huge, width=6000, height=6000, fit=Fit.COVER).size == (4000, 4000)


def test_cover_fills_the_box_cropping_the_centre_by_default() -> None:
    result = plan(LANDSCAPE, width=400, height=400, fit=Fit.COVER)
    assert result.crop == (350, 0, 1250, 900)
    assert result.size == result.canvas == (400, 400)
    assert result.cropped


@pytest.mark.parametrize(
    ("focal", "crop"),
    [
        ((0.0, 0.5), (0, 0, 900, 900)),  # clamped at the left edge
        ((1.0, 0.5), (700, 0, 1600, 900)),  # and at the right
        ((0.3, 0.5), (30, 0, 930, 900)),  # centred on x = 480
        ((0.6, 0.0), (510, 0, 1410, 900)),  # y is irrelevant: the crop is full height
    ],
)
def test_cover_crops_around_the_focal_point(focal: tuple[float, float], crop: tuple[int, ...]) -> None:
    assert plan(LANDSCAPE, width=300, height=300, fit=Fit.COVER, focal=focal).crop == crop


def test_cover_of_a_portrait_crops_vertically() -> None:
    result = plan((900, 1600), width=900, height=300, fit=Fit.COVER, focal=(0.5, 0.05))
    assert result.crop == (0, 0, 900, 300)
    result = plan((900, 1600), width=900, height=300, fit=Fit.COVER, focal=(0.5, 0.95))
    assert result.crop == (0, 1300, 900, 1600)


def test_cover_larger_than_the_crop_returns_the_crop_at_its_own_size() -> None:
    result = plan(LANDSCAPE, width=2000, height=2000, fit=Fit.COVER)
    assert result.crop == (350, 0, 1250, 900)
    assert result.size == (900, 900)


def test_cover_with_the_same_shape_is_a_plain_resize() -> None:
    result = plan(LANDSCAPE, width=800, height=450, fit=Fit.COVER)
    assert not result.cropped
    assert result.size == (800, 450)


def test_cover_ignores_a_negligible_crop_from_rounding() -> None:
    # 16/9 at 801 px wide is 450.56 px high: not a reason to cut a 1-px column.
    result = plan(LANDSCAPE, width=801, height=450, fit=Fit.COVER)
    assert not result.cropped
    assert plan(LANDSCAPE, width=810, height=450, fit=Fit.COVER).cropped


def test_cover_with_one_side_only_has_nothing_to_crop() -> None:
    result = plan(LANDSCAPE, width=400, fit=Fit.COVER)
    assert not result.cropped
    assert result.size == (400, 225)


def test_contain_letterboxes_to_the_box_shape() -> None:
    result = plan(LANDSCAPE, width=400, height=400, fit=Fit.CONTAIN)
    assert result.size == (400, 225)
    assert result.canvas == (400, 400)
    assert result.offset == (0, 87)
    assert not result.cropped


def test_contain_larger_than_the_original_shrinks_the_canvas_not_enlarges_the_picture() -> None:
    result = plan(LANDSCAPE, width=4000, height=4000, fit=Fit.CONTAIN)
    assert result.size == LANDSCAPE
    assert result.canvas == (1600, 1600)
    assert result.offset == (0, 350)


def test_contain_with_the_same_shape_has_no_bars() -> None:
    result = plan(LANDSCAPE, width=800, height=450, fit=Fit.CONTAIN)
    assert result.canvas == result.size == (800, 450)


def test_tiny_sources_and_extreme_shapes() -> None:
    assert plan((1, 1), width=100, height=50, fit=Fit.COVER).size == (1, 1)
    strip = plan((10000, 10), width=100)
    assert strip.size == (100, 1)
    assert plan((10, 10000), width=100, height=100, fit=Fit.COVER).crop == (0, 4995, 10, 5005)


@pytest.mark.parametrize(
    "kwargs",
    [{"width": 0}, {"height": -3}, {"max_size": 0}],
)
def test_nonsense_is_refused(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        plan(LANDSCAPE, **kwargs)  # type: ignore[arg-type]


def test_a_source_without_pixels_is_refused() -> None:
    with pytest.raises(ValueError, match="no pixels"):
        plan((0, 10))
