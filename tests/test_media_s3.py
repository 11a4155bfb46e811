"""Media on an S3-compatible store: a real S3 API (moto's server) on 127.0.0.1."""

from __future__ import annotations

import io
import logging
import threading
from dataclasses import replace
from urllib.parse import urlsplit

import boto3
import httpx2 as httpx
import pytest
from PIL import Image
from starlette.testclient import TestClient
from typer.testing import CliRunner

from cms.app import create_app
from cms.cli import app
from cms.db import Database
from cms.errors import ConfigError, StorageUnavailable
from cms.media.s3 import Location, S3Storage, parse_location
from cms.services.images import storage_for
from cms.settings import Settings

from .conftest import _free_port, serve
from .test_editorial_api import token_for
from .test_images_upload import DELETE_IMAGE, _editor_post, jpeg, upload


def _objects(settings: Settings) -> list[str]:
    location = parse_location(settings.media_storage)
    client = boto3.client("s3", endpoint_url=settings.s3_endpoint_url, region_name="us-east-1")
    listing = client.list_objects_v2(Bucket=location.bucket)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def test_an_upload_lands_in_the_bucket_and_renditions_are_made_there_and_streamed(
    s3_settings: Settings, db: Database, render_calls: list[str]
) -> None:
    with serve(s3_settings) as server:
        payload = upload(server, token_for(db, "editor"), jpeg(1200, 800)).json()["data"]["uploadImage"]
        assert payload["userErrors"] == []
        (original,) = _objects(s3_settings)
        assert original.startswith("site/originals/")
        assert original.endswith(".jpg")
        url = server + urlsplit(payload["image"]["url"]).path  # url(width: 400)
        first = httpx.get(url, timeout=30)
        assert first.status_code == 200, first.text
        assert first.headers["content-type"] == "image/jpeg"
        assert first.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert int(first.headers["content-length"]) == len(first.content)
        assert Image.open(io.BytesIO(first.content)).size == (400, 267)
        again = httpx.get(url, timeout=30)
        head = httpx.head(url, timeout=30)
        assert again.content == first.content
        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["content-length"] == first.headers["content-length"]
    assert render_calls == ["w400.jpg"]
    rendition = next(key for key in _objects(s3_settings) if key.startswith("site/renditions/"))
    assert rendition.endswith("/w400.jpg")
    assert not (s3_settings.media_root).exists()  # nothing went to the local folder


