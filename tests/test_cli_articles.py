"""`cms article ...` goes through the GraphQL API of a running server, so roles apply."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import httpx2 as httpx
from typer.testing import CliRunner

from cms.cli import app
from cms.db import Database
from cms.models import utcnow
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


def test_list_shows_long_slugs_in_full_for_show_to_take(server: str, db: Database, seed: Seeder) -> None:
    slug = "sanctions-and-the-alliance-what-the-new-measures-mean-for-exporters-on-the-peninsula-2024"
    seed.article("A long one", slug=slug, state="draft")
    token = token_for(db, "editor")
    code, out = run(server, token, "list")  # CliRunner's console is 80 columns wide
    assert code == 0
    listed = out.splitlines()[1].split()[0]
    assert listed == slug
    code, out = run(server, token, "show", listed)
    assert code == 0
    assert "A long one" in out


def test_publish_on_a_scheduled_article_publishes_it_now(server: str, db: Database, seed: Seeder) -> None:
    author = seed.author("Jane Example")
    later = utcnow() + timedelta(days=3)
    pk = seed.article("Embargoed", slug="embargoed", published_at=later, author_ids=[author])
    seed.revision(pk)
    token = token_for(db, "editor")
    code, out = run(server, token, "show", "embargoed")
    assert "SCHEDULED" in out
    code, out = run(server, token, "publish", "embargoed")
    assert (code, out.split()[:2]) == (0, ["embargoed:", "PUBLISHED"])
    published_at = datetime.fromisoformat(out.split()[2])
    assert published_at <= utcnow() + timedelta(seconds=1)
    public = httpx.post(f"{server}/graphql", json={"query": '{ article(slug: "embargoed") { title } }'})
    assert public.json()["data"]["article"] == {"title": "Embargoed"}


def test_unpublish_clears_the_publication_time(server: str, db: Database, seed: Seeder) -> None:
    author = seed.author("Jane Example")
    pk = seed.article("Live one", slug="live-one", author_ids=[author])
    seed.revision(pk)
    token = token_for(db, "editor")
    code, out = run(server, token, "unpublish", "live-one")
    assert (code, out.split()) == (0, ["live-one:", "DRAFT"])
    code, out = run(server, token, "show", "live-one")
    assert "publishedAt: None" in out


def test_migrate_says_what_it_did(tmp_path: Path, database_url: str) -> None:
    from cms.migrate import head

    fresh = {"CMS_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}
    first = CliRunner().invoke(app, ["migrate"], env=fresh)
    assert first.exit_code == 0, first.output
    assert f"migrated from an empty database to `{head()}`" in " ".join(first.output.split())
    assert "up to date" not in first.output
    again = CliRunner().invoke(app, ["migrate"], env=fresh)
    assert "already up to date" in " ".join(again.output.split())
    migrated = CliRunner().invoke(app, ["migrate"], env={"CMS_DATABASE_URL": database_url})
    assert "already up to date" in " ".join(migrated.output.split())
