"""The editors' page, end to end in a real headless Chromium against a real server.

Every screen is audited with axe-core (vendored under tests/vendor, injected from disk) and
photographed at desktop width and at 390 px into /tmp/admin-shots for a person to look at.
Requests to anything but the server itself are refused and counted: the page needs no internet.
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from playwright.sync_api import expect

from cms.db import Database
from cms.models import utcnow
from cms.settings import Settings
from tests.conftest import _free_port, serve, wait_for_image
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
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SHOTS = Path("/tmp/admin-shots")


@pytest.fixture
def site(settings: Settings) -> Iterator[str]:
    """A server whose public URL is itself, so thumbnails and previews load in the browser."""
    port = _free_port()
    with serve(replace(settings, public_url=f"http://127.0.0.1:{port}"), port=port) as base:
        yield base


class Browser:
    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.contexts: list[Any] = []
        self.outside: list[str] = []

    def page(self, width: int = 1280) -> Any:
        context = self.browser.new_context(viewport={"width": width, "height": 900})
        self.contexts.append(context)

        def only_here(route: Any) -> None:
            if route.request.url.startswith("http://127.0.0.1:"):
                route.continue_()
            else:
                self.outside.append(route.request.url)
                route.abort()

        context.route("**/*", only_here)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.on("pageerror", lambda error: self.outside.append(f"page error: {error}"))
        return page


@pytest.fixture
def chromium() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = Browser(playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS))
        yield browser
        for context in browser.contexts:
            context.close()
        browser.browser.close()
        assert browser.outside == []


def sign_in(page: Any, site: str, token: str) -> None:
    page.goto(f"{site}/admin")
    page.get_by_label("API token", exact=True).fill(token)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_text("Signed in as").wait_for()


def audit(page: Any, name: str) -> None:
    """No axe-core violation at WCAG 2.1 A/AA; a screenshot for a person to look at."""
    SHOTS.mkdir(exist_ok=True)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    if not page.evaluate("typeof axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: the page's CSP (script-src 'self') stays on.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]
    assert problems == [], f"{name}: " + json.dumps(problems, indent=1)


def fits(page: Any, width: int) -> None:
    """Nothing sticks out sideways at a phone's width (wide tables scroll inside their box)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _demo(db: Database, settings: Settings, site: str) -> None:
    from cms.services.demo import load_demo

    with db.write() as session:
        load_demo(session, settings=replace(settings, public_url=site))


