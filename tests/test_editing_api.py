"""What the editors' page asks of the API: the viewer, body previews, image usage, searching the
author and image pickers, the merge base's fields, and the workflow points editors hit first."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from cms.db import Database
from cms.graphql.relay import to_global_id
from cms.models import utcnow
from cms.services import permissions
from cms.services.bodies import preview
from cms.services.permissions import Action
from tests.factories import Seeder
from tests.test_editorial_api import AuthClient, editor, token_for

__all__ = ["editor"]  # the fixture

ROLES = [None, "partner", "author", "editor", "admin"]


def _api(client: Any, seed: Seeder, role: str | None) -> AuthClient:
    return AuthClient(client, seed.token(role, "Sam Reporter")[1] if role else None)


def _code(body: dict[str, Any]) -> str:
    return body["errors"][0]["extensions"]["code"] if body.get("errors") else "ok"


@pytest.mark.parametrize("role", ROLES)
def test_viewer_names_the_token_and_its_role(role: str | None, client: Any, seed: Seeder) -> None:
    body = _api(client, seed, role).post("{ viewer { name role permissions } }").json()
    if role is None:
        assert body["data"]["viewer"] is None
        return
    viewer = body["data"]["viewer"]
    assert (viewer["name"], viewer["role"]) == ("Sam Reporter", role.upper())
    assert ("article.publish" in viewer["permissions"]) == (role in ("editor", "admin"))
    assert ("token.manage" in viewer["permissions"]) == (role == "admin")


@pytest.mark.parametrize("role", ROLES)
def test_body_preview_and_image_usage_follow_the_permission_table(
    role: str | None, client: Any, seed: Seeder
) -> None:
    api = _api(client, seed, role)
    want = {None: "UNAUTHENTICATED", "partner": "FORBIDDEN"}.get(role, "ok")  # type: ignore[arg-type]
    got = _code(api.post('{ bodyPreview(bodyHtml: "<p>Hi</p>") { html } }').json())
    assert got == want
    assert permissions.allowed(permissions.Role(role) if role else None, Action.BODY_PREVIEW) == (
        want == "ok"
    )
    image = seed.image()
    got = _code(
        api.post("query($id: ID!) { image(id: $id) { usedBy } }", {"id": to_global_id("Image", image)}).json()
    )
    # The public and partners do not see a private image at all, so usage is refused only where shown.
    if role in (None, "partner"):
        assert not permissions.allowed(permissions.Role(role) if role else None, Action.IMAGE_READ_USAGE)
    else:
        assert got == "ok"


def test_body_preview_is_what_a_save_stores_and_says_what_was_removed(editor: AuthClient) -> None:
    query = """query($html: String, $md: String) { bodyPreview(bodyHtml: $html, bodyMarkdown: $md) {
      html text readingTimeMinutes removed } }"""
    html = '<p onclick="steal()">Hello <script>alert(1)</script><img src="https://tracker.example/p.gif"></p>'
    got = editor.post(query, {"html": html}).json()["data"]["bodyPreview"]
    assert got["html"] == "<p>Hello </p>"
    assert got["text"] == "Hello"
    assert got["removed"] == [
        "`<script>` removed: scripts never run in articles",
        "`<img>` removed: images must come from the media library (a /media/ address)",
        "`onclick` attribute of `<p>` removed: event handlers never run in articles",
    ]
    saved = editor.post(
        'mutation($b: String) { createArticle(input: {title: "T", bodyHtml: $b}) { article { bodyHtml } } }',
        {"b": html},
    ).json()["data"]["createArticle"]["article"]
    assert saved["bodyHtml"] == got["html"]
    md = editor.post(query, {"md": "## Heading\n\nSome *words* and <b>tags</b>."}).json()["data"][
        "bodyPreview"
    ]
    assert md["html"] == "<h2>Heading</h2>\n<p>Some <em>words</em> and &lt;b&gt;tags&lt;/b&gt;.</p>\n"
    assert md["removed"] == [
        "HTML tags inside Markdown are shown as text, not as markup: write them in Markdown"
    ]
    clean = editor.post(query, {"md": "Plain `<code>` is fine."}).json()["data"]["bodyPreview"]
    assert clean["removed"] == []


def test_body_preview_wants_exactly_one_body(editor: AuthClient) -> None:
    for args in ("", '(bodyHtml: "a", bodyMarkdown: "b")'):
        body = editor.post(f"{{ bodyPreview{args} {{ html }} }}").json()
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert "exactly one of `bodyHtml` or `bodyMarkdown`" in body["errors"][0]["message"]


def test_removed_notes_cover_headings_links_and_comments() -> None:
    got = preview(body_html='<h1>Big</h1><p><a href="javascript:x()">x</a><!-- note --></p>')
    assert got.removed == [
        "`<h1>` removed: the title is the article's only top-level heading: use `<h2>` (## in Markdown)",
        "`href` attribute of `<a>` removed: links may be http, https or mailto addresses only",
        "HTML comment removed",
    ]
    assert preview(body_html="<p>Fine <strong>text</strong></p>").removed == []


def test_used_by_counts_articles_in_one_statement_per_page(editor: AuthClient, seed: Seeder) -> None:
    used, unused = seed.image(title="Harbour"), seed.image(title="Field")
    for n in range(3):
        seed.article(f"Story {n}", lead_image_id=used, state="draft" if n else "published")
    body = editor.post("{ images { nodes { title usedBy } } }").json()
    assert {n["title"]: n["usedBy"] for n in body["data"]["images"]["nodes"]} == {"Harbour": 3, "Field": 0}
    assert unused


def test_image_and_author_pickers_search(editor: AuthClient, seed: Seeder) -> None:
    seed.image(title="Harbour at Dusk", creator="Mariusz Kluzniak")
    seed.image(title="Wheat field", creator="Ana 100% Real_Name")
    seed.author("Jane Example", affiliation="Reuters")
    seed.author("John Doe")
    seed.author("Ana Lima", slug="ana-lima")

    def images(text: str) -> list[str]:
        query = "query($q: String) { images(search: $q) { totalCount nodes { title } } }"
        found = editor.post(query, {"q": text}).json()["data"]["images"]
        assert found["totalCount"] == len(found["nodes"])
        return [n["title"] for n in found["nodes"]]

    def authors(text: str) -> list[str]:
        query = "query($q: String) { authors(search: $q) { totalCount nodes { name } } }"
        found = editor.post(query, {"q": text}).json()["data"]["authors"]
        assert found["totalCount"] == len(found["nodes"])
        return [n["name"] for n in found["nodes"]]

    assert images("harbour") == ["Harbour at Dusk"]
    assert images("KLUZ") == ["Harbour at Dusk"]
    assert images("100%") == ["Wheat field"]  # LIKE wildcards are taken literally
    assert images("a_r") == []  # "_" is not "any character"
    assert images("") == ["Wheat field", "Harbour at Dusk"]
    assert authors("reut") == ["Jane Example"]
    assert authors("ana-") == ["Ana Lima"]
    assert authors("j") == ["Jane Example", "John Doe"]


def test_a_revision_holds_every_field_the_merge_compares(editor: AuthClient, seed: Seeder) -> None:
    section = seed.section("World", slug="world")
    jane, john = seed.author("Jane Example", slug="jane"), seed.author("John Doe", slug="john")
    image = seed.image()
    pk = seed.article("Base", state="draft", section_id=section, author_ids=[john, jane], lead_image_id=image)
    seed.revision(pk)
    body = editor.post(
        """query($id: ID!) { article(id: $id, preview: true) { revisions { nodes {
          version sectionSlug categorySlug authorSlugs leadImageId canonicalUrl } } } }""",
        {"id": to_global_id("Article", pk)},
    ).json()
    assert "errors" not in body, body["errors"]
    assert body["data"]["article"]["revisions"]["nodes"] == [
        {
            "version": 1, "sectionSlug": "world", "categorySlug": None, "authorSlugs": ["john", "jane"],
            "leadImageId": to_global_id("Image", image), "canonicalUrl": None,
        }
    ]  # fmt: skip


def test_publishing_a_scheduled_article_publishes_it_now_with_one_revision(
    editor: AuthClient, seed: Seeder
) -> None:
    author = seed.author("Jane Example")
    pk = seed.article("Embargoed", published_at=utcnow() + timedelta(days=2), author_ids=[author])
    seed.revision(pk)
    gid = to_global_id("Article", pk)
    fields = "status version publishedAt revisions { nodes { version message } }"
    # The editors' page saves before publishing; an unchanged form must not add an "edited" revision.
    same = editor.post(
        'mutation($id: ID!) { updateArticle(id: $id, input: {title: "Embargoed"}, expectedVersion: 1) '
        "{ article { version } userErrors { code } } }",
        {"id": gid},
    ).json()["data"]["updateArticle"]
    assert same == {"article": {"version": 1}, "userErrors": []}
    answer = editor.post(
        f"mutation($id: ID!) {{ publishArticle(id: $id) {{ article {{ {fields} }} "
        "userErrors { code } } }",
        {"id": gid},
    ).json()
    assert "errors" not in answer, answer["errors"]
    done = answer["data"]["publishArticle"]
    article = done["article"]
    assert (article["status"], article["version"]) == ("PUBLISHED", 2)
    assert [r["message"] for r in article["revisions"]["nodes"]] == ["published", "created"]


def test_unpublish_clears_published_at(editor: AuthClient, seed: Seeder) -> None:
    author = seed.author("Jane Example")
    pk = seed.article("Live", author_ids=[author])
    seed.revision(pk)
    done = editor.post(
        "mutation($id: ID!) { unpublishArticle(id: $id) { article { status publishedAt } } }",
        {"id": to_global_id("Article", pk)},
    ).json()["data"]["unpublishArticle"]
    assert done["article"] == {"status": "DRAFT", "publishedAt": None}


def test_the_table_has_rows_for_the_editing_queries(db: Database) -> None:
    for action in (Action.BODY_PREVIEW, Action.IMAGE_READ_USAGE):
        allowed = {role.value for role in permissions.Role if permissions.allowed(role, action)}
        assert allowed == {"author", "editor", "admin"}
    assert token_for(db, "editor")
