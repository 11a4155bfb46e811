"""The audit log is readable by admins, newest first, paged, filtered by action; nobody else reads it."""

from __future__ import annotations

import pytest

from cms.db import Database

from .conftest import GraphQLClient
from .factories import Seeder
from .test_editorial_api import token_for

LOG = """query($first: Int, $after: String, $action: String) {
  auditLog(first: $first, after: $after, action: $action) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { at actor role action entity entityId detail } } } }"""
PUBLISH = "mutation($id: ID!) { publishArticle(id: $id) { userErrors { code } } }"


def _as(gql: GraphQLClient, token: str, query: str, **variables: object) -> dict:
    return gql.post(query, variables, headers={"authorization": f"Bearer {token}"}).json()


def test_admins_read_who_did_what_newest_first_in_pages(
    seed: Seeder, db: Database, gql: GraphQLClient
) -> None:
    author = seed.author("Jane Example")
    drafts = [seed.article(f"Draft {n}", state="draft", author_ids=[author]) for n in range(3)]
    editor = token_for(db, "editor", "Desk")
    from cms.graphql.relay import to_global_id

    for pk in drafts:
        assert (
            _as(gql, editor, PUBLISH, id=to_global_id("Article", pk))["data"]["publishArticle"]["userErrors"]
            == []
        )
    admin = token_for(db, "admin")
    first = _as(gql, admin, LOG, first=2, action="article.publish")["data"]["auditLog"]
    assert first["totalCount"] == 3
    assert [e["node"]["entityId"] for e in first["edges"]] == [
        to_global_id("Article", pk) for pk in drafts[:0:-1]
    ]
    assert {e["node"]["actor"] for e in first["edges"]} == {"Desk editor"}
    assert {e["node"]["role"] for e in first["edges"]} == {"editor"}
    rest = _as(gql, admin, LOG, first=2, after=first["pageInfo"]["endCursor"], action="article.publish")
    page = rest["data"]["auditLog"]
    assert [e["node"]["entityId"] for e in page["edges"]] == [to_global_id("Article", drafts[0])]
    assert page["pageInfo"]["hasNextPage"] is False


@pytest.mark.parametrize("role", ["author", "editor", "partner"])
def test_nobody_but_admins_reads_the_log(role: str, db: Database, gql: GraphQLClient) -> None:
    answer = _as(gql, token_for(db, role), LOG)
    assert [e["extensions"]["code"] for e in answer["errors"]] == ["FORBIDDEN"]
    assert [e["extensions"]["code"] for e in gql.post(LOG).json()["errors"]] == ["UNAUTHENTICATED"]


def test_a_forged_cursor_is_bad_user_input(db: Database, gql: GraphQLClient) -> None:
    admin = token_for(db, "admin")
    for cursor in ("nonsense", "W1s=", "WyJhcnRpY2xlIiwgMV0="):
        answer = _as(gql, admin, LOG, after=cursor)
        assert [e["extensions"]["code"] for e in answer["errors"]] == ["BAD_USER_INPUT"], cursor