def test_every_screen_passes_an_audit_at_desktop_and_phone_width(
    chromium: Browser, site: str, db: Database, settings: Settings, seed: Seeder
) -> None:
    _demo(db, settings, site)
    _, token = seed.token("editor", "Jane Editor")
    for width in (1280, 390):
        page = chromium.page(width)
        sign_in(page, site, token)
        assert page.locator("#who").inner_text() == "Signed in as Jane Editor (editor)"
        header = [th.inner_text() for th in page.locator("#list-view thead th").all()]
        assert header == ["Title", "Status", "Section", "Authors", "Published", "Updated"]
        page.locator("#articles tr").first.wait_for()
        audit(page, f"articles-{width}")
        fits(page, width)
        page.locator("#articles a").first.click()
        page.locator("#preview h2, #preview p").first.wait_for()
        audit(page, f"editor-{width}")
        fits(page, width)
        for screen, ready in (
            ("media", "#media-grid .card"),
            ("authors", "#taxonomy-view tbody tr"),
            ("sections", "#taxonomy-view tbody tr"),
            ("categories", "#taxonomy-view tbody tr"),
            ("new", "#edit-view:not([hidden])"),
        ):
            page.goto(f"{site}/admin#{screen}")
            page.locator(ready).first.wait_for()
            audit(page, f"{screen}-{width}")
            fits(page, width)
    # Keyboard focus is visible: the focused control gets an outline.
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_an_editor_writes_schedules_and_publishes(
    chromium: Browser, site: str, db: Database, seed: Seeder, tmp_path: Path
) -> None:
    seed.author("Jane Example", slug="jane", affiliation="Reuters")
    seed.author("John Doe", slug="john")
    seed.section("The Peninsula", slug="the-peninsula")
    token = token_for(db, "editor")
    page = chromium.page()
    sign_in(page, site, token)
    page.get_by_role("link", name="New article").click()
    # A new, unsaved article offers nothing that needs it to exist.
    for name in ("Unpublish", "Move to trash", "Restore", "Preview link", "Cancel schedule"):
        assert page.get_by_role("button", name=name, exact=True).is_hidden(), name
    page.get_by_label("Title", exact=True).fill("Sanctions and the alliance")
    page.get_by_label("Body (Markdown)", exact=True).fill("## Why\n\nThe alliance *matters*.")
    page.locator("#preview h2", has_text="Why").wait_for()
    assert page.locator("#preview em").inner_text() == "matters"
    page.get_by_label("HTML", exact=True).check()
    page.get_by_label("Body (HTML)", exact=True).wait_for()
    body = page.get_by_label("Body (HTML)", exact=True)
    body.fill(body.input_value() + '<p onclick="x()">More.<script>alert(1)</script></p>')
    page.get_by_text("Removed when saving: `<script>` removed: scripts never run in articles").wait_for()
    page.get_by_text("Removed when saving: `onclick` attribute of `<p>` removed").wait_for()
    page.get_by_label("Section", exact=True).select_option("the-peninsula")
    page.get_by_label("Find an author to add", exact=True).fill("reut")
    page.get_by_role("button", name="Add Jane Example to the byline").click()
    page.get_by_label("Find an author to add", exact=True).fill("doe")
    page.get_by_role("button", name="Add John Doe to the byline").click()
    page.get_by_role("button", name="Move John Doe up").click()
    page.get_by_role("button", name="Save draft", exact=True).click()
    page.get_by_text("Draft saved.").wait_for()
    assert page.get_by_role("button", name="Move to trash").is_visible()
    assert page.get_by_role("button", name="Unpublish").is_hidden()
    # Schedule for tomorrow: the form shows the time and offers to change or cancel it.
    tomorrow = (utcnow() + timedelta(days=1)).astimezone()
    local = tomorrow.strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Schedule for", exact=True).fill(local)
    page.get_by_role("button", name="Schedule", exact=True).click()
    page.get_by_text("Scheduled for", exact=False).first.wait_for()
    assert page.get_by_label("Scheduled for", exact=True).input_value() == local
    assert page.get_by_role("button", name="Change schedule").is_visible()
    assert page.get_by_role("button", name="Cancel schedule").is_visible()
    audit(page, "editor-scheduled")
    # Publish now publishes now, with one revision for it.
    page.get_by_role("button", name="Publish now", exact=True).click()
    page.get_by_text("Published.", exact=True).wait_for()
    messages = [li.inner_text() for li in page.locator("#revisions li").all()]
    assert [m.split(":")[0] for m in messages] == ["Version 3", "Version 2", "Version 1"]
    assert "published" in messages[0]
    assert "scheduled" in messages[1]
    assert "created" in messages[2]
    assert page.get_by_role("button", name="Revert to version 3").count() == 0
    assert page.get_by_role("button", name="Revert to version 2").count() == 1
    public = httpx.post(
        f"{site}/graphql",
        json={"query": '{ article(slug: "sanctions-and-the-alliance") { title publishedAt bodyHtml '
              "authors { slug } section { slug } } }"},
    ).json()["data"]["article"]  # fmt: skip
    assert public["authors"] == [{"slug": "john"}, {"slug": "jane"}]
    assert public["section"] == {"slug": "the-peninsula"}
    assert public["bodyHtml"] == "<h2>Why</h2>\n<p>The alliance <em>matters</em>.</p>\n<p>More.</p>"
    # Saving a live article says what it does: pending changes, not public until published.
    assert page.get_by_role("button", name="Save as pending changes").is_visible()
    page.get_by_label("Title", exact=True).fill("Sanctions and the alliance, revised")
    page.get_by_role("button", name="Save as pending changes").click()
    page.get_by_text("Saved as pending changes: the public still sees the published version.").wait_for()
    page.get_by_text("changes saved but not yet public").wait_for()
    again = httpx.post(
        f"{site}/graphql", json={"query": '{ article(slug: "sanctions-and-the-alliance") { title } }'}
    )
    assert again.json()["data"]["article"]["title"] == "Sanctions and the alliance"
    # A preview link shows the pending text to someone without a token.
    page.get_by_role("button", name="Preview link").click()
    url = page.get_by_label("Preview link", exact=False).input_value()
    reader = chromium.page()
    reader.goto(url)
    reader.get_by_role("heading", name="Sanctions and the alliance, revised").wait_for()
    audit(reader, "preview-page")
    page.get_by_role("button", name="Publish changes").click()
    page.get_by_text("Changes published.").wait_for()


