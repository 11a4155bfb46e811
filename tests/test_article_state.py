"""Article state: a live version plus pending changes, publishing that means now, and the clock."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from cms.db import Database
from cms.models import AuditEntry, Change, utcnow
from cms.services import changes, workflow
from tests.conftest import GraphQLClient
from tests.factories import Seeder
from tests.test_editorial_api import CREATE, PUBLISH, AuthClient, token_for

STATE = """query($id: ID!, $preview: Boolean) { article(id: $id, preview: $preview) {
  title summary slug status version liveVersion hasUnpublishedChanges publishedAt
  revisions { totalCount edges { node { version message } } } } }"""
UPDATE = """mutation($id: ID!, $input: ArticleInput!, $v: Int!, $publish: Boolean) {
  updateArticle(id: $id, input: $input, expectedVersion: $v, publish: $publish) {
  article { title version liveVersion hasUnpublishedChanges status } userErrors { field code message } } }"""
UNPUBLISH = """mutation($id: ID!) { unpublishArticle(id: $id) { article { status publishedAt version }
  userErrors { code message } } }"""


def _published(editor: AuthClient, **fields: Any) -> dict[str, Any]:
    created = editor.data(
        CREATE, {"input": {"title": "Sanctions and the alliance", "authorSlugs": ["jane"], **fields}}
    )
    article = created["createArticle"]["article"]
    assert editor.data(PUBLISH, {"id": article["id"]})["publishArticle"]["userErrors"] == []
    return article  # type: ignore[no-any-return]


def test_an_authors_edit_to_a_live_article_waits_for_an_editor(
    client: Any, db: Database, seed: Seeder, gql: GraphQLClient
) -> None:
    seed.author("Jane Example", slug="jane")
    author = AuthClient(client, token_for(db, "author", "Jane"))
    editor = AuthClient(client, token_for(db, "editor"))
    draft = author.data(CREATE, {"input": {"title": "Sanctions and the alliance", "authorSlugs": ["jane"]}})
    article_id = draft["createArticle"]["article"]["id"]
    assert editor.data(PUBLISH, {"id": article_id})["publishArticle"]["userErrors"] == []

    saved = author.data(UPDATE, {"id": article_id, "input": {"title": "Sanctions, revised"}, "v": 2})
    assert saved["updateArticle"]["userErrors"] == []
    assert saved["updateArticle"]["article"] == {
        "title": "Sanctions, revised", "version": 3, "liveVersion": 2, "hasUnpublishedChanges": True,
        "status": "PUBLISHED",
    }  # fmt: skip
    # The public, search and the live read still see the approved text.
    public = gql.data(
        STATE.replace(" revisions { totalCount edges { node { version message } } }", ""), {"id": article_id}
    )
    assert public["article"]["title"] == "Sanctions and the alliance"
    assert public["article"]["hasUnpublishedChanges"] is False
    assert public["article"]["version"] == 2
    hits = gql.data('{ search(query: "revised") { totalCount } }')["search"]["totalCount"]
    assert hits == 0
    # The editor sees both; preview shows the pending draft.
    live = editor.data(STATE, {"id": article_id})["article"]
    assert (live["title"], live["hasUnpublishedChanges"]) == ("Sanctions and the alliance", True)
    assert editor.data(STATE, {"id": article_id, "preview": True})["article"]["title"] == "Sanctions, revised"
    # The author may not publish it; the editor does.
    assert author.codes(PUBLISH, {"id": article_id}) == ["FORBIDDEN"]
    published = editor.data(PUBLISH, {"id": article_id})["publishArticle"]
    assert published["userErrors"] == []
    assert published["article"]["version"] == 4
    after = gql.data('{ search(query: "revised") { totalCount edges { node { title version } } } }')["search"]
    assert after["edges"] == [{"node": {"title": "Sanctions, revised", "version": 4}}]


def test_an_editor_may_save_and_publish_at_once_and_the_first_publication_time_stays(
    client: Any, db: Database, seed: Seeder, gql: GraphQLClient
) -> None:
    seed.author("Jane Example", slug="jane")
    editor = AuthClient(client, token_for(db, "editor"))
    article = _published(editor)
    first = editor.data(STATE, {"id": article["id"]})["article"]["publishedAt"]
    saved = editor.data(
        UPDATE, {"id": article["id"], "input": {"summary": "Now with a summary."}, "v": 2, "publish": True}
    )["updateArticle"]
    assert saved["userErrors"] == []
    assert (saved["article"]["hasUnpublishedChanges"], saved["article"]["liveVersion"]) == (False, 4)
    live = gql.data(
        STATE.replace(" revisions { totalCount edges { node { version message } } }", ""),
        {"id": article["id"]},
    )
    assert live["article"]["summary"] == "Now with a summary."
    assert live["article"]["publishedAt"] == first
    author = AuthClient(client, token_for(db, "author", "Jane"))
    assert author.codes(UPDATE, {"id": article["id"], "input": {}, "v": 4, "publish": True}) == ["FORBIDDEN"]


def test_publish_adds_one_revision_and_publishing_twice_changes_nothing(
    client: Any, db: Database, seed: Seeder
) -> None:
    seed.author("Jane Example", slug="jane")
    editor = AuthClient(client, token_for(db, "editor"))
    article = _published(editor)
    state = editor.data(STATE, {"id": article["id"]})["article"]
    assert state["version"] == 2
    assert [e["node"]["message"] for e in state["revisions"]["edges"]] == ["published", "created"]
    again = editor.data(PUBLISH, {"id": article["id"]})["publishArticle"]
    assert (again["userErrors"], again["article"]["version"]) == ([], 2)


def test_publish_on_a_scheduled_article_publishes_it_now(client: Any, db: Database, seed: Seeder) -> None:
    seed.author("Jane Example", slug="jane")
    editor = AuthClient(client, token_for(db, "editor"))
    created = editor.data(CREATE, {"input": {"title": "Later", "authorSlugs": ["jane"]}})["createArticle"][
        "article"
    ]
    later = (utcnow() + timedelta(days=2)).isoformat()
    scheduled = editor.data(PUBLISH, {"id": created["id"], "at": later})["publishArticle"]["article"]
    assert scheduled["status"] == "SCHEDULED"
    assert scheduled["publishedAt"].startswith(later[:19])
    now = editor.data(PUBLISH, {"id": created["id"]})["publishArticle"]["article"]
    assert now["status"] == "PUBLISHED"
    assert now["publishedAt"] < later


def test_a_live_article_cannot_be_rescheduled_without_unpublishing(
    client: Any, db: Database, seed: Seeder
) -> None:
    seed.author("Jane Example", slug="jane")
    editor = AuthClient(client, token_for(db, "editor"))
    article = _published(editor)
    later = (utcnow() + timedelta(days=2)).isoformat()
    refused = editor.data(PUBLISH, {"id": article["id"], "at": later})["publishArticle"]
    assert [e["code"] for e in refused["userErrors"]] == ["INVALID"]
    assert refused["article"]["status"] == "PUBLISHED"


def test_unpublish_clears_the_publication_time_and_keeps_pending_changes_as_the_draft(
    client: Any, db: Database, seed: Seeder
) -> None:
    seed.author("Jane Example", slug="jane")
    editor = AuthClient(client, token_for(db, "editor"))
    article = _published(editor)
    editor.data(UPDATE, {"id": article["id"], "input": {"title": "Pending title"}, "v": 2})
    down = editor.data(UNPUBLISH, {"id": article["id"]})["unpublishArticle"]
    assert down["userErrors"] == []
    assert (down["article"]["status"], down["article"]["publishedAt"]) == ("DRAFT", None)
    state = editor.data(STATE, {"id": article["id"]})["article"]
    assert (state["title"], state["liveVersion"], state["hasUnpublishedChanges"]) == (
        "Pending title",
        None,
        False,
    )
    again = editor.data(UNPUBLISH, {"id": article["id"]})["unpublishArticle"]
    assert [e["code"] for e in again["userErrors"]] == ["INVALID"]


def test_reverting_to_the_live_version_discards_pending_changes_and_the_current_one_is_refused(
    client: Any, db: Database, seed: Seeder
) -> None:
    seed.author("Jane Example", slug="jane")
    editor = AuthClient(client, token_for(db, "editor"))
    article = _published(editor)
    editor.data(UPDATE, {"id": article["id"], "input": {"title": "Pending title"}, "v": 2})
    revisions = editor.data(STATE, {"id": article["id"]})["article"]["revisions"]
    assert revisions["totalCount"] == 3
    query = """query($id: ID!) { article(id: $id) { revisions { edges { node { id version } } } } }"""
    ids = {
        e["node"]["version"]: e["node"]["id"]
        for e in editor.data(query, {"id": article["id"]})["article"]["revisions"]["edges"]
    }
    revert = """mutation($id: ID!, $rev: ID!) { revertArticle(id: $id, revisionId: $rev) {
      article { title version } userErrors { code } } }"""
    current = editor.data(revert, {"id": article["id"], "rev": ids[3]})["revertArticle"]
    assert [e["code"] for e in current["userErrors"]] == ["INVALID"]
    back = editor.data(revert, {"id": article["id"], "rev": ids[2]})["revertArticle"]
    assert back["userErrors"] == []
    assert back["article"]["title"] == "Sanctions and the alliance"


def test_a_scheduled_article_is_announced_once_when_its_time_comes(
    db: Database, seed: Seeder, client: Any, gql: GraphQLClient
) -> None:
    author = seed.author("Jane Example", slug="jane")
    pk = seed.article(
        "Soon", state="published", published_at=utcnow() + timedelta(seconds=2), author_ids=[author]
    )
    assert gql.data("{ stats { totalPublications } }")["stats"]["totalPublications"] == 0
    with db.connect() as conn:
        before = changes.current_seq(conn)
    time.sleep(2.2)
    results: list[int] = []

    def ask() -> None:
        body = client.post("/graphql", json={"query": "{ stats { totalPublications } }"}).json()
        results.append(body["data"]["stats"]["totalPublications"])

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [1] * 6
    change = Change.__table__  # type: ignore[attr-defined]
    with db.connect() as conn:
        announced = conn.execute(
            select(func.count()).where(
                change.c.entity == "article", change.c.entity_id == pk, change.c.seq > before
            )
        ).scalar_one()
        audit = AuditEntry.__table__  # type: ignore[attr-defined]
        went_live = (
            conn.execute(select(audit.c.actor).where(audit.c.action == "article.went_live")).scalars().all()
        )
    assert announced == 1
    assert went_live == ["clock"]
    with db.write() as session:
        assert workflow.announce_due(session, now=utcnow()) == []


def test_nested_totals_are_counted_for_each_audience_separately(
    client: Any, db: Database, seed: Seeder, gql: GraphQLClient
) -> None:
    section = seed.section("The Peninsula", slug="the-peninsula")
    seed.article("Out", section_id=section)
    seed.article("Draft", state="draft", section_id=section)
    query = "{ sections { articles { totalCount } } }"
    editor = AuthClient(client, token_for(db, "editor"))
    assert editor.data(query)["sections"][0]["articles"]["totalCount"] == 2
    assert gql.data(query)["sections"][0]["articles"]["totalCount"] == 1


def test_workflow_steps_are_audited_and_article_saves_are_not(
    client: Any, db: Database, seed: Seeder
) -> None:
    seed.author("Jane Example", slug="jane")
    editor = AuthClient(client, token_for(db, "editor", "Ed"))
    article = _published(editor)
    editor.data(UPDATE, {"id": article["id"], "input": {"title": "Changed"}, "v": 2})
    editor.data("mutation($id: ID!) { trashArticle(id: $id) { userErrors { code } } }", {"id": article["id"]})
    audit = AuditEntry.__table__  # type: ignore[attr-defined]
    with db.connect() as conn:
        rows = conn.execute(select(audit.c.action, audit.c.actor, audit.c.role).order_by(audit.c.id)).all()
    assert [tuple(r) for r in rows] == [
        ("article.publish", "Ed editor", "editor"),
        ("article.trash", "Ed editor", "editor"),
    ]


def test_delete_for_good_removes_the_article_and_its_old_slugs(
    client: Any, db: Database, seed: Seeder, gql: GraphQLClient
) -> None:
    seed.author("Jane Example", slug="jane")
    editor = AuthClient(client, token_for(db, "editor"))
    article = _published(editor)
    deleted = editor.data(
        "mutation($id: ID!) { deleteArticle(id: $id) { deletedId userErrors { code } } }",
        {"id": article["id"]},
    )
    assert deleted["deleteArticle"] == {"deletedId": article["id"], "userErrors": []}
    assert gql.data('{ article(slug: "sanctions-and-the-alliance") { id } }')["article"] is None
    again = editor.data(
        "mutation($id: ID!) { deleteArticle(id: $id) { deletedId userErrors { code } } }",
        {"id": article["id"]},
    )
    assert again["deleteArticle"]["userErrors"] == [{"code": "NOT_FOUND"}]
