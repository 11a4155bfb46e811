"""Several app nodes on one media store: each rendition is rendered once (Redis) or at worst
rendered twice into the same bytes (no Redis), never served torn."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import httpx2 as httpx

from cms.db import Database
from cms.media.signing import signed_path
from cms.media.storage import rendition_key, sha256_hex
from cms.services.images import ImageFields, add_image, storage_for
from cms.settings import Settings

from .conftest import serve
from .test_media_intake import photo, save


def _original(db: Database, settings: Settings) -> str:
    data = save(photo((3000, 2000)), "JPEG", quality=95)
    with db.write() as session:
        fields = ImageFields(title="T", creator="Jane", license="CC-BY-2.0")
        add_image(session, data=data, filename="a.jpg", fields=fields, settings=settings)
    return sha256_hex(data)


def _race(nodes: list[str], path: str, requests: int = 12) -> list[tuple[int, bytes]]:
    start = threading.Barrier(requests)

    def fetch(index: int) -> tuple[int, bytes]:
        start.wait()
        response = httpx.get(nodes[index % len(nodes)] + path, timeout=60)
        return response.status_code, response.content

    with ThreadPoolExecutor(requests) as pool:
        return list(pool.map(fetch, range(requests)))


def test_two_nodes_with_redis_render_a_rendition_once(
    media_settings: Settings, redis_url: str, db: Database, render_calls: list[str]
) -> None:
    # The render budget is counted in the same Redis per client address (all of these come from
    # 127.0.0.1, as do other tests' within the minute): this test is about rendering once, not budgets.
    settings = replace(media_settings, redis_url=redis_url, rate_limit_renders="100000/minute")
    source = _original(db, settings)
    path = signed_path(settings.secret_key, source, "w1600.webp")
    with serve(settings) as one, serve(settings) as two:
        results = _race([one, two], path)
    assert {status for status, _ in results} == {200}
    assert len({body for _, body in results}) == 1
    assert render_calls == ["w1600.webp"]


def test_two_nodes_without_redis_serve_the_same_complete_bytes(
    media_settings: Settings, db: Database, render_calls: list[str]
) -> None:
    source = _original(db, media_settings)
    path = signed_path(media_settings.secret_key, source, "w1600.webp")
    with serve(media_settings) as one, serve(media_settings) as two:
        results = _race([one, two], path)
    assert {status for status, _ in results} == {200}
    bodies = {body for _, body in results}
    assert len(bodies) == 1
    # Each node renders at most once (its own lock); both write the same bytes atomically.
    assert render_calls in (["w1600.webp"], ["w1600.webp", "w1600.webp"])
    assert storage_for(media_settings).read(rendition_key(source, "w1600.webp")) == bodies.pop()


def test_nodes_that_cannot_reach_redis_still_render(
    media_settings: Settings, db: Database, render_calls: list[str]
) -> None:
    unreachable = "redis://127.0.0.1:1/0"  # nothing listens there
    settings = replace(media_settings, redis_url=unreachable, rate_limit_renders="100000/minute")
    source = _original(db, settings)
    with serve(settings) as node:
        response = httpx.get(node + signed_path(settings.secret_key, source, "w400.jpg"), timeout=60)
    assert response.status_code == 200
    assert render_calls == ["w400.jpg"]
