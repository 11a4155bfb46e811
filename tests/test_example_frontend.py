"""examples/peninsula/ in a real Chromium: the seed page rebuilt from the API, element by element.

The CMS runs under uvicorn on 127.0.0.1 with the demo content and one article shaped like the
seed page. The browser may reach 127.0.0.1 and localhost only: a page that fetched a font or a
script from a CDN would fail the test.
"""

from __future__ import annotations

import functools
import io
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, urlsplit

import httpx2 as httpx
import pytest
from PIL import Image as Picture
from sqlalchemy import text

from cms.db import Database
from cms.graphql import persisted
from cms.models import Role
from cms.services.corpus import Corpus, validate
from cms.services.demo import load_demo
from cms.services.demo.content import SECTIONS
from cms.services.images import ImageFields, add_image
from cms.services.importer import import_corpus
from cms.services.tokens import Caller
from cms.settings import Settings
from cms.web.examples import DIRECTORY
from tests.conftest import _free_port, serve, wait_for_image
from tests.test_admin_page import ARGS, CHROMIUM

pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None,
    reason="Debian's chromium is not installed (apt-get install -y chromium)",
)

SLUG = "a-walk-along-the-armistice-line"
TITLE = "A walk along the armistice line"
BIO = "Soo-ah Yoon is a visiting fellow who writes on the inter-Korean border and its communities."
CREDIT = "Image from Joon Lee's photostream on Flickr (CC BY-NC-ND 2.0)"
CONFIRMATION = "Thank you! Please check your inbox: we sent you a link to confirm your subscription."
SEED_PAGE = Corpus(
    sections=[{"id": 1, "name": SECTIONS[0][0], "slug": SECTIONS[0][1], "description": SECTIONS[0][2]}],
    categories=[{"id": 1, "name": "North Korea", "slug": "north-korea"}],
    authors=[{"id": 1, "name": "Soo-ah Yoon", "slug": "soo-ah-yoon", "bio": BIO, "affiliation": ""}],
    images=[
        {"id": 1, "title": "Fence posts at dawn", "alt": "A fence running over a hill at dawn", "width": 1200,
         "height": 675, "filename": "fence.png", "creator": "Joon Lee", "source_name": "Flickr",
         "source_url": "https://www.flickr.com/photos/joonlee/51234567890", "license": "CC-BY-NC-ND-2.0"},
    ],
    articles=[
        {"id": 1, "title": TITLE, "slug": SLUG, "status": "published", "section_id": 1, "category_id": 1,
         "author_ids": [1], "lead_image_id": 1,
         # Evening in UTC, the next morning in Seoul: the page must say March 17.
         "published_at": "2021-03-16T20:00:00+00:00",
         "summary": "Seventy years on, the line that ended the fighting still divides farms and families.",
         "body": "<p>The armistice line runs for about 250 kilometres across the peninsula.</p>"
                 "<p>Villages on both sides still farm up to the fence, and sanctions reach even there.</p>"},
    ],
)  # fmt: skip


@pytest.fixture
def port() -> int:
    return _free_port()


@pytest.fixture
def settings(settings: Settings, port: int) -> Settings:
    # No publisher's site: canonical article URLs point at the example, on this very server.
    return replace(
        settings,
        public_url=f"http://127.0.0.1:{port}",
        base_url=None,
        site_name="The Peninsula",
        site_time_zone="Asia/Seoul",
    )


def _picture() -> bytes:
    out = io.BytesIO()
    Picture.linear_gradient("L").resize((1200, 675)).convert("RGB").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def content(settings: Settings, db: Database) -> None:
    """The demo content plus the seed page's article."""
    validate(SEED_PAGE)
    with db.write() as session:
        load_demo(session, settings=settings)
        import_corpus(session, SEED_PAGE, source="seed")
        fields = ImageFields(**{k: SEED_PAGE.images[0][k] for k in ("title", "alt", "creator", "source_url")},
                             source_name="Flickr", license="CC-BY-NC-ND-2.0")  # fmt: skip
        add_image(session, data=_picture(), filename="fence.png", fields=fields, settings=settings,
                  external_ref="seed:1")  # fmt: skip


