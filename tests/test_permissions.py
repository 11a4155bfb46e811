"""The whole permission table, walked through the API: role x action x own/other x state.

The expectations are written out here by hand, independently of cms.services.permissions, so a
change to the table that nobody meant shows up as a failing cell.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from cms.db import Database
from cms.graphql.relay import to_global_id
from cms.models import utcnow
from cms.services import permissions
from cms.services.permissions import Action
from tests.factories import Seeder
from tests.test_editorial_api import AuthClient

STATES = ("draft", "scheduled", "published", "archived", "trashed")
ARTICLE_ACTIONS = (
    "edit", "revert", "publish", "unpublish", "archive", "trash", "restore", "delete",
    "read_revisions", "preview_link", "read_draft",
)  # fmt: skip
_NOT_TRASHED = set(STATES) - {"trashed"}


def expected(role: str | None, action: str, own: bool, state: str) -> str:
    """ok, FORBIDDEN or UNAUTHENTICATED: what the contract and DECISIONS.md say."""
    if role is None:
        return "UNAUTHENTICATED"
    if role in ("editor", "admin"):
        return "ok"
    if role == "partner":
        return "FORBIDDEN"
    # Authors: their own articles only; never publish, unpublish, archive, trash, restore, delete.
    if not own:
        return "FORBIDDEN"
    if action in ("edit", "revert", "preview_link"):
        return "ok" if state in _NOT_TRASHED else "FORBIDDEN"
    if action in ("read_revisions", "read_draft"):
        return "ok"
    return "FORBIDDEN"


def _article(seed: Seeder, state: str, creator: int, author: int) -> int:
    now = utcnow()
    when = {"scheduled": now + timedelta(days=3), "published": now - timedelta(days=3)}.get(state)
    stored = "published" if state in ("scheduled", "published") else state
    pk = seed.article(
        f"A {state} article", state=stored, published_at=when, author_ids=[author], created_by=creator
    )
    seed.revision(pk)
    if stored == "published":
        seed.pending(pk, title="Unpublished changes")
    return pk


MUTATIONS: dict[str, str] = {
    "edit": """mutation($id: ID!, $v: Int!) { r: updateArticle(id: $id, input: {summary: "Changed."},
      expectedVersion: $v) { userErrors { code } } }""",
    "revert": """mutation($id: ID!, $rev: ID!) {
      r: revertArticle(id: $id, revisionId: $rev) { userErrors { code } } }""",
    "publish": "mutation($id: ID!) { r: publishArticle(id: $id) { userErrors { code } } }",
    "unpublish": "mutation($id: ID!) { r: unpublishArticle(id: $id) { userErrors { code } } }",
    "archive": "mutation($id: ID!) { r: archiveArticle(id: $id) { userErrors { code } } }",
    "trash": "mutation($id: ID!) { r: trashArticle(id: $id) { userErrors { code } } }",
    "restore": "mutation($id: ID!) { r: restoreArticle(id: $id) { userErrors { code } } }",
    "delete": "mutation($id: ID!) { r: deleteArticle(id: $id) { userErrors { code } } }",
    "preview_link": "mutation($id: ID!) { r: createPreviewLink(id: $id) { token userErrors { code } } }",
    "read_revisions": "query($id: ID!) { r: article(id: $id) { revisions { totalCount } } }",
    "read_draft": "query($id: ID!) { r: article(id: $id, preview: true) { title } }",
}


def outcome(body: dict[str, Any]) -> str:
    """ok, FORBIDDEN, UNAUTHENTICATED, or a refusal that reveals nothing: "hidden" (the article is
    not visible to the caller at all) or "live only" (a preview that shows just the public version)."""
    codes = {e.get("extensions", {}).get("code") for e in body.get("errors", [])}
    for code in ("UNAUTHENTICATED", "FORBIDDEN"):
        if code in codes:
            return code
    assert not codes, body
    found = body["data"]["r"]
    if found is None:
        return "hidden"
    if found.get("title") == "A published article":
        return "live only"  # its pending changes are titled "Unpublished changes"
    return "ok"


@pytest.mark.parametrize("role", [None, "partner", "author", "editor", "admin"])
def test_every_article_action_in_every_state_follows_the_table(
    role: str | None, client: Any, db: Database, seed: Seeder
) -> None:
    byline = seed.author("Jane Example")
    caller_id, caller_token = seed.token(role or "author", "Jane Example")
    other_id, _ = seed.token("editor", "Someone Else")
    api = AuthClient(client, caller_token if role else None)
    wrong: list[str] = []
    for action in ARTICLE_ACTIONS:
        for own in (True, False):
            for state in STATES:
                pk = _article(seed, state, caller_id if own else other_id, byline)
                variables = {"id": to_global_id("Article", pk), "v": seed.article_row(pk).version}
                if action == "revert":
                    variables["rev"] = to_global_id("Revision", seed.revision(pk, version=99))
                query = MUTATIONS[action]
                body = api.post(query, {k: v for k, v in variables.items() if f"${k}" in query}).json()
                got, want = outcome(body), expected(role, action, own, state)
                if got != want and not (got in ("hidden", "live only") and want != "ok"):
                    wrong.append(
                        f"{role} {action} {'own' if own else 'other'} {state}: got {got}, want {want}"
                    )
    assert wrong == []


_OTHER: dict[str, tuple[Action, Callable[[Seeder], dict[str, Any]], str]] = {
    "createSection": (
        Action.TAXONOMY_MANAGE,
        lambda seed: {},
        'mutation { r: createSection(input: {name: "World"}) { userErrors { code } } }',
    ),
    "updateImage": (
        Action.IMAGE_MANAGE,
        lambda seed: {"id": to_global_id("Image", seed.image())},
        'mutation($id: ID!) { r: updateImage(id: $id, input: {alt: "A harbour"}) { userErrors { code } } }',
    ),
}


@pytest.mark.parametrize("name", sorted(_OTHER))
@pytest.mark.parametrize("role", [None, "partner", "author", "editor", "admin"])
def test_taxonomy_and_images_are_for_editors_and_admins(
    name: str, role: str | None, client: Any, seed: Seeder
) -> None:
    action, setup, query = _OTHER[name]
    api = AuthClient(client, seed.token(role, "Someone")[1] if role else None)
    want = "ok" if role in ("editor", "admin") else ("UNAUTHENTICATED" if role is None else "FORBIDDEN")
    assert outcome(api.post(query, setup(seed)).json()) == want
    assert permissions.allowed(None if role is None else permissions.Role(role), action) == (want == "ok")


def test_admin_only_actions_are_refused_to_every_other_role() -> None:
    admin_only = {
        Action.TOKEN_MANAGE, Action.PARTNER_MANAGE, Action.WEBHOOK_MANAGE, Action.SUBSCRIBER_READ,
        Action.SUBSCRIBER_EXPORT, Action.SUBSCRIBER_DELETE, Action.SUBSCRIBER_SUPPRESS,
        Action.MAILING_LIST_MANAGE, Action.AUDIT_READ, Action.METRICS_READ, Action.QUERY_REGISTER,
    }  # fmt: skip
    for role in permissions.Role:
        for action in admin_only:
            assert permissions.allowed(role, action) == (role is permissions.Role.ADMIN), (role, action)
    assert permissions.allowed(permissions.Role.PARTNER, Action.CHANGES_READ)
    assert not permissions.allowed(permissions.Role.EDITOR, Action.CHANGES_READ)


def test_the_table_names_every_action_it_knows() -> None:
    for role, rules in permissions.TABLE.items():
        assert set(rules) <= set(Action), role
    for action in Action:
        assert permissions.describe(action)
