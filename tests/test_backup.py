"""`cms export` as a full backup and its restore into an empty database, as an operator runs them."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner, Result

from cms.cli import app
from cms.cli.common import ADMIN
from cms.db import Database
from cms.graphql import persisted
from cms.models import ArticleSlug, Section, Suppression, Webhook, utcnow
from cms.services import subscribers, tokens
from cms.settings import Settings
from tests.conftest import PG_URL, _pg_admin_url, _psycopg
from tests.factories import Seeder
from tests.test_import_export import refused, says


@pytest.fixture
def empty_url(database_template: str, tmp_path: Path) -> Iterator[str]:
    """A second migrated, empty database to restore into."""
    if PG_URL:
        admin = create_engine(_pg_admin_url(PG_URL), isolation_level="AUTOCOMMIT")
        name = f"cms_test_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(database_template).database}"'))
        yield _psycopg(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path / "restored.db"
        shutil.copyfile(database_template, path)
        yield f"sqlite:///{path}"


def runner(url: str, media: Path) -> Any:
    env = {"CMS_DATABASE_URL": url, "CMS_MEDIA_ROOT": str(media), "CMS_SECRET_KEY": "test-secret"}

    def run(*args: str) -> Result:
        return CliRunner().invoke(app, list(args), env=env)

    return run


@pytest.fixture
def source(settings: Settings, seed: Seeder, tmp_path: Path) -> Any:
    """A publication with every kind of state: pictures with files, pending changes, a schedule,
    a renamed article, revisions, a partner with sections, tokens, a webhook and the audit log."""
    cms = runner(settings.database_url, settings.media_root)
    assert cms("demo").exit_code == 0
    section = seed.section("Briefs", "briefs")
    author = seed.author("Backup Tester")
    partner = seed.partner("Syndicate", commercial=True, sections=["briefs"])
    token_id, token = seed.token("editor", "Editor")
    seed.token("partner", "Partner token", partner_id=partner)
    live = seed.article(
        "Live with pending changes", section_id=section, author_ids=[author], created_by=token_id
    )
    seed.revision(live)
    seed.pending(live, title="A better title", summary="Rewritten.")
    seed.article("Scheduled", published_at=utcnow() + timedelta(days=3), author_ids=[author])
    renamed = seed.article("Renamed", slug="new-name", author_ids=[author])
    gone = seed.token("author", "Gone")[0]
    with seed.db.write() as session:
        session.execute(insert(ArticleSlug.__table__), [{"slug": "old-name", "article_id": renamed}])  # type: ignore[attr-defined]
        session.execute(
            insert(Webhook.__table__),  # type: ignore[attr-defined]
            [{"url": "https://hooks.example.org/cms", "events": ["article.published"], "secret": "whsec_abc",
              "partner_id": partner, "created_at": utcnow(), "updated_at": utcnow()}],
        )  # fmt: skip
        tokens.revoke(session, token_id=gone)
        # The audience: sign-ups to the site list and a section's list (made on first use), a
        # suppressed address, and a registered document.
        for email, lists in (("reader@example.org", None), ("brief@example.org", ["briefs"])):
            subscribers.subscribe(
                session, email=email, lists=lists, source="test", client="10.0.0.1", now=utcnow()
            )
        session.execute(
            insert(Suppression.__table__),  # type: ignore[attr-defined]
            [{"address_key": "bounced@example.org", "reason": "bounce", "created_at": utcnow()}],
        )
        persisted.register(session, ADMIN, "{ stats { totalPublications } }", name="stats")
    return cms, token


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_backup_restores_byte_for_byte_with_its_images(
    source: Any, empty_url: str, settings: Settings, tmp_path: Path
) -> None:
    cms, _ = source
    first = tmp_path / "first"
    result = cms("export", str(first))
    assert result.exit_code == 0, result.output
    manifest = json.loads((first / "manifest.json").read_text())
    assert manifest["parts"]["revision"]["records"] >= 2
    assert manifest["parts"]["article_slug"]["records"] == 1
    assert manifest["media"]["files"] == 12
    assert manifest["parts"]["subscriber"]["records"] == 2
    assert manifest["parts"]["mailing_list"]["records"] == 2  # the site list and the section's
    assert manifest["parts"]["persisted_document"]["records"] == 1
    restored = runner(empty_url, tmp_path / "media-restored")
    result = restored("import", str(first))
    assert result.exit_code == 0, result.output
    second = tmp_path / "second"
    assert restored("export", str(second)).exit_code == 0
    assert tree(second) == tree(first)
    originals = tree(settings.media_root / "originals")
    assert originals
    assert tree(tmp_path / "media-restored" / "originals") == originals


def test_restored_database_keeps_working(
    source: Any, empty_url: str, settings: Settings, tmp_path: Path
) -> None:
    """Tokens still authenticate; new rows get new ids (PostgreSQL's sequences move past the restored)."""
    cms, token = source
    assert cms("export", str(tmp_path / "b")).exit_code == 0
    assert runner(empty_url, tmp_path / "m2")("restore", str(tmp_path / "b")).exit_code == 0
    db = Database(empty_url)
    try:
        with db.connect() as conn:
            assert tokens.authenticate(conn, token, now=utcnow()) is not None
        Seeder(db).section("After the restore")
        Seeder(db).article("Written after the restore")
    finally:
        db.dispose()


def test_restore_refuses_a_database_with_content(source: Any, tmp_path: Path) -> None:
    cms, _ = source
    assert cms("export", str(tmp_path / "b")).exit_code == 0
    result = cms("import", str(tmp_path / "b"))
    refused(result)
    assert says(result, "a backup is restored into an empty database")


def _edit(folder: Path, name: str, change: Any) -> None:
    path = folder / name
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    change(lines)
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")


def _restored_nothing(url: str) -> bool:
    db = Database(url)
    try:
        with db.connect() as conn:
            return conn.execute(select(func.count()).select_from(Section.__table__)).scalar_one() == 0  # type: ignore[attr-defined]
    finally:
        db.dispose()


@pytest.mark.parametrize("link", ["javascript:alert(1)", "data:text/html,<b>x</b>", "file:///etc/passwd"])
def test_restore_refuses_an_unsafe_link_naming_its_line(
    source: Any, empty_url: str, tmp_path: Path, link: str
) -> None:
    cms, _ = source
    assert cms("export", str(tmp_path / "b")).exit_code == 0
    _edit(tmp_path / "b", "image.jsonl", lambda rows: rows[2].update(source_url=link))
    result = runner(empty_url, tmp_path / "m2")("import", str(tmp_path / "b"))
    refused(result)
    assert says(result, "image.jsonl:3: `source_url`")
    assert _restored_nothing(empty_url)  # the sections before it were rolled back


def test_restore_refuses_a_damaged_file(source: Any, empty_url: str, tmp_path: Path) -> None:
    cms, _ = source
    assert cms("export", str(tmp_path / "b")).exit_code == 0
    _edit(tmp_path / "b", "article.jsonl", lambda rows: rows[0].update(title="Edited by hand"))
    result = runner(empty_url, tmp_path / "m2")("import", str(tmp_path / "b"))
    refused(result)
    assert says(result, "article.jsonl: does not match its checksum in manifest.json")
    assert _restored_nothing(empty_url)


def test_restore_refuses_a_missing_original(source: Any, empty_url: str, tmp_path: Path) -> None:
    cms, _ = source
    assert cms("export", str(tmp_path / "b")).exit_code == 0
    next((tmp_path / "b" / "media").rglob("*.*")).unlink()
    result = runner(empty_url, tmp_path / "m2")("import", str(tmp_path / "b"))
    refused(result)
    assert says(result, "is missing from the backup")
    assert _restored_nothing(empty_url)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.update(state="deleted"), "article.jsonl:1: `state` must be one of"),
        (lambda r: r.update(version="2"), "article.jsonl:1: field `version` has the wrong type"),
        (lambda r: r.update(published_at="2024-01-01 10:00"), "has no time zone"),
        (lambda r: r.update(colour="red"), "article.jsonl:1: unknown field `colour`"),
        (lambda r: r.pop("slug"), "article.jsonl:1: missing field `slug`"),
        (lambda r: r.update(title="x" * 501), "field `title` is longer than 500 characters"),
    ],
)
def test_restore_refuses_bad_rows_naming_the_line(
    source: Any, empty_url: str, tmp_path: Path, change: Any, message: str
) -> None:
    cms, _ = source
    assert cms("export", str(tmp_path / "b")).exit_code == 0
    _edit(tmp_path / "b", "article.jsonl", lambda rows: change(rows[0]))
    result = runner(empty_url, tmp_path / "m2")("restore", str(tmp_path / "b"))
    refused(result)
    assert says(result, message), result.output
    assert _restored_nothing(empty_url)


