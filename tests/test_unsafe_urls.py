"""Links a frontend renders as <a href> accept only http(s) (and mailto: for a creator), on every
path that writes them; what older versions stored is cleared by migration 0006."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from cms.cli import app
from cms.db import Database
from cms.errors import Invalid
from cms.graphql.relay import to_global_id
from cms.migrate import upgrade
from cms.services.checks import web_url
from cms.settings import Settings
from tests.factories import Seeder
from tests.test_editorial_api import CREATE, AuthClient, token_for
from tests.test_media_intake import photo, save

HOSTILE = [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "vbscript:msgbox(1)", "file:///etc/passwd",
    "//evil.example/x", "http://", "https:///path", "ftp://example.org/x", "mailto:", "\x00http://x.org",
]  # fmt: skip


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_links_are_refused_by_the_shared_check(value: str) -> None:
    with pytest.raises(Invalid):
        web_url(value, field="sourceUrl", allow_mailto=True)


@pytest.mark.parametrize(
    "value",
    ["https://www.flickr.com/photos/jane/1", "http://example.org/a?b=1&c=2#d", "https://例え.jp/パス"],
)
def test_ordinary_links_pass(value: str) -> None:
    assert web_url(value, field="sourceUrl") == value


def test_mailto_is_accepted_for_a_creator_only() -> None:
    assert (
        web_url("mailto:jane@example.org", field="creatorUrl", allow_mailto=True) == "mailto:jane@example.org"
    )
    with pytest.raises(Invalid):
        web_url("mailto:jane@example.org", field="sourceUrl")


@pytest.mark.parametrize("field", ["creatorUrl", "sourceUrl"])
@pytest.mark.parametrize(
    "value", ["javascript:alert(1)", "data:text/html,<b>x</b>", "vbscript:x", "file:///etc/passwd"]
)
def test_update_image_refuses_a_hostile_credit_link(
    field: str, value: str, client: Any, db: Database, seed: Seeder
) -> None:
    editor = AuthClient(client, token_for(db, "editor"))
    image = to_global_id("Image", seed.image())
    query = """mutation($id: ID!, $input: ImageInput!) { updateImage(id: $id, input: $input) {
      image { credit { creatorUrl sourceUrl } } userErrors { field code } } }"""
    payload = editor.data(query, {"id": image, "input": {field: value}})["updateImage"]
    assert payload["userErrors"] == [{"field": field, "code": "INVALID"}]
    assert payload["image"]["credit"] == {
        "creatorUrl": None,
        "sourceUrl": "https://www.flickr.com/photos/jane/1",
    }


def test_upload_refuses_a_hostile_credit_link_and_stores_nothing(
    client: Any, db: Database, settings: Settings
) -> None:
    editor = {"Authorization": f"Bearer {token_for(db, 'editor')}"}
    operations = {
        "query": """mutation($file: Upload!, $input: ImageInput!) { uploadImage(file: $file, input: $input) {
          image { id } userErrors { field code } } }""",
        "variables": {"file": None, "input": {"title": "t", "creator": "c", "licenseCode": "CC-BY-2.0",
                                              "sourceUrl": "javascript:alert(1)"}},
    }  # fmt: skip
    import json

    response = client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("a.jpg", save(photo((64, 64)), "JPEG"), "image/jpeg")},
        headers=editor,
    )
    assert response.json()["data"]["uploadImage"] == {
        "image": None,
        "userErrors": [{"field": "sourceUrl", "code": "INVALID"}],
    }
    assert not (settings.media_root / "originals").exists()


def test_a_hostile_canonical_url_is_refused(client: Any, db: Database) -> None:
    editor = AuthClient(client, token_for(db, "editor"))
    payload = editor.data(CREATE, {"input": {"title": "x", "canonicalUrl": "javascript:alert(1)"}})[
        "createArticle"
    ]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("canonicalUrl", "INVALID")]


def test_the_command_line_refuses_a_hostile_credit_link(
    tmp_path: Path, settings: Settings, monkeypatch: Any
) -> None:
    monkeypatch.setenv("CMS_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CMS_MEDIA_ROOT", str(settings.media_root))
    picture = tmp_path / "a.jpg"
    picture.write_bytes(save(photo((64, 64)), "JPEG"))
    result = CliRunner().invoke(
        app, ["image", "add", str(picture), "--title", "t", "--creator", "c", "--license", "CC-BY-2.0",
              "--creator-url", "javascript:alert(1)"],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "http:// or https://" in result.output


def test_migration_0006_clears_stored_hostile_links_and_audits_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0005")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO image (title, alt, width, height, mime_type, filename, creator, creator_url, "
                "source_name, source_url, license_code, modifications, created_at, updated_at, blurhash, "
                "dominant_color, data_uri, public) VALUES ('t', '', 1, 1, 'image/jpeg', '', 'c', "
                "'javascript:alert(1)', '', 'https://ok.example/1', 'CC-BY-2.0', '', '2024-01-01', "
                "'2024-01-01', '', '', '', 0), "
                "('u', '', 1, 1, 'image/jpeg', '', 'c', 'mailto:c@example.org', "
                "'', 'data:text/html,x', 'CC-BY-2.0', '', '2024-01-01', '2024-01-01', '', '', '', 0)"
            )
        )
    upgrade(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT creator_url, source_url FROM image ORDER BY id")).all()
        audit = conn.execute(text("SELECT entity_id, detail FROM audit_log ORDER BY id")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("", "https://ok.example/1"), ("mailto:c@example.org", "")]
    assert len(audit) == 2
    assert "javascript:alert(1)" in audit[0][1]