@pytest.fixture
def cms(content: None, settings: Settings, port: int) -> Iterator[str]:
    """The CMS as `cms serve` runs it."""
    with serve(settings, port=port) as base:
        yield base


@pytest.fixture
def page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    elsewhere: list[str] = []

    def local_only(route: Any) -> None:
        if urlsplit(route.request.url).hostname in {"127.0.0.1", "localhost"}:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context()
        context.route("**/*", local_only)
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page
        context.close()
        browser.close()
    assert not elsewhere, f"the pages asked for files from elsewhere: {elsewhere}"


def _api(cms: str, query: str) -> Any:
    return httpx.post(f"{cms}/graphql", json={"query": query}, timeout=30).json()["data"]


def test_the_article_page_shows_every_element_of_the_seed_page(page: Any, cms: str) -> None:
    from playwright.sync_api import expect

    answer = _api(cms, f'{{ stats {{ totalPublications }} article(slug: "{SLUG}") {{ url }} }}')
    page.goto(answer["article"]["url"])  # the canonical URL the API hands out lands here
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page).to_have_title(f"{TITLE} · The Peninsula")
    expect(page.locator(".published")).to_have_text("Published March 17, 2021")
    expect(page.locator(".category")).to_have_text("Category: North Korea")
    expect(page.locator(".body")).to_contain_text("Villages on both sides still farm up to the fence")
    expect(page.locator(".bio")).to_have_text(BIO)
    credit = page.locator("figure.lead figcaption")
    expect(credit).to_have_text(CREDIT)
    expect(credit.get_by_role("link", name="CC BY-NC-ND 2.0")).to_have_attribute(
        "href", "https://creativecommons.org/licenses/by-nc-nd/2.0/"
    )
    wait_for_image(page.locator("figure.lead img"))
    expect(page.get_by_text("Search All Site Content")).to_be_visible()
    total = answer["stats"]["totalPublications"]
    expect(page.locator(".index")).to_have_text(f"Total Index: {total} publications")
    expect(page.get_by_role("heading", name="Subscribe to our Mailing List!")).to_be_visible()
    expect(page.get_by_role("heading", name="Register to receive updates")).to_be_visible()
    expect(page.locator("link[rel=canonical]")).to_have_attribute("href", answer["article"]["url"])

    page.get_by_role("link", name=re.compile("Return to the Peninsula", re.I)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The Peninsula")


def test_both_sign_ups_send_subscribe_and_confirm(page: Any, cms: str, db: Database) -> None:
    from playwright.sync_api import expect

    page.goto(f"{cms}/examples/peninsula/article.html?slug={SLUG}")
    for heading, email in (("Register to receive updates", "reader@example.org"),
                           ("Subscribe to our Mailing List!", "friend@example.org")):  # fmt: skip
        form = page.locator("form.signup").filter(has=page.get_by_role("heading", name=heading))
        form.get_by_label("Email address").fill(email)
        form.get_by_role("button", name="Subscribe").click()
        expect(form.get_by_role("status")).to_have_text(CONFIRMATION)
    with db.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT s.email, s.consent_source, l.key FROM subscriber s JOIN subscription x"
                " ON x.subscriber_id = s.id JOIN mailing_list l ON l.id = x.list_id ORDER BY s.email"
            )
        ).all()
    assert [(r.email, r.consent_source, r.key.split(":")[0]) for r in rows] == [
        ("friend@example.org", "peninsula-footer", "site"),
        ("reader@example.org", "peninsula-article", "section"),
    ]


