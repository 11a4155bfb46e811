"""Image fields over GraphQL: signed rendition URLs, srcSet, placeholder, licence rules."""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from PIL import Image as PILImage
from starlette.testclient import TestClient

from cms.db import Database
from cms.graphql.relay import to_global_id
from cms.media.ladder import DEFAULT_WIDTHS
from cms.media.placeholder import NEUTRAL
from cms.media.signing import verify
from cms.services.images import ImageFields, add_image
from cms.settings import Settings

from .conftest import GraphQLClient
from .factories import Seeder
from .test_media_intake import photo, save

QUERY = """query($id: ID!, $w: Int, $h: Int, $fit: ImageFit, $format: ImageFormat, $q: Int) {
  image(id: $id) { url(width: $w, height: $h, fit: $fit, format: $format, quality: $q) } }"""


def upload(db: Database, settings: Settings, licence: str = "CC-BY-2.0", **extra: Any) -> str:
    fields = ImageFields(
        title="Harbour", creator="Jane", source_url="https://e.org/1", license=licence, public=True, **extra
    )
    with db.write() as session:
        pk = add_image(
            session, data=save(photo((1600, 900)), "JPEG"), filename="h.jpg", fields=fields, settings=settings
        )
    return to_global_id("Image", pk)


def url_of(gql: GraphQLClient, image_id: str, **args: Any) -> str:
    return str(gql.data(QUERY, {"id": image_id, **args})["image"]["url"])


def test_url_is_absolute_signed_and_canonical(gql: GraphQLClient, db: Database, settings: Settings) -> None:
    image_id = upload(db, settings, focal_point=(0.3, 0.6))
    url = url_of(gql, image_id, w=800, fit="COVER", h=800, format="WEBP", q=80)
    match = re.fullmatch(r"https://cms\.example\.org/media/r/([\w-]+)/([0-9a-f]{64})/(.+)", url)
    assert match, url
    signature, source, name = match.groups()
    assert name == "w800_h800_cover_f300-600.webp"  # quality 80 is WebP's default
    assert verify("test-secret", f"{source}/{name}", signature)
    assert url_of(gql, image_id).endswith("/w1600.jpg")  # the original's format and full size, named
    assert url_of(gql, image_id, w=9000).endswith("/w1600.jpg")  # never larger than the original


def test_focal_point_matters_only_to_crops(gql: GraphQLClient, db: Database, settings: Settings) -> None:
    image_id = upload(db, settings, focal_point=(0.3, 0.6))
    assert url_of(gql, image_id, w=400).endswith("/w400.jpg")


@pytest.mark.parametrize(
    ("args", "field"),
    [({"w": 0}, "width"), ({"h": -1}, "height"), ({"q": 101}, "quality"), ({"q": 0}, "quality")],
)
def test_bad_arguments_are_bad_user_input(
    args: dict[str, int], field: str, gql: GraphQLClient, db: Database, settings: Settings
) -> None:
    image_id = upload(db, settings)
    errors = gql.errors(QUERY, {"id": image_id, **args})
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert field in errors[0]["message"]


def test_srcset_lists_real_widths_and_stops_at_the_original(
    gql: GraphQLClient, db: Database, settings: Settings
) -> None:
    image_id = upload(db, settings)
    query = """query($id: ID!) { image(id: $id) {
      srcSet(widths: [400, 800, 2400, 3200], format: AVIF, fit: COVER, aspectRatio: 1.0) } }"""
    value = gql.data(query, {"id": image_id})["image"]["srcSet"]
    entries = [entry.rsplit(" ", 1) for entry in value.split(", ")]
    assert [w for _, w in entries] == ["400w", "800w", "900w"]  # a square crop of 1600x900 is 900 wide
    assert entries[0][0].endswith("/w400_h400_cover.avif")


def test_nd_image_cannot_be_cropped_but_can_be_resized(
    gql: GraphQLClient, db: Database, settings: Settings
) -> None:
    image_id = upload(db, settings, licence="CC-BY-ND-2.0")
    errors = gql.errors(QUERY, {"id": image_id, "w": 400, "h": 400, "fit": "COVER"})
    assert errors[0]["extensions"]["code"] == "LICENSE_FORBIDS"
    assert "CC BY-ND 2.0" in errors[0]["message"]
    # Same shape, other size or format, or a letterbox: all allowed.
    assert url_of(gql, image_id, w=800, h=450, fit="COVER", format="WEBP")
    assert url_of(gql, image_id, w=400, h=400, fit="CONTAIN")
    assert url_of(gql, image_id, w=400)
    srcset = """query($id: ID!) { image(id: $id) { srcSet(widths: [400], fit: COVER, aspectRatio: 1.0) } }"""
    assert gql.codes(srcset, {"id": image_id}) == ["LICENSE_FORBIDS"]


def test_arr_images_cannot_be_cropped_either(gql: GraphQLClient, db: Database, settings: Settings) -> None:
    image_id = upload(db, settings, licence="ARR")
    assert gql.codes(QUERY, {"id": image_id, "w": 300, "h": 400, "fit": "COVER"}) == ["LICENSE_FORBIDS"]


def test_placeholder_and_cropped_attribution(gql: GraphQLClient, db: Database, settings: Settings) -> None:
    image_id = upload(db, settings)
    query = """query($id: ID!) { image(id: $id) {
      placeholder { blurhash dominantColor dataUri }
      plain: attribution { text }
      cropped: attribution(fit: COVER, aspectRatio: 1.0) { text html } } }"""
    image = gql.data(query, {"id": image_id})["image"]
    assert re.fullmatch(r"#[0-9a-f]{6}", image["placeholder"]["dominantColor"])
    assert image["placeholder"]["blurhash"] != NEUTRAL.blurhash
    assert image["placeholder"]["dataUri"].startswith("data:image/webp;base64,")
    assert image["plain"]["text"].startswith('"Harbour" (https://e.org/1) by Jane')
    assert image["cropped"]["text"].startswith('Cropped from "Harbour"')


