"""GraphiQL at GET /graphql: served from the package, usable with no internet at all."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import re
import shutil
import sys
import tomllib
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from starlette.testclient import TestClient

from cms.db import Database
from cms.web.graphiql import FIRST_QUERY, STATIC, VENDOR
from tests.conftest import GraphQLClient
from tests.factories import Seeder
from tests.test_admin_page import ARGS, CHROMIUM
from tests.test_editorial_api import token_for

ROOT = Path(__file__).resolve().parent.parent
BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
needs_chromium = pytest.mark.skipif(
    shutil.which("chromium") is None,
    reason="Debian's chromium is not installed (apt-get install -y chromium)",
)


def _fetch_script() -> Any:
    spec = importlib.util.spec_from_file_location("fetch_graphiql", ROOT / "scripts" / "fetch_graphiql.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def _linked(page_html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', page_html)


def test_a_browser_gets_a_page_that_loads_nothing_from_another_host(client: TestClient) -> None:
    response = client.get("/graphql", headers=BROWSER)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    links = _linked(response.text)
    assert len(links) == 7  # icon, two stylesheets, four scripts
    assert all("://" not in link and not link.startswith("//") for link in links), links
    assert "<script>" not in response.text  # every script is a file: the CSP needs no 'unsafe-inline'
    csp = dict(part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))
    assert csp["script-src"] == "'self'"
    assert csp["connect-src"] == "'self'"
    assert csp["default-src"] == "'none'"


def test_each_page_gets_a_fresh_style_nonce(client: TestClient) -> None:
    first, second = (client.get("/graphql", headers=BROWSER) for _ in range(2))
    nonces = [re.search(r"'nonce-([^']+)'", r.headers["content-security-policy"]) for r in (first, second)]
    assert nonces[0]
    assert nonces[1]
    assert nonces[0].group(1) != nonces[1].group(1)
    assert f'data-style-nonce="{nonces[0].group(1)}"' in first.text


def test_assets_are_versioned_immutable_and_match_their_integrity_hashes(client: TestClient) -> None:
    page = client.get("/graphql", headers=BROWSER).text
    tags = re.findall(r'(?:src|href)="(graphiql/[^"]+)" integrity="([^"]+)"', page)
    assert {Path(url).name for url, _ in tags} == {
        "graphiql.min.css", "graphiql-page.css", "react.production.min.js",
        "react-dom.production.min.js", "graphiql.min.js", "graphiql-start.js",
    }  # fmt: skip
    assert "graphiql/3.9.0/graphiql.min.js" in page
    assert "graphiql/18.3.1/react.production.min.js" in page
    for url, integrity in tags:
        response = client.get(urljoin("http://testserver/graphql", url))
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["x-content-type-options"] == "nosniff"
        expected = "text/css" if url.endswith(".css") else "text/javascript"
        assert response.headers["content-type"].startswith(expected)
        digest = base64.b64encode(hashlib.sha384(response.content).digest()).decode()
        assert integrity == f"sha384-{digest}", url


@pytest.mark.parametrize(
    "path",
    [
        "/graphiql/3.8.0/graphiql.min.js",  # another version: never old bytes under a new name or back
        "/graphiql/3.9.0/graphiql.min.js.map",
        "/graphiql/3.9.0/manifest.json",
        "/graphiql/3.9.0/LICENSE.graphiql",
        "/graphiql/3.9.0/..%2F..%2Fsettings.py",
    ],
)
def test_anything_but_a_current_asset_is_not_found(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "immutable" not in response.headers.get("cache-control", "")


def test_a_program_asking_for_json_still_gets_graphql_not_the_page(client: TestClient) -> None:
    response = client.get("/graphql", params={"query": "{ __typename }"}, headers=BROWSER)
    assert response.json()["data"] == {"__typename": "Query"}


def test_the_vendored_files_are_the_pinned_packages_with_their_licences() -> None:
    script = _fetch_script()
    assert script.check(VENDOR) == []
    for package in script.PACKAGES:
        licence = (VENDOR / f"LICENSE.{package.name}").read_text(encoding="utf-8")
        assert "MIT License" in licence
    assert {p.name: p.version for p in script.PACKAGES} == {
        "graphiql": "3.9.0",
        "react": "18.3.1",
        "react-dom": "18.3.1",
    }


def test_a_changed_vendored_file_is_caught_by_the_check(tmp_path: Path) -> None:
    copy = tmp_path / "graphiql"
    shutil.copytree(VENDOR, copy)
    (copy / "graphiql.min.js").write_bytes(b"alert('swapped')")
    (copy / "LICENSE.react").unlink()
    problems = _fetch_script().check(copy)
    assert any("graphiql.min.js differs" in p for p in problems)
    assert any("LICENSE.react is missing" in p for p in problems)


def test_every_static_file_is_in_the_package_data() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    package = STATIC.parent.parent
    files = [p for p in STATIC.rglob("*") if p.is_file() and not p.name.startswith(".")]
    assert len(files) > 10
    for path in files:
        relative = path.relative_to(package).as_posix()
        assert any(fnmatch(relative, pattern) for pattern in patterns["cms"]), relative


def test_the_page_starts_with_the_readmes_first_query(client: TestClient) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"```graphql\n{FIRST_QUERY}```" in readme
    page = client.get("/graphql", headers=BROWSER).text
    assert "stats { totalPublications }" in page


def test_the_first_query_runs_without_errors(gql: GraphQLClient, seed: Seeder) -> None:
    section = seed.section("The Peninsula", slug="the-peninsula")
    seed.article("Sanctions and the alliance", section_id=section)
    data = gql.data(FIRST_QUERY)
    assert data["articles"]["edges"][0]["node"]["title"] == "Sanctions and the alliance"
    assert data["search"]["totalCount"] == 1


# --- in a real browser, with every host but this machine unreachable -------------------------------


@pytest.fixture
def offline_page(server: str) -> Iterator[tuple[Any, list[str]]]:
    """A page whose every request to a host other than 127.0.0.1 is aborted, and recorded."""
    from playwright.sync_api import sync_playwright

    elsewhere: list[str] = []

    def only_this_machine(route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort("internetdisconnected")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context()
        context.route("**/*", only_this_machine)
        # Content-Security-Policy refusals would break GraphiQL quietly: collect them.
        context.add_init_script(
            "window.cspViolations = [];"
            "document.addEventListener('securitypolicyviolation',"
            " e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page, elsewhere
        context.close()
        browser.close()


def _result(page: Any) -> str:
    return str(page.locator(".result-window .CodeMirror").evaluate("el => el.CodeMirror.getValue()"))


@needs_chromium
def test_graphiql_runs_the_first_query_with_no_internet(
    offline_page: tuple[Any, list[str]], server: str, seed: Seeder
) -> None:
    page, elsewhere = offline_page
    section = seed.section("The Peninsula", slug="the-peninsula")
    seed.article("Sanctions and the alliance", section_id=section)

    page.goto(f"{server}/graphql")
    page.get_by_role("button", name="Execute query (Ctrl-Enter)").click()
    page.locator(".result-window").get_by_text('"Sanctions and the alliance"').wait_for()
    assert '"totalPublications": 1' in _result(page)

    # The dialogs add styles of their own; the page's CSP must admit them.
    page.get_by_role("button", name="Open settings dialog").click()
    page.get_by_role("dialog").get_by_text("Theme").wait_for()
    assert page.evaluate("window.cspViolations") == []
    assert elsewhere == []


@needs_chromium
def test_a_typed_query_with_a_token_in_the_headers_editor_sees_drafts(
    offline_page: tuple[Any, list[str]], server: str, seed: Seeder, db: Database
) -> None:
    page, elsewhere = offline_page
    seed.article("A draft in progress", state="draft", slug="draft-in-progress")
    token = token_for(db, "editor")
    page.goto(f"{server}/graphql")

    editor = page.locator(".graphiql-query-editor .CodeMirror")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type('{ article(slug: "draft-in-progress") { title status')
    run = page.get_by_role("button", name="Execute query (Ctrl-Enter)")
    run.click()
    page.locator(".result-window").get_by_text('"article": null').wait_for()  # public: drafts are hidden

    page.get_by_role("button", name="Headers", exact=True).click()
    headers = page.locator(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror")
    headers.evaluate(
        "(el, token) => el.CodeMirror.setValue(JSON.stringify({Authorization: token}))", f"Bearer {token}"
    )
    run.click()
    page.locator(".result-window").get_by_text('"A draft in progress"').wait_for()
    assert '"status": "DRAFT"' in _result(page)
    assert page.evaluate("window.cspViolations") == []
    assert elsewhere == []
