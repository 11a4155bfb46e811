"""The editorial API: tokens and roles, article workflow, revisions, conflicts, taxonomy."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2 as httpx
import pytest

from cms.db import Database
from cms.services import partners, tokens
from tests.conftest import GraphQLClient
from tests.factories import Seeder

CREATE = """mutation($input: ArticleInput!) { createArticle(input: $input) {
  article { id slug version status title bodyHtml summary authors { slug } }
  userErrors { field message code currentVersion } } }"""
UPDATE = """mutation($id: ID!, $input: ArticleInput!, $v: Int!) {
  updateArticle(id: $id, input: $input, expectedVersion: $v) {
  article { id slug version title bodyHtml } userErrors { field message code currentVersion } } }"""
PUBLISH = """mutation($id: ID!, $at: DateTime) { publishArticle(id: $id, at: $at) {
  article { status publishedAt version } userErrors { field code message } } }"""


def token_for(db: Database, role: str, name: str = "Test", *, partner_id: int | None = None) -> str:
    """A token of ``role``; partner tokens belong to ``partner_id`` or to a new partner taking everything."""
    with db.write() as session:
        if role == "partner" and partner_id is None:
            partner_id = new_partner(session, f"{name} partner")
        _, token = tokens.create(session, name=f"{name} {role}", role=role, partner_id=partner_id)
    return token


def new_partner(
    session: Any, name: str, *, commercial: bool = False, sections: list[str] | None = None
) -> int:
    admin = tokens.Caller(token_id=None, name="test", role=tokens.Role.ADMIN)
    values = {"name": name, "commercial_use": commercial, "section_slugs": sections or []}
    return partners.create(session, admin, values, now=datetime.now(UTC))


class AuthClient(GraphQLClient):
    def __init__(self, http: Any, token: str | None) -> None:
        super().__init__(http)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def post(self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=self.headers, **kwargs
        )


@pytest.fixture
def editor(client: Any, db: Database) -> AuthClient:
    return AuthClient(client, token_for(db, "editor"))


@pytest.fixture
def author_client(client: Any, db: Database) -> AuthClient:
    return AuthClient(client, token_for(db, "author"))


@pytest.fixture
def byline(seed: Seeder) -> str:
    seed.author("Jane Example", slug="jane")
    seed.section("The Peninsula", slug="the-peninsula")
    seed.category("Security", slug="security")
    return "jane"


def create(client: GraphQLClient, **fields: Any) -> dict[str, Any]:
    payload = client.data(CREATE, {"input": {"title": "Sanctions and the alliance", **fields}})[
        "createArticle"
    ]
    assert payload["userErrors"] == []
    return payload["article"]  # type: ignore[no-any-return]


# --- Auth --------------------------------------------------------------------------------------


def test_a_mutation_without_a_token_is_unauthenticated(gql: GraphQLClient) -> None:
    assert gql.codes(CREATE, {"input": {"title": "x"}}) == ["UNAUTHENTICATED"]


def test_an_unknown_token_is_refused_with_401_not_treated_as_public(client: Any) -> None:
    response = AuthClient(client, "cms_not-a-real-token").post("{ stats { totalPublications } }")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_partner_token_cannot_write(client: Any, db: Database) -> None:
    partner = AuthClient(client, token_for(db, "partner"))
    assert partner.codes(CREATE, {"input": {"title": "x"}}) == ["FORBIDDEN"]


def test_a_revoked_token_stops_working_at_once(client: Any, db: Database) -> None:
    token = token_for(db, "editor")
    editor = AuthClient(client, token)
    create(editor)
    with db.connect() as conn:
        token_id = next(row.id for row in tokens.listing(conn) if token.startswith(row.prefix))
    with db.write() as session:
        tokens.revoke(session, token_id=token_id)
    assert editor.post(CREATE, {"input": {"title": "again"}}).status_code == 401


def test_an_expired_token_does_not_work(client: Any, db: Database) -> None:
    with db.write() as session:
        _, token = tokens.create(
            session, name="old", role="editor", expires_at=datetime.now(UTC) - timedelta(seconds=1)
        )
    assert AuthClient(client, token).post(CREATE, {"input": {"title": "x"}}).status_code == 401


def test_tokens_are_stored_only_as_hashes(db: Database) -> None:
    token = token_for(db, "admin")
    with db.connect() as conn:
        rows = tokens.listing(conn)
    assert all(token not in (row.token_hash, row.prefix) for row in rows)
    assert rows[0].token_hash == tokens.hash_token(token)


# --- Articles ----------------------------------------------------------------------------------


def test_an_editor_creates_a_draft_with_a_generated_slug_and_sanitised_body(
    editor: AuthClient, byline: str
) -> None:
    article = create(
        editor,
        bodyHtml='<p onclick="x()">Hello <script>alert(1)</script><a href="javascript:alert(1)">link</a></p>',
        authorSlugs=[byline],
    )
    assert article["slug"] == "sanctions-and-the-alliance"
    assert article["status"] == "DRAFT"
    assert article["version"] == 1
    assert "<script" not in article["bodyHtml"]
    assert "onclick" not in article["bodyHtml"]
    assert "javascript:" not in article["bodyHtml"]
    assert article["summary"].startswith("Hello")


def test_markdown_bodies_become_html(editor: AuthClient) -> None:
    article = create(editor, bodyMarkdown="## Why\n\nIt *matters*. <script>x</script>")
    assert "<h2>Why</h2>" in article["bodyHtml"]
    assert "<em>matters</em>" in article["bodyHtml"]
    assert "<script" not in article["bodyHtml"]


def test_non_ascii_titles_are_transliterated_into_slugs(editor: AuthClient) -> None:
    assert create(editor, title="통일 연구")["slug"] == "tongil-yeongu"


def test_validation_problems_come_back_as_user_errors_and_nothing_is_written(
    editor: AuthClient, gql: GraphQLClient
) -> None:
    payload = editor.data(
        CREATE,
        {"input": {"title": " ", "sectionSlug": "nope", "authorSlugs": ["ghost"], "categorySlug": "x"}},
    )["createArticle"]
    assert payload["article"] is None
    assert {(e["field"], e["code"]) for e in payload["userErrors"]} == {
        ("title", "INVALID"),
        ("sectionSlug", "NOT_FOUND"),
        ("categorySlug", "NOT_FOUND"),
        ("authorSlugs", "NOT_FOUND"),
    }
    assert editor.data("{ articles(orderBy: UPDATED_AT_DESC) { totalCount } }")["articles"]["totalCount"] == 0


def test_a_duplicate_title_gets_a_distinct_slug(editor: AuthClient) -> None:
    assert create(editor)["slug"] != create(editor)["slug"]


def test_a_taken_slug_is_refused_on_update_as_duplicate(editor: AuthClient) -> None:
    first = create(editor, title="First")
    second = create(editor, title="Second")
    payload = editor.data(UPDATE, {"id": second["id"], "input": {"slug": first["slug"]}, "v": 1})[
        "updateArticle"
    ]
    assert [e["code"] for e in payload["userErrors"]] == ["DUPLICATE"]


def test_publishing_needs_an_author(editor: AuthClient) -> None:
    article = create(editor)
    payload = editor.data(PUBLISH, {"id": article["id"]})["publishArticle"]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("authorSlugs", "INVALID")]


def test_a_published_article_appears_in_the_public_api(
    editor: AuthClient, gql: GraphQLClient, byline: str
) -> None:
    article = create(editor, authorSlugs=[byline], sectionSlug="the-peninsula")
    assert gql.data("{ stats { totalPublications } }")["stats"]["totalPublications"] == 0
    published = editor.data(PUBLISH, {"id": article["id"]})["publishArticle"]
    assert published["userErrors"] == []
    assert published["article"]["status"] == "PUBLISHED"
    found = gql.data('{ article(slug: "sanctions-and-the-alliance") { title } stats { totalPublications } }')
    assert found == {"article": {"title": "Sanctions and the alliance"}, "stats": {"totalPublications": 1}}


def test_publishing_at_a_future_time_schedules(editor: AuthClient, gql: GraphQLClient, byline: str) -> None:
    article = create(editor, authorSlugs=[byline])
    at = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    payload = editor.data(PUBLISH, {"id": article["id"], "at": at})["publishArticle"]
    assert payload["article"]["status"] == "SCHEDULED"
    assert gql.data("{ articles { totalCount } }")["articles"]["totalCount"] == 0


def test_workflow_unpublish_archive_trash_restore(
    editor: AuthClient, gql: GraphQLClient, byline: str
) -> None:
    article = create(editor, authorSlugs=[byline])
    editor.data(PUBLISH, {"id": article["id"]})
    statuses = []
    for action in ("unpublishArticle", "archiveArticle", "trashArticle", "restoreArticle"):
        query = f"mutation($id: ID!) {{ {action}(id: $id) {{ article {{ status }} userErrors {{ code }} }} }}"
        payload = editor.data(query, {"id": article["id"]})[action]
        assert payload["userErrors"] == []
        statuses.append(payload["article"]["status"])
    assert statuses == ["DRAFT", "ARCHIVED", "TRASHED", "DRAFT"]
    assert gql.data("{ stats { totalPublications } }")["stats"]["totalPublications"] == 0


def test_editors_see_drafts_and_can_list_by_status(editor: AuthClient, gql: GraphQLClient) -> None:
    create(editor, title="A draft")
    listing = editor.data(
        "{ articles(orderBy: UPDATED_AT_DESC, filter: {status: DRAFT}) { totalCount nodes { title } } }"
    )
    assert listing["articles"] == {"totalCount": 1, "nodes": [{"title": "A draft"}]}
    assert gql.data("{ articles(orderBy: UPDATED_AT_DESC) { totalCount } }")["articles"]["totalCount"] == 0


def test_authors_cannot_publish(author_client: AuthClient, byline: str) -> None:
    article = create(author_client, authorSlugs=[byline])
    assert author_client.codes(PUBLISH, {"id": article["id"]}) == ["FORBIDDEN"]


def test_authors_edit_only_their_own_articles(
    author_client: AuthClient, editor: AuthClient, client: Any, db: Database
) -> None:
    own = create(author_client, title="Mine")
    others = create(editor, title="Theirs")
    assert (
        author_client.data(UPDATE, {"id": own["id"], "input": {"title": "Mine, edited"}, "v": 1})[
            "updateArticle"
        ]["userErrors"]
        == []
    )
    other_author = AuthClient(client, token_for(db, "author", "Other"))
    payload = other_author.post(UPDATE, {"id": own["id"], "input": {"title": "Stolen"}, "v": 2}).json()
    assert payload["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert author_client.codes(UPDATE, {"id": others["id"], "input": {"title": "x"}, "v": 1}) == ["FORBIDDEN"]


# --- No lost edits -----------------------------------------------------------------------------


def test_a_stale_version_is_a_conflict_carrying_the_current_version_and_writes_nothing(
    editor: AuthClient,
) -> None:
    article = create(editor)
    editor.data(UPDATE, {"id": article["id"], "input": {"title": "First edit"}, "v": 1})
    payload = editor.data(UPDATE, {"id": article["id"], "input": {"title": "Stale edit"}, "v": 1})[
        "updateArticle"
    ]
    assert [(e["code"], e["currentVersion"]) for e in payload["userErrors"]] == [("CONFLICT", 2)]
    assert payload["article"]["title"] == "First edit"
    assert payload["article"]["version"] == 2


def test_truly_concurrent_saves_of_one_version_let_exactly_one_through(server: str, db: Database) -> None:
    token = token_for(db, "editor")
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server, headers=headers, timeout=30) as http:
        article_id = http.post(
            "/graphql", json={"query": CREATE, "variables": {"input": {"title": "Race"}}}
        ).json()["data"]["createArticle"]["article"]["id"]
    results: list[dict[str, Any]] = []
    barrier = threading.Barrier(8)

    def save(n: int) -> None:
        with httpx.Client(base_url=server, headers=headers, timeout=30) as http:
            barrier.wait()
            body = {"query": UPDATE, "variables": {"id": article_id, "input": {"title": f"Edit {n}"}, "v": 1}}
            response = http.post("/graphql", json=body)
            assert response.status_code == 200
            results.append(response.json()["data"]["updateArticle"])

    threads = [threading.Thread(target=save, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [r for r in results if not r["userErrors"]]
    losers = [r for r in results if r["userErrors"]]
    assert len(winners) == 1
    assert all(r["userErrors"][0]["code"] == "CONFLICT" for r in losers)
    assert len(losers) == 7


# --- Slugs and revisions -----------------------------------------------------------------------


def test_a_changed_slug_keeps_the_old_one_working(
    editor: AuthClient, gql: GraphQLClient, byline: str
) -> None:
    article = create(editor, authorSlugs=[byline])
    editor.data(PUBLISH, {"id": article["id"]})
    editor.data(UPDATE, {"id": article["id"], "input": {"slug": "a-better-slug"}, "v": 2})
    # A published article's edits wait for publishing: the public still has the old slug.
    assert gql.data('{ article(slug: "a-better-slug") { slug } }')["article"] is None
    editor.data(PUBLISH, {"id": article["id"]})
    assert gql.data('{ article(slug: "sanctions-and-the-alliance") { slug } }')["article"] == {
        "slug": "a-better-slug"
    }
    assert gql.data('{ article(slug: "a-better-slug") { slug } }')["article"] == {"slug": "a-better-slug"}


def test_every_save_is_a_revision_and_revert_makes_a_new_one(editor: AuthClient, gql: GraphQLClient) -> None:
    article = create(editor, title="Original", bodyHtml="<p>One</p>")
    editor.data(
        UPDATE, {"id": article["id"], "input": {"title": "Changed", "bodyHtml": "<p>Two</p>"}, "v": 1}
    )
    query = """query($id: ID!) { node(id: $id) { ... on Article { title version
      revisions { totalCount edges { node { id version title savedBy message } } } } } }"""
    history = editor.data(query, {"id": article["id"]})["node"]
    assert [e["node"]["title"] for e in history["revisions"]["edges"]] == ["Changed", "Original"]
    first = history["revisions"]["edges"][-1]["node"]
    assert first["savedBy"] == "Test editor"
    revert = """mutation($id: ID!, $r: ID!) { revertArticle(id: $id, revisionId: $r) {
      article { title bodyHtml version } userErrors { code } } }"""
    payload = editor.data(revert, {"id": article["id"], "r": first["id"]})["revertArticle"]
    assert payload["article"]["title"] == "Original"
    assert "One" in payload["article"]["bodyHtml"]
    assert payload["article"]["version"] == 3
    history = editor.data(query, {"id": article["id"]})["node"]
    assert history["revisions"]["totalCount"] == 3
    assert history["revisions"]["edges"][0]["node"]["message"] == "reverted to version 1"


def test_revisions_are_for_editors_only(editor: AuthClient, gql: GraphQLClient, byline: str) -> None:
    article = create(editor, authorSlugs=[byline])
    editor.data(PUBLISH, {"id": article["id"]})
    query = """query($id: ID!) { node(id: $id) { ... on Article { revisions { totalCount } } } }"""
    assert gql.codes(query, {"id": article["id"]}) == ["UNAUTHENTICATED"]


# --- Preview -----------------------------------------------------------------------------------


def test_a_preview_link_shows_one_draft_without_a_token(editor: AuthClient, gql: GraphQLClient) -> None:
    article = create(editor, title="Secret draft")
    link = editor.data(
        "mutation($id: ID!) { createPreviewLink(id: $id, ttlSeconds: 600) {"
        " token expiresAt userErrors { code } } }",
        {"id": article["id"]},
    )["createPreviewLink"]
    assert link["userErrors"] == []
    found = gql.data(
        'query($t: String) { article(id: "x", previewToken: $t) { title } }', {"t": link["token"]}
    )
    assert found["article"]["title"] == "Secret draft"
    tampered = link["token"][:-2] + ("AA" if not link["token"].endswith("AA") else "BB")
    assert gql.codes("query($t: String) { article(previewToken: $t) { title } }", {"t": tampered}) == [
        "FORBIDDEN"
    ]


def test_editors_preview_drafts_by_slug(editor: AuthClient, gql: GraphQLClient) -> None:
    article = create(editor, title="Draft to preview")
    query = "query($s: String) { article(slug: $s, preview: true) { title status } }"
    assert editor.data(query, {"s": article["slug"]})["article"] == {
        "title": "Draft to preview",
        "status": "DRAFT",
    }
    assert gql.codes(query, {"s": article["slug"]}) == ["UNAUTHENTICATED"]


# --- Taxonomy ----------------------------------------------------------------------------------


def test_editors_manage_sections_categories_and_authors(editor: AuthClient, gql: GraphQLClient) -> None:
    made = editor.data(
        'mutation { createSection(input: {name: "Events", description: "Talks"}) {'
        " section { id slug } userErrors { code } }"
        ' createCategory(input: {name: "Trade"}) { category { slug } userErrors { code } }'
        ' createAuthor(input: {name: "Min-jun Park", affiliation: "IPS"}) {'
        " author { slug affiliation } userErrors { code } } }"
    )
    assert made["createSection"]["section"]["slug"] == "events"
    assert made["createCategory"]["category"]["slug"] == "trade"
    assert made["createAuthor"]["author"] == {"slug": "min-jun-park", "affiliation": "IPS"}
    assert {s["slug"] for s in gql.data("{ sections { slug } }")["sections"]} == {"events"}
    duplicate = editor.data(
        'mutation { createCategory(input: {name: "Trade"}) { userErrors { field code } } }'
    )
    assert duplicate["createCategory"]["userErrors"] == [{"field": "slug", "code": "DUPLICATE"}]


def test_deleting_a_category_in_use_is_refused_unless_reassigned(
    editor: AuthClient, gql: GraphQLClient
) -> None:
    made = editor.data(
        'mutation { a: createCategory(input: {name: "Old"}) { category { id } } '
        'b: createCategory(input: {name: "New"}) { category { id } } }'
    )
    create(editor, categorySlug="old")
    delete = (
        "mutation($id: ID!, $to: String) {"
        " deleteCategory(id: $id, reassignTo: $to) { deletedId userErrors { code message } } }"
    )
    refused = editor.data(delete, {"id": made["a"]["category"]["id"]})["deleteCategory"]
    assert refused == {
        "deletedId": None,
        "userErrors": [
            {
                "code": "CONFLICT",
                "message": "1 article still uses this category; "
                "pass `reassignTo` with another category's slug",
            }
        ],
    }
    done = editor.data(delete, {"id": made["a"]["category"]["id"], "to": "new"})["deleteCategory"]
    assert done["userErrors"] == []
    listing = editor.data("{ articles(orderBy: UPDATED_AT_DESC) { nodes { category { slug } } } }")
    assert listing["articles"]["nodes"] == [{"category": {"slug": "new"}}]


def test_authors_role_cannot_manage_taxonomy(author_client: AuthClient) -> None:
    assert author_client.codes('mutation { createSection(input: {name: "X"}) { userErrors { code } } }') == [
        "FORBIDDEN"
    ]