def test_the_section_pages_through_with_cursors(page: Any, cms: str) -> None:
    from playwright.sync_api import expect

    answer = _api(
        cms, '{ articles(first: 100, filter: {section: "the-peninsula"}) { edges { node { title } } } }'
    )
    titles = [edge["node"]["title"] for edge in answer["articles"]["edges"]]
    pages = [titles[i : i + 5] for i in range(0, len(titles), 5)]
    assert len(pages) >= 3

    page.goto(f"{cms}/examples/peninsula/")
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="The Peninsula").click()
    headlines = page.locator(".listing h2")
    expect(page.locator(".count")).to_have_text(f"{len(titles)} articles")
    expect(headlines).to_have_text(pages[0])
    page.get_by_role("link", name="Older articles").click()
    expect(headlines).to_have_text(pages[1])
    page.get_by_role("link", name="Older articles").click()
    expect(headlines).to_have_text(pages[2])
    page.get_by_role("link", name="Newer articles").click()
    expect(headlines).to_have_text(pages[1])
    page.get_by_role("link", name="Newer articles").click()
    expect(headlines).to_have_text(pages[0])
    expect(page.get_by_role("link", name="Newer articles")).to_have_count(0)


def test_search_shows_snippets_and_narrows_by_facet(page: Any, cms: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{cms}/examples/peninsula/")
    page.get_by_label("Search All Site Content").fill("sanctions")
    page.get_by_label("Search All Site Content").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search results for “sanctions”")
    results = page.locator(".listing li")
    expect(results.first.locator(".snippet mark").first).to_have_text(re.compile("sanctions", re.I))
    everything = results.count()
    assert everything > 1

    peninsula = page.locator(".facet").filter(has_text="Sections").get_by_role("link", name="The Peninsula")
    expected = int(peninsula.locator("xpath=following-sibling::span").inner_text())
    assert 0 < expected < everything
    peninsula.click()
    expect(page.locator(".count")).to_have_text(f"{expected} result{'' if expected == 1 else 's'}")
    expect(results).to_have_count(expected)
    for meta in results.locator(".meta").all():
        expect(meta).to_contain_text("The Peninsula ·")
    page.get_by_role("link", name=TITLE).click()
    expect(page.locator(".published")).to_have_text("Published March 17, 2021")


@pytest.fixture
def checkout_server() -> Iterator[str]:
    """examples/peninsula/ served from the checkout by a plain file server, on an origin of its own."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(DIRECTORY)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


def test_the_files_work_from_a_checkout_against_a_cms_elsewhere(
    page: Any, cms: str, checkout_server: str
) -> None:
    from playwright.sync_api import expect

    page.goto(f"{checkout_server}/article.html?slug={SLUG}&api={quote(cms)}")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    page.get_by_role("link", name=re.compile("Return to the Peninsula", re.I)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The Peninsula")
    assert page.url.startswith(f"{checkout_server}/section.html?")
    assert f"api={quote(cms, safe='')}" in page.url


@pytest.fixture
def trusted(settings: Settings) -> Settings:
    return replace(settings, trusted_documents=True)


def test_in_trusted_documents_mode_the_registered_queries_run(
    page: Any, content: None, trusted: Settings, db: Database, port: int
) -> None:
    """What `cms documents register examples/peninsula/queries/*.graphql` does, then the pages."""
    from playwright.sync_api import expect

    admin = Caller(token_id=None, name="test", role=Role.ADMIN)
    with db.write() as session:
        for path in sorted((DIRECTORY / "queries").glob("*.graphql")):
            persisted.register(session, admin, path.read_text(encoding="utf-8"), name=path.stem)
    with serve(trusted, port=port) as base:
        refused = httpx.post(f"{base}/graphql", json={"query": "{ stats { totalPublications } }"}).json()
        assert refused["errors"][0]["extensions"]["code"] == "DOCUMENT_NOT_TRUSTED"
        page.goto(f"{base}/examples/peninsula/article.html?slug={SLUG}")
        expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
        form = page.locator("#colophon form.signup")
        form.get_by_label("Email address").fill("trusting@example.org")
        form.get_by_role("button", name="Subscribe").click()
        expect(form.get_by_role("status")).to_have_text(CONFIRMATION)
