"""Preview links: shown only while the article is not trashed, deleted or revoked by hand."""

from __future__ import annotations

from typing import Any

import pytest

from cms.db import Database
from tests.conftest import GraphQLClient
from tests.factories import Seeder
from tests.test_editorial_api import CREATE, PUBLISH, AuthClient, token_for

LINK = """mutation($id: ID!) {
  createPreviewLink(id: $id, ttlSeconds: 600) { token expiresAt userErrors { code } } }"""
SHOW = "query($t: String) { article(previewToken: $t) { title } }"


@pytest.fixture
def editor(client: Any, db: Database, seed: Seeder) -> AuthClient:
    seed.author("Jane Example", slug="jane")
    return AuthClient(client, token_for(db, "editor"))


def _draft(editor: AuthClient) -> str:
    made = editor.data(CREATE, {"input": {"title": "Embargoed story", "authorSlugs": ["jane"]}})
    return str(made["createArticle"]["article"]["id"])


def _link(editor: AuthClient, article: str) -> str:
    payload = editor.data(LINK, {"id": article})["createPreviewLink"]
    assert payload["userErrors"] == []
    return str(payload["token"])


def test_trashing_an_article_revokes_its_preview_links_for_good(
    editor: AuthClient, gql: GraphQLClient
) -> None:
    article = _draft(editor)
    token = _link(editor, article)
    assert gql.data(SHOW, {"t": token})["article"] == {"title": "Embargoed story"}
    editor.data("mutation($id: ID!) { trashArticle(id: $id) { userErrors { code } } }", {"id": article})
    assert gql.codes(SHOW, {"t": token}) == ["FORBIDDEN"]
    editor.data("mutation($id: ID!) { restoreArticle(id: $id) { userErrors { code } } }", {"id": article})
    assert gql.codes(SHOW, {"t": token}) == ["FORBIDDEN"]
    assert gql.data(SHOW, {"t": _link(editor, article)})["article"] == {"title": "Embargoed story"}


def test_an_editor_revokes_every_link_by_hand(editor: AuthClient, gql: GraphQLClient) -> None:
    article = _draft(editor)
    first, second = _link(editor, article), _link(editor, article)
    revoked = editor.data(
        "mutation($id: ID!) { revokePreviewLinks(id: $id) { userErrors { code } } }", {"id": article}
    )
    assert revoked["revokePreviewLinks"]["userErrors"] == []
    assert gql.codes(SHOW, {"t": first}) == ["FORBIDDEN"]
    assert gql.codes(SHOW, {"t": second}) == ["FORBIDDEN"]


def test_a_deleted_articles_link_is_refused(editor: AuthClient, gql: GraphQLClient) -> None:
    article = _draft(editor)
    token = _link(editor, article)
    editor.data("mutation($id: ID!) { deleteArticle(id: $id) { userErrors { code } } }", {"id": article})
    assert gql.codes(SHOW, {"t": token}) == ["FORBIDDEN"]


def test_a_preview_link_shows_a_live_articles_pending_changes(editor: AuthClient, gql: GraphQLClient) -> None:
    article = _draft(editor)
    editor.data(PUBLISH, {"id": article})
    update = """mutation($id: ID!) { updateArticle(id: $id, input: {title: "Corrected"}, expectedVersion: 2) {
      userErrors { code } } }"""
    editor.data(update, {"id": article})
    token = _link(editor, article)
    assert gql.data(SHOW, {"t": token})["article"] == {"title": "Corrected"}
    assert gql.data('{ article(slug: "embargoed-story") { title } }')["article"] == {
        "title": "Embargoed story"
    }


@pytest.mark.parametrize(
    "forged",
    [
        "",
        ".",
        "1.1.1.",
        "1.1.99999999999999999999.abc",
        "0.1.1." + "A" * 43,
        "-1.1.1." + "A" * 43,
        "1.1.1." + "A" * 4000,
        "%00",
        "1.1.1.😀" * 10,
        "[" * 5000,
        "9" * 100 + ".1.1." + "A" * 43,
    ],
)
def test_a_forged_preview_token_is_forbidden_never_a_crash(forged: str, gql: GraphQLClient) -> None:
    assert gql.codes(SHOW, {"t": forged}) == ["FORBIDDEN"]
