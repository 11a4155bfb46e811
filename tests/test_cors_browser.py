"""CORS as a browser enforces it: a page served from another origin calls /graphql.

The page comes from a second HTTP server on another port, so it is another origin
than the CMS (http://127.0.0.1:<cms port>). The CMS allows http://localhost:* only:
the same page is allowed when opened as http://localhost:<port> and refused when
opened as http://127.0.0.1:<port>.
"""

from __future__ import annotations

import functools
import shutil
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import text

from cms.db import Database
from cms.settings import Settings
from tests.factories import Seeder
from tests.test_admin_page import ARGS, CHROMIUM
from tests.test_editorial_api import token_for

pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None,
    reason="Debian's chromium is not installed (apt-get install -y chromium)",
)

PAGE = """<!doctype html>
<meta charset="utf-8">
<title>A publisher's frontend</title>
<p id="out">waiting</p>
<script src="frontend.js"></script>
"""
# An Authorization header and a JSON body: the request needs a preflight.
SCRIPT = """
const params = new URLSearchParams(location.search);
fetch(params.get("api") + "/graphql", {
  method: "POST",
  headers: {"Authorization": "Bearer " + params.get("token"), "Content-Type": "application/json"},
  body: JSON.stringify({query: '{ article(slug: "draft-in-progress") { title status } }'}),
})
  .then(response => response.json())
  .then(body => { document.getElementById("out").textContent = "answer: " + JSON.stringify(body.data); })
  .catch(error => { document.getElementById("out").textContent = "blocked: " + error; });
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, cors_origins=("http://localhost:*",))


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def frontend_port(tmp_path: Path) -> Iterator[int]:
    """A plain static file server for the publisher's page, on a port of its own."""
    (tmp_path / "index.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "frontend.js").write_text(SCRIPT, encoding="utf-8")
    handler = functools.partial(_Quiet, directory=str(tmp_path))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield int(httpd.server_address[1])
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


@pytest.fixture
def browser_page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page
        context.close()
        browser.close()


def _token_used(db: Database) -> bool:
    with db.connect() as conn:
        return conn.execute(text("SELECT last_used_at FROM api_token")).scalar_one() is not None


def test_a_page_on_an_allowed_origin_calls_the_api_with_a_token(
    browser_page: Any, server: str, frontend_port: int, seed: Seeder, db: Database
) -> None:
    seed.article("A draft in progress", state="draft", slug="draft-in-progress")
    token = token_for(db, "editor")
    origin = f"http://localhost:{frontend_port}"
    browser_page.goto(f"{origin}/index.html?api={quote(server)}&token={quote(token)}")
    browser_page.get_by_text("answer:").wait_for()
    assert browser_page.locator("#out").text_content() == (
        'answer: {"article":{"title":"A draft in progress","status":"DRAFT"}}'
    )
    assert _token_used(db)


def test_a_page_on_another_origin_is_blocked_by_the_browser_before_the_request_is_sent(
    browser_page: Any, server: str, frontend_port: int, seed: Seeder, db: Database
) -> None:
    seed.article("A draft in progress", state="draft", slug="draft-in-progress")
    token = token_for(db, "editor")
    refused: list[str] = []
    browser_page.on("console", lambda message: refused.append(message.text))
    origin = f"http://127.0.0.1:{frontend_port}"
    browser_page.goto(f"{origin}/index.html?api={quote(server)}&token={quote(token)}")
    browser_page.get_by_text("blocked:").wait_for()
    assert browser_page.locator("#out").text_content() == "blocked: TypeError: Failed to fetch"
    assert any("blocked by CORS policy" in line for line in refused), refused
    assert not _token_used(db)  # the preflight failed, so the POST with the token never left the browser
