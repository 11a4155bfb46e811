"""The editors' page, end to end in a real headless Chromium against a real server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import httpx2 as httpx
import pytest

from cms.db import Database
from tests.factories import Seeder
from tests.test_editorial_api import token_for

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None,
    reason="Debian's chromium is not installed (apt-get install -y chromium)",
)
# Without these, Chromium keeps dialling Google's services, which this machine refuses.
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture
def page(tmp_path: Any) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page
        context.close()
        browser.close()


def test_an_editor_signs_in_writes_and_publishes_and_the_public_api_shows_it(
    page: Any, server: str, db: Database, seed: Seeder
) -> None:
    seed.author("Jane Example", slug="jane")
    seed.section("The Peninsula", slug="the-peninsula")
    image = seed.image(license="CC-BY-2.0", title="Harbour at Dusk", creator="Mariusz Kluzniak")
    token = token_for(db, "editor")

    page.goto(f"{server}/admin")
    page.get_by_label("API token", exact=True).fill(token)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("button", name="New article", exact=True).click()
    page.get_by_label("Title", exact=True).fill("Sanctions and the alliance")
    page.get_by_label("Body (HTML)", exact=True).fill("<p>Why the alliance matters.</p>")
    page.get_by_label("Section", exact=True).select_option("the-peninsula")
    page.get_by_label("Authors, in byline order (slugs, comma-separated)", exact=True).fill("jane")
    page.get_by_label("Lead image", exact=True).select_option(index=1)
    page.get_by_role("button", name="Save draft", exact=True).click()
    page.get_by_text("Draft saved.").wait_for()
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_text("Done: PUBLISHED").wait_for()

    query = (
        '{ article(slug: "sanctions-and-the-alliance") { title section { slug } authors { slug }'
        " leadImage { credit { line } } } }"
    )
    body = httpx.post(f"{server}/graphql", json={"query": query}).json()
    assert body["data"]["article"] == {
        "title": "Sanctions and the alliance",
        "section": {"slug": "the-peninsula"},
        "authors": [{"slug": "jane"}],
        "leadImage": {"credit": {"line": "Image from Mariusz Kluzniak's photostream on Flickr (CC BY 2.0)"}},
    }
    assert image


def test_a_conflicting_save_is_reported_and_the_editors_text_survives_a_reload(
    page: Any, server: str, db: Database, seed: Seeder
) -> None:
    token = token_for(db, "editor")
    page.goto(f"{server}/admin")
    page.get_by_label("API token", exact=True).fill(token)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("button", name="New article", exact=True).click()
    page.get_by_label("Title", exact=True).fill("Shared draft")
    page.get_by_role("button", name="Save draft", exact=True).click()
    page.get_by_text("Draft saved.").wait_for()

    # A colleague saves the same article in the meantime.
    with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {token}"}) as http:
        found = http.post(
            "/graphql",
            json={"query": "{ articles(orderBy: UPDATED_AT_DESC) { nodes { id version } } }"},
        ).json()["data"]["articles"]["nodes"][0]
        http.post(
            "/graphql",
            json={
                "query": 'mutation($id: ID!) { updateArticle(id: $id, input: {title: "Colleague\'s title"},'
                " expectedVersion: 1) { userErrors { code } } }",
                "variables": {"id": found["id"]},
            },
        )

    page.get_by_label("Body (HTML)", exact=True).fill("<p>My careful paragraph.</p>")
    page.get_by_role("button", name="Save draft", exact=True).click()
    page.get_by_text("Someone else saved this article").wait_for()
    assert page.get_by_label("Body (HTML)", exact=True).input_value() == "<p>My careful paragraph.</p>"
    page.get_by_role("button", name="Reload latest", exact=True).click()
    page.get_by_text("Latest version loaded").wait_for()
    assert page.get_by_label("Title", exact=True).input_value() == "Colleague's title"
    assert page.get_by_label("Your body", exact=True).input_value() == "<p>My careful paragraph.</p>"


def test_a_wrong_token_is_refused_on_sign_in(page: Any, server: str) -> None:
    page.goto(f"{server}/admin")
    page.get_by_label("API token", exact=True).fill("cms_wrong")
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_text("Your token was refused").wait_for()
    assert page.get_by_label("API token", exact=True).is_visible()


def test_an_editor_uploads_an_image_with_its_credit_from_the_admin_page(
    page: Any, server: str, db: Database, tmp_path: Any
) -> None:
    import io

    from PIL import Image as PILImage

    photo = tmp_path / "harbour.jpg"
    buffer = io.BytesIO()
    PILImage.new("RGB", (800, 600), (20, 60, 120)).save(buffer, "JPEG")
    photo.write_bytes(buffer.getvalue())
    token = token_for(db, "editor")
    page.goto(f"{server}/admin")
    page.get_by_label("API token", exact=True).fill(token)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("button", name="Upload image", exact=True).click()
    page.get_by_label("Image file (JPEG, PNG, GIF, WebP or AVIF)", exact=True).set_input_files(str(photo))
    page.get_by_label("Image title", exact=True).fill("Harbour at Dusk")
    page.get_by_label("Creator", exact=True).fill("Mariusz Kluzniak")
    page.get_by_label("Source name (e.g. Flickr)", exact=True).fill("Flickr")
    page.get_by_label("Source URL", exact=True).fill("https://www.flickr.com/photos/kluzniak/1")
    page.get_by_label("Licence", exact=True).select_option("CC-BY-NC-2.0")
    page.get_by_role("button", name="Upload", exact=True).click()
    page.get_by_text(
        "Uploaded: Image from Mariusz Kluzniak's photostream on Flickr (CC BY-NC 2.0)"
    ).wait_for()
    query = {"query": "{ images { totalCount nodes { width title } } }"}
    body = httpx.post(f"{server}/graphql", json=query, headers={"Authorization": f"Bearer {token}"}).json()
    assert body["data"]["images"] == {"totalCount": 1, "nodes": [{"width": 800, "title": "Harbour at Dusk"}]}
    # No published article uses it yet: the public does not see it.
    assert httpx.post(f"{server}/graphql", json=query).json()["data"]["images"]["totalCount"] == 0
