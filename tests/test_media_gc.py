"""`cms media gc`: what no row refers to goes, on the folder and on S3; a dry run by default."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest
from sqlalchemy import insert, select
from typer.testing import CliRunner

from cms.cli import app
from cms.db import Database
from cms.media.signing import signed_path
from cms.media.storage import Storage, original_key, rendition_key, sha256_hex
from cms.models import Image, Revision, Role
from cms.services.images import ImageFields, add_image, delete_image, storage_for
from cms.services.tokens import Caller
from cms.settings import Settings

from .factories import Seeder
from .test_media_intake import photo, save


@dataclass
class Library:
    """Images in every situation gc must tell apart, with a rendition each."""

    hashes: dict[str, str]  # situation -> the original's SHA-256
    ids: dict[str, int]


def _add(db: Database, settings: Settings, colour: int) -> tuple[int, str]:
    data = save(photo((64 + colour, 48)), "JPEG")
    with db.write() as session:
        fields = ImageFields(title="T", creator="Jane", license="CC-BY-2.0")
        pk = add_image(session, data=data, filename="x.jpg", fields=fields, settings=settings)
    return pk, sha256_hex(data)


@pytest.fixture
def library(media_settings: Settings, db: Database, seed: Seeder) -> Library:
    storage = storage_for(media_settings)
    ids: dict[str, int] = {}
    hashes: dict[str, str] = {}
    for colour, situation in enumerate(["lead", "unused", "deleted", "in_body", "in_revision", "photo"]):
        ids[situation], hashes[situation] = _add(db, media_settings, colour)
        storage.put(rendition_key(hashes[situation], "w400.jpg"), b"r" * 1000)
    article = seed.article(lead_image_id=ids["lead"], body="<p>Text</p>")
    body_url = signed_path(media_settings.secret_key, hashes["in_body"], "w640.jpg")
    seed.article(title="With a picture", body=f'<p><img src="{body_url}" alt="x"></p>')
    seed.author(photo_id=ids["photo"])
    with db.write() as session:
        revision = Revision.__table__  # type: ignore[attr-defined]
        session.execute(
            insert(revision),
            [{"article_id": article, "version": 1, "snapshot": {"lead_image_id": ids["in_revision"]}}],
        )
        delete_image(session, Caller(name="test", role=Role.EDITOR), image_id=ids["deleted"])
    storage.put(original_key("ee" * 32, "png"), b"s" * 5000)  # a stray: its upload never committed
    storage.put(rendition_key("ee" * 32, "w100.png"), b"s" * 500)
    return Library(hashes, ids)


def _gc(settings: Settings, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    for name, value in {
        "CMS_DATABASE_URL": settings.database_url,
        "CMS_MEDIA_ROOT": str(settings.media_root),
        "CMS_MEDIA_STORAGE": settings.media_storage,
        "CMS_S3_ENDPOINT_URL": settings.s3_endpoint_url or "",
        "CMS_S3_REGION": settings.s3_region or "",
    }.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["media", "gc", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _keys(storage: Storage) -> set[str]:
    return {e.key for e in storage.entries("originals/")} | {e.key for e in storage.entries("renditions/")}


def _present(storage: Storage, sha: str) -> bool:
    return any(key.endswith(f"{sha}.jpg") for key in _keys(storage)) and storage.exists(
        rendition_key(sha, "w400.jpg")
    )


def test_a_dry_run_reports_and_removes_nothing(
    media_settings: Settings, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = storage_for(media_settings)
    before = _keys(storage)
    deleted = len(storage.read(original_key(library.hashes["deleted"], "jpg")))
    output = _gc(media_settings, monkeypatch, "--grace-minutes", "0")
    assert f"would remove 2 originals no image refers to ({(5000 + deleted) / 1000:.1f} KB)" in output
    assert "would remove 2 renditions of originals no image has (1.5 KB)" in output
    total = (5000 + deleted + 1500) / 1000
    assert f"dry run: nothing was removed; run with --apply to remove 4 files ({total:.1f} KB)" in output
    assert _keys(storage) == before


def test_apply_removes_files_no_row_refers_to_and_keeps_the_rest(
    media_settings: Settings, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = storage_for(media_settings)
    output = _gc(media_settings, monkeypatch, "--grace-minutes", "0", "--apply", "--list")
    assert "done: removed 4 files" in output
    assert original_key("ee" * 32, "png") in output
    assert not _present(storage, library.hashes["deleted"])
    assert not storage.exists(original_key("ee" * 32, "png"))
    for situation in ("lead", "unused", "in_body", "in_revision", "photo"):
        assert _present(storage, library.hashes[situation]), situation
    again = _gc(media_settings, monkeypatch, "--grace-minutes", "0")
    assert "run with --apply to remove 0 files (0 bytes)" in again


def test_young_files_are_kept_for_uploads_in_flight(
    media_settings: Settings, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = _gc(media_settings, monkeypatch, "--apply")  # the default grace: an hour
    assert "kept 4 unreferenced files younger than 60 minutes" in output
    assert storage_for(media_settings).exists(original_key("ee" * 32, "png"))


def test_unused_images_go_with_their_files_only_when_asked(
    media_settings: Settings, library: Library, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = storage_for(media_settings)
    unused = library.ids["unused"]
    dry = _gc(media_settings, monkeypatch, "--grace-minutes", "0", "--unused-images")
    assert f"would remove 1 image rows no article, author or body uses: {unused}" in dry
    assert "would remove 3 originals" in dry
    assert _present(storage, library.hashes["unused"])
    applied = _gc(media_settings, monkeypatch, "--grace-minutes", "0", "--unused-images", "--apply")
    assert f"removed 1 image rows no article, author or body uses: {unused}" in applied
    assert "done: removed 6 files" in applied
    image = Image.__table__  # type: ignore[attr-defined]
    with db.connect() as conn:
        left = set(conn.execute(select(image.c.id)).scalars())
    assert left == {library.ids[s] for s in ("lead", "in_body", "in_revision", "photo")}
    assert not _present(storage, library.hashes["unused"])
    for situation in ("lead", "in_body", "in_revision", "photo"):
        assert _present(storage, library.hashes[situation]), situation


def test_a_fresh_unused_image_is_not_removed(
    media_settings: Settings, library: Library, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = _gc(media_settings, monkeypatch, "--unused-images", "--apply")
    assert "removed 0 image rows" in output
    image = Image.__table__  # type: ignore[attr-defined]
    with db.connect() as conn:
        assert conn.execute(select(image.c.id).where(image.c.id == library.ids["unused"])).first()


def test_a_missing_bucket_is_a_clear_error(s3_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = replace(s3_settings, media_storage="s3://no-such-bucket-for-gc/x")
    for name, value in {
        "CMS_DATABASE_URL": settings.database_url,
        "CMS_MEDIA_STORAGE": settings.media_storage,
        "CMS_S3_ENDPOINT_URL": settings.s3_endpoint_url or "",
    }.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["media", "gc"])
    assert result.exit_code == 2
    assert "'no-such-bucket-for-gc' does not exist" in result.output