def _two_tabs(chromium: Browser, site: str, token: str, article_id: str) -> tuple[Any, Any]:
    tabs = []
    for _ in range(2):
        tab = chromium.page()
        sign_in(tab, site, token)
        tab.goto(f"{site}/admin#article/{article_id}")
        tab.get_by_label("Title", exact=True).wait_for()
        expect(tab.get_by_label("Title", exact=True)).to_have_value("Shared draft")
        tabs.append(tab)
    return tabs[0], tabs[1]


def test_two_tabs_conflict_merges_field_by_field_and_loses_nothing(
    chromium: Browser, site: str, db: Database, seed: Seeder
) -> None:
    seed.section("World", slug="world")
    seed.section("Business", slug="business")
    author = seed.author("Jane Example", slug="jane")
    token = token_for(db, "editor")
    page = chromium.page()
    sign_in(page, site, token)
    page.get_by_role("link", name="New article").click()
    page.get_by_label("Title", exact=True).fill("Shared draft")
    page.get_by_label("Summary", exact=True).fill("First summary.")
    page.get_by_label("Body (Markdown)", exact=True).fill("First paragraph.\n\nSecond paragraph.")
    page.get_by_role("button", name="Save draft", exact=True).click()
    page.get_by_text("Draft saved.").wait_for()
    article_id = page.evaluate("location.hash").split("/")[1]
    assert author
    first, second = _two_tabs(chromium, site, token, article_id)
    # Tab one: new title, a section, a new second paragraph.
    first.get_by_label("Title", exact=True).fill("Their title")
    first.get_by_label("Section", exact=True).select_option("world")
    first.get_by_label("Body (Markdown)", exact=True).fill("First paragraph.\n\nTheir second paragraph.")
    first.get_by_role("button", name="Save draft", exact=True).click()
    first.get_by_text("Saved.", exact=True).wait_for()
    # Tab two, from the same base: another title, the summary, another second paragraph.
    second.get_by_label("Title", exact=True).fill("My title")
    second.get_by_label("Summary", exact=True).fill("My summary.")
    second.get_by_label("Body (Markdown)", exact=True).fill(
        "First paragraph.\n\nMy careful second paragraph."
    )
    second.get_by_role("button", name="Save draft", exact=True).click()
    merge = second.locator("#merge")
    merge.get_by_text("saved this article while you were editing").wait_for()
    assert merge.get_by_text("Summary: your change kept").is_visible()
    assert merge.get_by_text("Section:").inner_text().startswith("Section:")
    conflicts = [legend.inner_text() for legend in merge.locator("legend").all()]
    assert [c.split(":")[0] for c in conflicts] == ["Title", "Body"]
    assert merge.locator(".side.mine").first.inner_text() == "My title"
    assert merge.locator(".side.theirs").first.inner_text() == "Their title"
    assert merge.locator("ins", has_text="careful").count() == 1
    # Nothing typed is lost while the editor decides: the form still holds their text.
    assert (
        second.get_by_label("Body (Markdown)", exact=True)
        .input_value()
        .endswith("My careful second paragraph.")
    )
    audit(second, "merge")
    merge.get_by_label("Take theirs (title)").check()
    merge.get_by_role("button", name="Save merged version").click()
    second.get_by_text("Merged with version 2 and saved as version 3.").wait_for()
    body = httpx.post(
        f"{site}/graphql",
        json={"query": "query($id: ID!) { article(id: $id, preview: true) "
              "{ title summary bodyHtml section { slug } version } }", "variables": {"id": article_id}},
        headers={"Authorization": f"Bearer {token}"},
    ).json()["data"]["article"]  # fmt: skip
    assert body == {
        "title": "Their title",
        "summary": "My summary.",
        "bodyHtml": "<p>First paragraph.</p>\n<p>My careful second paragraph.</p>\n",
        "section": {"slug": "world"},
        "version": 3,
    }