def test_a_deleted_image_leaves_its_files_until_gc_removes_them(
    s3_settings: Settings, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = token_for(db, "editor")
    with serve(s3_settings) as server:
        image = upload(server, token, jpeg()).json()["data"]["uploadImage"]["image"]
        url = server + urlsplit(image["url"]).path
        assert httpx.get(url, timeout=30).status_code == 200
        deleted = _editor_post(server, token, DELETE_IMAGE, {"id": image["id"]})["deleteImage"]
        assert deleted["userErrors"] == []
        assert len(_objects(s3_settings)) == 2  # the original and its rendition stay for now
        for name, value in {
            "CMS_DATABASE_URL": s3_settings.database_url,
            "CMS_MEDIA_STORAGE": s3_settings.media_storage,
            "CMS_S3_ENDPOINT_URL": s3_settings.s3_endpoint_url or "",
            "CMS_S3_REGION": "us-east-1",
        }.items():
            monkeypatch.setenv(name, value)
        result = CliRunner().invoke(app, ["media", "gc", "--apply", "--grace-minutes", "0"])
        assert result.exit_code == 0, result.output
        assert "done: removed 2 files" in result.output
        assert _objects(s3_settings) == []
        assert httpx.get(url, timeout=30).status_code == 410  # the URL is still signed; its original is gone


def test_a_missing_original_in_the_bucket_is_410(s3_settings: Settings, db: Database) -> None:
    with serve(s3_settings) as server:
        payload = upload(server, token_for(db, "editor"), jpeg()).json()["data"]["uploadImage"]
        (original,) = _objects(s3_settings)
        location = parse_location(s3_settings.media_storage)
        client = boto3.client("s3", endpoint_url=s3_settings.s3_endpoint_url, region_name="us-east-1")
        client.delete_object(Bucket=location.bucket, Key=original)
        url = server + urlsplit(payload["image"]["url"]).path
        assert httpx.get(url, timeout=30).status_code == 410


def test_a_reader_never_sees_half_an_object(s3_settings: Settings) -> None:
    storage = storage_for(s3_settings)
    key = "renditions/ab/cd/" + "ab" * 32 + "/w4000.jpg"
    size = 6 * 1024 * 1024  # uploaded in parts by the client, as a large rendition would be
    versions = [bytes([value]) * size for value in range(1, 6)]
    seen: list[tuple[int, int]] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                blob = storage.open(key)
                if blob is None:
                    seen.append((0, 0))
                    continue
                data = b"".join(blob.chunks())
                blob.close()
            except StorageUnavailable as exc:  # refused, or a checksum caught a torn body: never served
                failures.append(exc)
                continue
            seen.append((len(data), len(set(data))))

    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    for data in versions:
        storage.put(key, data)
    stop.set()
    for reader in readers:
        reader.join()
    # moto (not S3) can stream a body that is being replaced; boto3's checksum then refuses it.
    assert len(failures) <= max(1, len(seen) // 10), failures
    complete = [entry for entry in seen if entry != (0, 0)]
    assert complete, "the readers never saw the object"
    assert set(complete) == {(size, 1)}  # always all of one version, never a mix or a part


def test_a_missing_bucket_is_a_readiness_error_naming_it(
    s3_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings = replace(s3_settings, media_storage="s3://no-such-bucket-here/media")
    with caplog.at_level(logging.ERROR, logger="cms"), TestClient(create_app(settings)) as client:
        ready = client.get("/readyz")
        assert client.get("/healthz").status_code == 200
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
    assert "'no-such-bucket-here' does not exist" in ready.json()["media"]
    assert any("no-such-bucket-here" in record.getMessage() for record in caplog.records)


def test_an_unreachable_endpoint_is_a_readiness_error(s3_settings: Settings) -> None:
    dead = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    settings = replace(s3_settings, s3_endpoint_url=dead)
    with TestClient(create_app(settings)) as client:
        ready = client.get("/readyz")
    assert ready.status_code == 503
    assert "cannot reach" in ready.json()["media"]
    assert dead in ready.json()["media"]


def test_a_ready_app_on_s3_says_so(s3_settings: Settings) -> None:
    with TestClient(create_app(s3_settings)) as client:
        ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["media"] == "ok"


def test_the_store_failing_mid_request_is_503_not_500(s3_settings: Settings, db: Database) -> None:
    with serve(s3_settings) as server:
        payload = upload(server, token_for(db, "editor"), jpeg()).json()["data"]["uploadImage"]
        path = urlsplit(payload["image"]["url"]).path
    dead = replace(s3_settings, s3_endpoint_url=f"http://127.0.0.1:{_free_port()}")
    with TestClient(create_app(dead)) as client:
        response = client.get(path)
    assert response.status_code == 503
    assert response.headers["retry-after"]


def test_no_credentials_is_a_clear_error(s3_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    storage = S3Storage(
        parse_location(s3_settings.media_storage),
        endpoint_url=s3_settings.s3_endpoint_url,
        region="us-east-1",
    )
    with pytest.raises(StorageUnavailable, match="AWS_ACCESS_KEY_ID"):
        storage.check()


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("s3://media-bucket", Location("media-bucket", "")),
        ("s3://media-bucket/", Location("media-bucket", "")),
        ("s3://media.example.org/site/one/", Location("media.example.org", "site/one/")),
    ],
)
def test_storage_urls(url: str, location: Location) -> None:
    assert parse_location(url) == location
    assert Settings.from_env({"CMS_MEDIA_STORAGE": url}).media_storage == url


@pytest.mark.parametrize(
    "url", ["s3://", "s3://A_Bucket/x", "s3://ab/x", "gs://bucket/x", "s3://bkt/../x", "S3"]
)
def test_a_bad_storage_setting_fails_at_start_up_naming_the_variable(url: str) -> None:
    with pytest.raises(ConfigError, match="CMS_MEDIA_STORAGE"):
        Settings.from_env({"CMS_MEDIA_STORAGE": url})


def test_credentials_are_never_part_of_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "very-secret-value")
    settings = Settings.from_env({"CMS_MEDIA_STORAGE": "s3://bucket-name/x", "CMS_SECRET_KEY": "k" * 20})
    assert "very-secret-value" not in repr(settings)
    assert "k" * 20 not in repr(settings)
