"""/examples/peninsula/: the example frontend's files, as the app serves them."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.testclient import TestClient

from cms.web import examples


def test_the_pages_and_their_documents_are_served_with_a_strict_policy(client: TestClient) -> None:
    page = client.get("/examples/peninsula/article.html")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    document = client.get("/examples/peninsula/queries/Article.graphql")
    assert document.headers["content-type"] == "text/plain; charset=utf-8"
    assert document.text == (examples.DIRECTORY / "queries" / "Article.graphql").read_text(encoding="utf-8")
    assert (
        client.get("/examples/peninsula/js/article.js").headers["content-type"].startswith("text/javascript")
    )


def test_the_folder_without_a_slash_redirects_and_nothing_outside_it_is_served(client: TestClient) -> None:
    assert (
        client.get("/examples/peninsula", follow_redirects=False)
        .headers["location"]
        .endswith("/examples/peninsula/")
    )
    assert client.get("/examples/peninsula/").text.startswith("<!doctype html>")
    assert client.get("/examples/peninsula/../../pyproject.toml").status_code == 404
    assert client.get("/examples/peninsula/%2e%2e/%2e%2e/pyproject.toml").status_code == 404


def test_without_the_files_the_path_says_where_they_live(tmp_path: Path) -> None:
    app = Starlette(routes=examples.routes(tmp_path / "absent"))
    with TestClient(app) as client:
        answer = client.get("/examples/peninsula/article.html")
    assert answer.status_code == 404
    assert "examples/peninsula/ of a checkout" in answer.text