def test_unsaved_text_survives_leaving_the_page(
    chromium: Browser, site: str, db: Database, seed: Seeder
) -> None:
    pk = seed.article("Kept", state="draft")
    seed.revision(pk)
    from cms.graphql.relay import to_global_id

    page = chromium.page()
    sign_in(page, site, token_for(db, "editor"))
    page.goto(f"{site}/admin#article/{to_global_id('Article', pk)}")
    expect(page.get_by_label("Title", exact=True)).to_have_value("Kept")
    page.get_by_label("Title", exact=True).fill("Kept, with my edit")
    page.get_by_role("link", name="Articles").click()
    page.get_by_role("link", name="Kept", exact=True).click()
    page.get_by_text("Your unsaved changes from earlier in this tab are back in the form.").wait_for()
    assert page.get_by_label("Title", exact=True).input_value() == "Kept, with my edit"


def test_a_body_markdown_cannot_express_is_edited_as_html(
    chromium: Browser, site: str, db: Database, seed: Seeder
) -> None:
    from cms.graphql.relay import to_global_id

    table = seed.article("Table", state="draft", body="<table><tbody><tr><td>1</td></tr></tbody></table>")
    plain = seed.article("Plain", state="draft", body="<p>Some <strong>bold</strong> words.</p>")
    page = chromium.page()
    sign_in(page, site, token_for(db, "editor"))
    page.goto(f"{site}/admin#article/{to_global_id('Article', table)}")
    page.get_by_text("This body uses markup Markdown cannot express, so it is edited as HTML.").wait_for()
    assert page.get_by_label("Body (HTML)", exact=True).input_value().startswith("<table>")
    page.goto(f"{site}/admin#article/{to_global_id('Article', plain)}")
    expect(page.get_by_label("Title", exact=True)).to_have_value("Plain")
    assert page.get_by_label("Body (Markdown)", exact=True).input_value() == "Some **bold** words."
    # Saving an untouched form writes nothing.
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Nothing to save: the form has no changes.").wait_for()


def test_a_wrong_token_is_refused_on_sign_in(chromium: Browser, site: str) -> None:
    page = chromium.page()
    page.goto(f"{site}/admin")
    page.get_by_label("API token", exact=True).fill("cms_wrong")
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_text("Your token was refused").wait_for()
    assert page.get_by_label("API token", exact=True).is_visible()
    audit(page, "sign-in")


def _jpeg(tmp_path: Path) -> Path:
    from PIL import Image as PILImage

    photo = tmp_path / "harbour.jpg"
    buffer = io.BytesIO()
    PILImage.new("RGB", (800, 600), (20, 60, 120)).save(buffer, "JPEG")
    photo.write_bytes(buffer.getvalue())
    return photo


