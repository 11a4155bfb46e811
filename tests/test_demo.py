"""`cms demo` as a newcomer meets it: pictures with pixels behind every URL, real alt texts
and credits under varied licences, and text that reads like a publication."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2 as httpx
import pytest
from PIL import Image
from typer.testing import CliRunner, Result

from cms.cli import app
from cms.db import Database
from cms.media.placeholder import NEUTRAL
from cms.services.demo.articles import ARTICLES
from cms.services.demo.content import AUTHORS, CATEGORIES, SECTIONS
from cms.services.demo.gallery import GALLERY
from cms.services.images import ImageFields, add_image
from cms.settings import Settings

from .conftest import GraphQLClient
from .factories import Seeder

IMAGES = """{ images(first: 100) { totalCount edges { node {
  id title alt width height mimeType
  url(width: 640)
  srcSet(widths: [320, 960, 1600])
  placeholder { blurhash dominantColor dataUri }
  credit { line creator sourceName license { code allowsCommercialUse allowsAdaptations isPublicDomain } }
  attribution { text html }
} } } }"""
MAGIC = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n", "image/webp": b"RIFF"}


def run_demo(settings: Settings, *args: str) -> Result:
    env = {"CMS_DATABASE_URL": settings.database_url, "CMS_MEDIA_ROOT": str(settings.media_root)}
    result = CliRunner().invoke(app, ["demo", *args], env=env)
    assert result.exit_code == 0, result.output
    return result


def originals(settings: Settings) -> list[Path]:
    return sorted(p for p in (settings.media_root / "originals").rglob("*") if p.is_file())


@pytest.fixture
def demo(settings: Settings, server: str) -> Iterator[tuple[GraphQLClient, list[dict[str, Any]]]]:
    """The demo loaded, a real server answering for it, and every image as GraphQL returns it."""
    run_demo(settings)
    with httpx.Client(base_url=server, timeout=60) as http:
        gql = GraphQLClient(http)
        data = gql.data(IMAGES)["images"]
        yield gql, [edge["node"] for edge in data["edges"]]


def fetch(gql: GraphQLClient, url: str) -> httpx.Response:
    # Rendition URLs start with the publisher's base URL; the path is what this server answers.
    response = gql.http.get(urlsplit(url).path)
    assert response.status_code == 200, (url, response.status_code, response.text[:200])
    return response


def test_every_demo_rendition_is_served_with_real_pixels(
    demo: tuple[GraphQLClient, list[dict[str, Any]]],
) -> None:
    gql, images = demo
    assert len(images) == len(GALLERY)
    for image in images:
        urls = [image["url"]] + [entry.split(" ")[0] for entry in image["srcSet"].split(", ")]
        widths = [640] + [int(entry.split(" ")[1].rstrip("w")) for entry in image["srcSet"].split(", ")]
        for url, width in zip(urls, widths, strict=True):
            response = fetch(gql, url)
            media_type = response.headers["content-type"]
            assert response.content.startswith(MAGIC[media_type]), (url, media_type)
            picture = Image.open(io.BytesIO(response.content))
            picture.load()
            assert picture.width == min(width, image["width"]), (url, picture.size)
            assert abs(picture.width / picture.height - image["width"] / image["height"]) < 0.02
            assert len(picture.getcolors(1_000_000) or range(1000)) > 50, f"{url} is nearly a flat colour"


def test_demo_images_have_placeholders_alt_texts_and_varied_shapes(
    demo: tuple[GraphQLClient, list[dict[str, Any]]],
) -> None:
    _, images = demo
    for image in images:
        placeholder = image["placeholder"]
        assert placeholder["blurhash"] != NEUTRAL.blurhash, image["title"]
        assert placeholder["dataUri"] != NEUTRAL.data_uri, image["title"]
        assert image["alt"].strip(), f"{image['title']} has no alt text"
        assert image["alt"] != image["title"]
        assert len(image["alt"].split()) >= 8, image["alt"]
    assert len({i["placeholder"]["dominantColor"] for i in images}) >= 8
    assert len({round(i["width"] / i["height"], 2) for i in images}) >= 5
    assert any(i["height"] > i["width"] for i in images), "no portrait"
    assert any(i["width"] >= 2 * i["height"] for i in images), "no panorama"
    assert {i["mimeType"] for i in images} >= {"image/jpeg", "image/png", "image/webp"}


def test_the_demo_has_a_png_with_transparency(demo: tuple[GraphQLClient, list[dict[str, Any]]]) -> None:
    gql, images = demo
    png = next(i for i in images if i["mimeType"] == "image/png")
    picture = Image.open(io.BytesIO(fetch(gql, png["url"]).content))
    assert picture.mode in {"RGBA", "LA", "PA"} or "transparency" in picture.info
    alpha = picture.convert("RGBA").getchannel("A")
    assert alpha.getextrema() == (0, 255)  # see-through background, solid bars


def test_demo_credits_span_the_licences(demo: tuple[GraphQLClient, list[dict[str, Any]]]) -> None:
    _, images = demo
    licences = {i["credit"]["license"]["code"]: i for i in images}
    assert len(licences) >= 8
    assert {"CC0-1.0", "CC-BY-NC-ND-2.0", "ARR", "US-GOV", "CC-PDM-1.0"} <= set(licences)
    assert any(c.startswith("CC-BY-") and "-NC" not in c and "-ND" not in c for c in licences)
    assert any(not i["credit"]["license"]["allowsCommercialUse"] for i in images)  # NC
    assert any(
        not i["credit"]["license"]["allowsAdaptations"] for c, i in licences.items() if c != "ARR"
    )  # ND
    assert any(i["credit"]["license"]["isPublicDomain"] for i in images)
    nd = licences["CC-BY-NC-ND-2.0"]["credit"]["line"]
    assert re.fullmatch(r"Image from [\w .-]+'s? photostream on Flickr \(CC BY-NC-ND 2\.0\)", nd), nd
    for image in images:
        assert not image["credit"]["line"].startswith("Image ("), image["credit"]
        assert image["attribution"]["text"].endswith("."), image["attribution"]


def test_demo_forced_again_stores_nothing_new(settings: Settings, gql: GraphQLClient) -> None:
    run_demo(settings)
    files = originals(settings)
    before = gql.data(IMAGES)["images"]
    assert len(files) == before["totalCount"] == len(GALLERY)
    forced = run_demo(settings, "--force")
    assert "0 new articles, 0 new images" in " ".join(forced.output.split())
    assert originals(settings) == files
    assert gql.data(IMAGES)["images"] == before  # same records, same (content-addressed) URLs


def test_demo_gives_pixels_to_image_records_an_older_demo_left_without(
    settings: Settings, seed: Seeder, gql: GraphQLClient
) -> None:
    seed.image(external_ref="demo:1", title="Container ships at Busan", width=1600, height=1067)
    run_demo(settings, "--force")
    images = gql.data(IMAGES)["images"]
    assert images["totalCount"] == len(GALLERY)
    first = next(e["node"] for e in images["edges"] if e["node"]["title"] == GALLERY[0].title)
    assert first["placeholder"]["blurhash"] != NEUTRAL.blurhash
    assert not re.search(r"/i\d+/", first["url"])  # a content hash, not "no stored file yet"


def test_adding_under_the_same_external_ref_updates_instead_of_duplicating(
    db: Database, settings: Settings
) -> None:
    picture = GALLERY[2]
    with db.write() as session:
        first = add_image(
            session, data=picture.data(), filename="a.webp", fields=picture.fields(), settings=settings,
            external_ref="test:wafer",
        )  # fmt: skip
    changed = ImageFields(
        title="A wafer", alt="A wafer on a dark table", creator="Chip Works", license="CC-BY-2.0"
    )
    with db.write() as session:
        again = add_image(
            session, data=picture.data(), filename="a.webp", fields=changed, settings=settings,
            external_ref="test:wafer",
        )  # fmt: skip
    assert again == first
    with db.connect() as conn:
        from sqlalchemy import text

        rows = conn.execute(text("SELECT title, license_code FROM image")).all()
    assert [tuple(r) for r in rows] == [("A wafer", "CC-BY-2.0")]
    assert len(originals(settings)) == 1


def test_demo_pictures_are_drawn_the_same_every_time_in_their_declared_shape() -> None:
    for picture in GALLERY:
        data = picture.data()
        assert data == picture.data(), picture.title  # what makes re-running store nothing new
        decoded = Image.open(io.BytesIO(data))
        assert decoded.size == picture.size
        assert decoded.format == picture.format


# The text


def test_demo_publication_is_a_korea_policy_institute() -> None:
    assert SECTIONS[0][:2] == ("The Peninsula", "the-peninsula")
    assert "North Korea" in {name for name, _ in CATEGORIES}
    titles = [a.title for a in ARTICLES]
    assert len(set(titles)) == len(titles)
    used = {a.section for a in ARTICLES}, {a.category for a in ARTICLES}
    assert used == ({s for _, s, _ in SECTIONS}, {s for _, s in CATEGORIES})  # every facet has content
    assert {a.status for a in ARTICLES} == {"published", "draft", "scheduled"}
    keys = {p.key for p in GALLERY}
    assert {a.image for a in ARTICLES if a.image is not None} == keys  # every picture is used


_SENTENCE = re.compile(r"^[A-Z\u00c0-\u024f0-9\"'].*[.?!]$")


@pytest.mark.parametrize("author", AUTHORS, ids=[a[1] for a in AUTHORS])
def test_author_bios_are_sentences_about_the_author(author: tuple[str, str, str, str]) -> None:
    name, _, _, bio = author
    assert bio.startswith(name), bio  # "Min-jun Park is ...", not "Min-jun is a writer."
    assert _SENTENCE.match(bio), bio
    assert bio.count(". ") >= 1, "a bio of more than one sentence"
    assert len(bio.split()) >= 20, bio


@pytest.mark.parametrize("article", ARTICLES, ids=[a.title[:30] for a in ARTICLES])
def test_article_text_reads_like_a_publication(article: Any) -> None:
    assert article.title[0].isupper(), article.title
    assert not article.title.endswith("."), article.title
    assert _SENTENCE.match(article.summary), article.summary
    assert len(article.summary.split()) >= 15, article.summary
    assert len(article.paragraphs) >= 3
    for text in (article.title, article.summary, *article.paragraphs, article.quote):
        for bad in ("{", "  ", " ,", " .", ".."):
            assert bad not in text, (bad, text)
        assert not re.search(r"\b(\w+) \1\b", text, flags=re.IGNORECASE), f"doubled word in {text!r}"
    for paragraph in article.paragraphs:
        assert _SENTENCE.match(paragraph), paragraph
