"""`cms article ...` goes through the GraphQL API of a running server, so roles apply."""

from __future__ import annotations

from typer.testing import CliRunner

from cms.cli import app
from cms.db import Database
from tests.factories import Seeder
from tests.test_editorial_api import token_for


def run(server: str, token: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["article", *args], env={"CMS_API_URL": server, "CMS_TOKEN": token})
    return result.exit_code, result.output


def test_an_editor_lists_shows_publishes_and_unpublishes(server: str, db: Database, seed: Seeder) -> None:
    author = seed.author("Jane Example")
    seed.article("Desk memo", slug="desk-memo", state="draft", author_ids=[author])
    token = token_for(db, "editor")
    code, out = run(server, token, "list", "--status", "draft")
    assert code == 0
    assert "desk-memo" in out
    assert "1 in all" in out
    code, out = run(server, token, "show", "desk-memo")
    assert code == 0
    assert "DRAFT" in out
    assert "Jane Example" in out
    code, out = run(server, token, "publish", "desk-memo")
    assert (code, out.split()[:2]) == (0, ["desk-memo:", "PUBLISHED"])
    code, out = run(server, token, "unpublish", "desk-memo")
    assert (code, out.split()[:2]) == (0, ["desk-memo:", "DRAFT"])


def test_an_author_token_cannot_publish_from_the_command_line(
    server: str, db: Database, seed: Seeder
) -> None:
    author = seed.author("Jane Example")
    token_id, token = seed.token("author", "Jane Example")
    seed.article("Desk memo", slug="desk-memo", state="draft", author_ids=[author], created_by=token_id)
    code, out = run(server, token, "publish", "desk-memo")
    assert code == 1
    assert "FORBIDDEN" in out


def test_a_bad_token_or_unknown_slug_fails_cleanly(server: str, db: Database) -> None:
    code, out = run(server, "cms_wrong", "list")
    assert code == 1
    assert "UNAUTHENTICATED" in out
    code, out = run(server, token_for(db, "editor"), "show", "no-such-article")
    assert code == 1
    assert "no article has the slug" in out


def test_an_unreachable_server_is_a_clear_error(db: Database) -> None:
    code, out = run("http://127.0.0.1:9", token_for(db, "editor"), "list")
    assert code == 1
    assert "cannot reach the CMS" in out