def test_the_media_library_uploads_edits_credits_and_counts_usage(
    chromium: Browser, site: str, db: Database, seed: Seeder, tmp_path: Path
) -> None:
    token = token_for(db, "editor")
    page = chromium.page()
    sign_in(page, site, token)
    page.get_by_role("link", name="Media").click()
    page.get_by_text("Upload an image").click()
    page.get_by_label("Image file (JPEG, PNG, GIF, WebP or AVIF)", exact=True).set_input_files(
        str(_jpeg(tmp_path))
    )
    page.get_by_label("Image title", exact=True).fill("Harbour at Dusk")
    page.get_by_label("Creator", exact=True).fill("Mariusz Kluzniak")
    page.get_by_label("Source name (e.g. Flickr)", exact=True).fill("Flickr")
    page.get_by_label("Source URL", exact=True).fill("https://www.flickr.com/photos/kluzniak/1")
    page.get_by_label("Licence", exact=True).select_option("CC-BY-NC-2.0")
    page.get_by_role("button", name="Upload", exact=True).click()
    page.get_by_text(
        "Uploaded: Image from Mariusz Kluzniak's photostream on Flickr (CC BY-NC 2.0)"
    ).wait_for()
    card = page.locator(".card", has_text="Harbour at Dusk")
    card.get_by_text("Not used by any article").wait_for()
    wait_for_image(card.locator("img"))
    query = "{ images { nodes { id } } }"
    image_id = httpx.post(
        f"{site}/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
    ).json()["data"]["images"]["nodes"][0]["id"]
    from cms.graphql.relay import from_global_id

    pk = from_global_id(image_id)[1]
    seed.article("One", lead_image_id=pk, state="draft")
    seed.article("Two", lead_image_id=pk, state="draft")
    page.get_by_label("Search images", exact=True).fill("harbour")
    page.get_by_role("button", name="Search", exact=True).click()
    card.get_by_text("Used by 2 articles").wait_for()
    card.get_by_role("button", name="Edit Harbour at Dusk").click()
    dialog = page.locator("#image-dialog")
    dialog.get_by_label("Alt text").fill("Boats in a harbour at dusk")
    dialog.get_by_label("Licence").select_option("CC-BY-2.0")
    audit(page, "media-edit")
    dialog.get_by_role("button", name="Save credit").click()
    page.get_by_text("Saved: Image from Mariusz Kluzniak's photostream on Flickr (CC BY 2.0)").wait_for()
    page.get_by_label("Search images", exact=True).fill("no such picture")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_text("0 images match.").wait_for()


def test_authors_sections_and_categories_have_pages(
    chromium: Browser, site: str, db: Database, seed: Seeder
) -> None:
    token = token_for(db, "editor")
    page = chromium.page()
    sign_in(page, site, token)
    page.get_by_role("link", name="Authors").click()
    page.get_by_role("button", name="New author").click()
    page.get_by_label("Name", exact=True).fill("Ana Lima")
    page.get_by_label("Affiliation", exact=True).fill("Folha")
    page.get_by_label("Bio", exact=True).fill("Ana covers trade from São Paulo.")
    page.get_by_role("button", name="Create author").click()
    page.get_by_text("Saved Ana Lima.").wait_for()
    page.get_by_role("rowheader", name="Ana Lima").wait_for()
    page.get_by_role("link", name="Sections").click()
    page.get_by_role("button", name="New section").click()
    page.get_by_label("Name", exact=True).fill("Opinion")
    page.get_by_label("Description", exact=True).fill("Columns and editorials.")
    page.get_by_role("button", name="Create section").click()
    page.get_by_text("Saved Opinion.").wait_for()
    page.get_by_role("link", name="Categories").click()
    page.get_by_role("button", name="New category").click()
    page.get_by_label("Name", exact=True).fill("Analysis")
    page.get_by_role("button", name="Create category").click()
    page.get_by_text("Saved Analysis.").wait_for()
    page.get_by_role("button", name="Edit Analysis").click()
    page.get_by_role("button", name="Delete Analysis").click()
    page.get_by_text("Deleted Analysis.").wait_for()
    data = httpx.post(
        f"{site}/graphql",
        json={
            "query": '{ author(slug: "ana-lima") { bio affiliation } sections { slug } categories { slug } }'
        },
    ).json()["data"]
    assert data == {
        "author": {"bio": "Ana covers trade from São Paulo.", "affiliation": "Folha"},
        "sections": [{"slug": "opinion"}],
        "categories": [],
    }


def test_an_author_sees_no_publishing_buttons(
    chromium: Browser, site: str, db: Database, seed: Seeder
) -> None:
    _, token = seed.token("author", "Sam Reporter")
    page = chromium.page()
    sign_in(page, site, token)
    assert page.locator("#who").inner_text() == "Signed in as Sam Reporter (author)"
    page.get_by_role("link", name="New article").click()
    page.get_by_label("Title", exact=True).fill("My draft")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Draft saved.").wait_for()
    for name in ("Publish now", "Unpublish", "Move to trash", "Schedule"):
        assert page.get_by_role("button", name=name, exact=True).is_hidden(), name
