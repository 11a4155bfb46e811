"""GET /media/...: signed renditions over a real uvicorn server."""

from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.testclient import TestClient

from cms.db import Database
from cms.media import renditions
from cms.media.signing import signed_path
from cms.services.images import ImageFields, add_image
from cms.settings import Settings
from cms.web.media import MediaEndpoint

from .test_media_intake import exif_jpeg, photo, save


def _upload(db: Database, settings: Settings, data: bytes | None = None) -> str:
    fields = ImageFields(title="T", creator="Jane", license="CC-BY-2.0")
    data = data or save(photo((640, 480)), "JPEG")
    with db.write() as session:
        add_image(session, data=data, filename="a.jpg", fields=fields, settings=settings)
    return renditions_source(settings.media_root)


def renditions_source(root: Path) -> str:
    (original,) = (root / "originals").rglob("*.*")
    return original.stem


def _url(server: str, source: str, name: str, secret: str = "test-secret") -> str:
    return server + signed_path(secret, source, name)


@pytest.fixture
def count_renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = renditions.render

    def counting(data: bytes, spec: renditions.Spec, **kwargs: Any) -> tuple[bytes, bool]:
        calls.append(spec.name())
        return real(data, spec, **kwargs)

    monkeypatch.setattr(renditions, "render", counting)
    return calls


def test_a_rendition_is_made_once_then_served_immutable(
    server: str, db: Database, settings: Settings, count_renders: list[str]
) -> None:
    source = _upload(db, settings, exif_jpeg())
    url = _url(server, source, "w24_h24_cover.webp")
    first = httpx.get(url)
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "image/webp"
    assert first.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert first.headers["x-content-type-options"] == "nosniff"
    assert Image.open(io.BytesIO(first.content)).size == (24, 24)
    second = httpx.get(url)
    assert second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]
    assert count_renders == ["w24_h24_cover.webp"]
    stored = list((settings.media_root / "renditions").rglob("*.webp"))
    assert [p.name for p in stored] == ["w24_h24_cover.webp"]
    not_modified = httpx.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert not_modified.status_code == 304
    assert not_modified.content == b""


def test_tampered_or_unsigned_urls_are_refused_without_image_work(
    server: str, db: Database, settings: Settings, count_renders: list[str]
) -> None:
    source = _upload(db, settings)
    good = _url(server, source, "w100.jpg")
    assert httpx.get(good.replace("w100.jpg", "w101.jpg")).status_code == 403
    assert httpx.get(_url(server, source, "w100.jpg", secret="guess")).status_code == 403
    assert httpx.get(f"{server}/media/r/x/{source}/w100.jpg").status_code == 403
    assert count_renders == []


def test_originals_are_never_served(server: str, db: Database, settings: Settings) -> None:
    _upload(db, settings)
    (original,) = (settings.media_root / "originals").rglob("*.*")
    key = original.relative_to(settings.media_root).as_posix()
    assert httpx.get(f"{server}/media/{key}").status_code == 404


@pytest.mark.parametrize("name", ["w100.gif", "w0.jpg", "w100_q82.jpg", "h10_w10.jpg", "w100_zoom.jpg"])
def test_a_bad_spec_is_400(server: str, db: Database, settings: Settings, name: str) -> None:
    source = _upload(db, settings)
    assert httpx.get(_url(server, source, name)).status_code == 400


def test_missing_sources(server: str, count_renders: list[str]) -> None:
    assert httpx.get(_url(server, "i42", "w100.jpg")).status_code == 404  # never had pixels
    assert httpx.get(_url(server, "ab" * 32, "w100.jpg")).status_code == 410  # original gone
    assert count_renders == []


def test_concurrent_first_requests_do_the_work_once(
    server: str, db: Database, settings: Settings, count_renders: list[str]
) -> None:
    source = _upload(db, settings, save(photo((2000, 1500)), "JPEG"))
    url = _url(server, source, "w600.webp")
    start = threading.Barrier(12)

    def fetch(_: int) -> tuple[int, bytes]:
        start.wait()
        response = httpx.get(url, timeout=30)
        return response.status_code, response.content

    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(fetch, range(12)))
    assert {status for status, _ in results} == {200}
    assert len({body for _, body in results}) == 1
    assert count_renders == ["w600.webp"]


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("full.jpg", (640, 480)),  # what url() gave with no arguments
        ("w801.jpg", (640, 480)),  # any width used to be signed; larger than the original: its size
        ("w4000.jpg", (640, 480)),  # what url(width: 5000) used to be named
        ("w333_q77.webp", (333, 250)),  # any quality, off the ladder
        ("w100_h37_cover_f250-750.jpg", (100, 37)),  # any shape
        ("w120_h90_contain.png", (120, 90)),
        ("h50.jpg", (67, 50)),
    ],
)
def test_urls_signed_before_the_ladder_keep_working(
    server: str, db: Database, settings: Settings, name: str, size: tuple[int, int]
) -> None:
    source = _upload(db, settings)
    response = httpx.get(_url(server, source, name), timeout=30)
    assert response.status_code == 200, response.text
    assert Image.open(io.BytesIO(response.content)).size == size


def _endpoint_app(settings: Settings, **options: Any) -> Starlette:
    from cms.services.images import storage_for

    return Starlette(routes=MediaEndpoint(settings, storage_for(settings), **options).routes())


def test_a_refused_first_render_is_429_and_renders_nothing(
    db: Database, settings: Settings, count_renders: list[str]
) -> None:
    source = _upload(db, settings)
    made, new = signed_path("test-secret", source, "w320.jpg"), signed_path("test-secret", source, "w400.jpg")
    with TestClient(_endpoint_app(settings)) as client:
        assert client.get(made).status_code == 200
    asked: list[str] = []

    def refuse(request: Request) -> bool:
        asked.append(request.url.path)
        return False

    with TestClient(_endpoint_app(settings, allow_first_render=refuse)) as client:
        refused = client.get(new)
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "60"
        assert client.get(made).status_code == 200  # stored renditions are served all the same
    assert asked == [new]  # only a first render asks
    assert count_renders == ["w320.jpg"]


def test_an_async_check_may_say_how_long_to_wait(db: Database, settings: Settings) -> None:
    source = _upload(db, settings)
    allow = {"now": False}
    charged: list[tuple[str, int]] = []

    async def limiter(request: Request) -> bool:
        charged.append((request.state.rendition.name(), request.state.render_units))
        request.state.retry_after = 7
        return allow["now"]

    with TestClient(_endpoint_app(settings, allow_first_render=limiter)) as client:
        path = signed_path("test-secret", source, "w400.jpg")
        refused = client.get(path)
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "7"
        allow["now"] = True
        assert client.get(path).status_code == 200
    assert charged == [
        ("w400.jpg", 1),
        ("w400.jpg", 1),
    ]  # 1 + 0.16 MP of JPEG  # what it is and what it may cost