def test_restore_sanitises_bodies_again(source: Any, empty_url: str, tmp_path: Path) -> None:
    cms, _ = source
    assert cms("export", str(tmp_path / "b")).exit_code == 0
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    del manifest["parts"]["article"]["sha256"]  # an operator's deliberate edit
    (tmp_path / "b" / "manifest.json").write_text(json.dumps(manifest))
    _edit(
        tmp_path / "b",
        "article.jsonl",
        lambda rows: rows[0].update(body_html="<p>Hi<script>x()</script></p>"),
    )
    assert runner(empty_url, tmp_path / "m2")("restore", str(tmp_path / "b")).exit_code == 0
    db = Database(empty_url)
    try:
        with db.connect() as conn:
            body = conn.execute(text("SELECT body_html FROM article ORDER BY id LIMIT 1")).scalar_one()
    finally:
        db.dispose()
    assert body == "<p>Hi</p>"


def test_export_refuses_a_folder_with_files(source: Any, tmp_path: Path) -> None:
    cms, _ = source
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "notes.txt").write_text("mine")
    result = cms("export", str(tmp_path / "b"))
    refused(result)
    assert says(result, "is not empty")


def test_backup_files_are_readable_by_their_owner_only(source: Any, tmp_path: Path) -> None:
    cms, _ = source
    assert cms("export", str(tmp_path / "b")).exit_code == 0
    assert (tmp_path / "b").stat().st_mode & 0o777 == 0o700
    assert {p.stat().st_mode & 0o777 for p in (tmp_path / "b").rglob("*") if p.is_file()} == {0o600}