def test_imported_records_without_pixels_get_neutral_placeholders(gql: GraphQLClient, seed: Seeder) -> None:
    image_id = to_global_id("Image", seed.image(public=True))
    query = """query($id: ID!) { image(id: $id) { url(width: 400)
      placeholder { blurhash dominantColor dataUri } } }"""
    image = gql.data(query, {"id": image_id})["image"]
    assert image["placeholder"] == {
        "blurhash": NEUTRAL.blurhash,
        "dominantColor": NEUTRAL.dominant_color,
        "dataUri": NEUTRAL.data_uri,
    }
    assert re.search(r"/media/r/[\w-]+/i\d+/w400\.jpg$", image["url"])


# --- The rendition ladder and real sizes ----------------------------------------------------------


def _served_size(client: TestClient, url: str) -> tuple[int, int]:
    response = client.get(urlsplit(url).path)
    assert response.status_code == 200, response.text
    return PILImage.open(io.BytesIO(response.content)).size


def test_a_width_past_the_original_is_named_and_served_at_the_originals_size(
    gql: GraphQLClient, client: TestClient, db: Database, settings: Settings
) -> None:
    with db.write() as session:
        pk = add_image(
            session,
            data=save(photo((2400, 1600)), "JPEG"),
            filename="wide.jpg",
            fields=ImageFields(title="Wide", creator="Jane", license="CC-BY-2.0", public=True),
            settings=settings,
        )
    image_id = to_global_id("Image", pk)
    url = url_of(gql, image_id, w=5000)
    assert url.endswith("/w2400.jpg")
    assert url == url_of(gql, image_id, w=2400)  # one file, one URL
    assert _served_size(client, url) == (2400, 1600)


def test_off_ladder_widths_snap_up_and_the_url_says_the_size(
    gql: GraphQLClient, client: TestClient, db: Database, settings: Settings
) -> None:
    image_id = upload(db, settings)
    url = url_of(gql, image_id, w=300)
    assert url.endswith("/w320.jpg")
    assert _served_size(client, url) == (320, 180)
    # 7:5 is nearest 4:3; quality 72 is nearest 70, 77 nearest JPEG's default (82).
    assert url_of(gql, image_id, w=700, h=500, fit="COVER").endswith("/w800_h600_cover.jpg")
    assert url_of(gql, image_id, w=400, q=72).endswith("/w400_q70.jpg")
    assert url_of(gql, image_id, w=400, q=77).endswith("/w400.jpg")


def test_many_anonymous_asks_make_few_distinct_renditions(
    gql: GraphQLClient, db: Database, settings: Settings
) -> None:
    """The hardening report: 15 requests used to sign 398 distinct URLs; every one would render."""
    image_id = upload(db, settings)  # 1600 x 900
    urls: set[str] = set()
    widths = iter(range(1, 4000, 17))
    for _ in range(15):
        aliases = " ".join(f"u{n}: url(width: {next(widths, 4000)})" for n in range(15))
        data = gql.data(f"query($id: ID!) {{ image(id: $id) {{ {aliases} }} }}", {"id": image_id})
        urls.update(data["image"].values())
    ladder = {f"w{width}.jpg" for width in DEFAULT_WIDTHS if width <= 1600}  # 21 steps, 1600 the original
    assert {url.rsplit("/", 1)[1] for url in urls} <= ladder
    assert 15 <= len(urls) <= len(ladder)  # 225 widths asked


def test_a_grid_keeps_nd_images_with_the_contain_fallback(
    gql: GraphQLClient, client: TestClient, db: Database, settings: Settings
) -> None:
    nd = upload(db, settings, licence="CC-BY-ND-2.0")
    by = upload(db, settings)
    query = """query($id: ID!) { image(id: $id) {
      cropAllowed
      url(width: 400, height: 400, fit: COVER, fallback: CONTAIN)
      srcSet(widths: [200, 400], fit: COVER, aspectRatio: 1.0, fallback: CONTAIN)
      attribution(fit: COVER, aspectRatio: 1.0) { text } } }"""
    letterboxed = gql.data(query, {"id": nd})["image"]
    assert letterboxed["cropAllowed"] is False
    assert letterboxed["url"].endswith("/w400_h400_contain.jpg")
    assert _served_size(client, letterboxed["url"]) == (400, 400)
    assert [entry.rsplit("/", 1)[1] for entry in letterboxed["srcSet"].split(", ")] == [
        "w200_h200_contain.jpg 200w",
        "w400_h400_contain.jpg 400w",
    ]
    assert not letterboxed["attribution"]["text"].startswith("Cropped")  # it is not cropped
    cropped = gql.data(query, {"id": by})["image"]
    assert cropped["cropAllowed"] is True
    assert cropped["url"].endswith("/w400_h400_cover.jpg")
    assert cropped["attribution"]["text"].startswith("Cropped from")
    # Without the fallback, COVER keeps its explicit error for callers who want it.
    assert gql.codes(QUERY, {"id": nd, "w": 400, "h": 400, "fit": "COVER"}) == ["LICENSE_FORBIDS"]


def test_cover_is_not_a_fallback(gql: GraphQLClient, db: Database, settings: Settings) -> None:
    image_id = upload(db, settings, licence="CC-BY-ND-2.0")
    query = (
        """query($id: ID!) { image(id: $id) { url(width: 400, height: 400, fit: COVER, fallback: COVER) } }"""
    )
    errors = gql.errors(query, {"id": image_id})
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "fallback" in errors[0]["message"]
