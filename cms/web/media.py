"""GET /media/r/<signature>/<source>/<spec>: signed renditions, made on first request.

Originals are never served as uploaded (they may carry GPS and other metadata, or
be polyglots); every byte served is re-encoded from pixels. The URL alone decides
the rendition, so serving needs no database: the signature is checked first (403,
no image work), then the spec (400), then the source (404 never had pixels, 410
gone). A made rendition is stored and never changes, hence the immutable caching.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from cms.media import renditions
from cms.media.pixels import EXTENSIONS
from cms.media.signing import verify
from cms.media.storage import Storage, original_key, rendition_key
from cms.settings import Settings

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_NO_PIXELS = re.compile(r"^i\d{1,12}$")  # an image record with no stored file (see cms.graphql.types.image)
_CACHE = "public, max-age=31536000, immutable"
_COMMON = {"X-Content-Type-Options": "nosniff"}


class KeyedLocks:
    """One asyncio lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


def _text(status: int, message: str) -> Response:
    return PlainTextResponse(message, status_code=status, headers=_COMMON)


class MediaEndpoint:
    def __init__(self, settings: Settings, storage: Storage) -> None:
        self.settings = settings
        self.storage = storage
        self.locks = KeyedLocks()

    def routes(self) -> list[Route]:
        return [
            Route("/media/r/{signature}/{source}/{name}", self.rendition, methods=["GET", "HEAD"]),
            Route("/media/{rest:path}", self.not_served, methods=["GET", "HEAD"]),
        ]

    async def not_served(self, request: Request) -> Response:
        return _text(404, "not found: media is served only through signed rendition URLs")

    async def rendition(self, request: Request) -> Response:
        signature = request.path_params["signature"]
        source = request.path_params["source"]
        name = request.path_params["name"]
        if not verify(self.settings.secret_key, f"{source}/{name}", signature):
            return _text(403, "this media URL is not signed by this server")
        etag = f'"{signature}"'
        headers = {**_COMMON, "Cache-Control": _CACHE, "ETag": etag}
        if etag in [tag.strip() for tag in request.headers.get("if-none-match", "").split(",")]:
            return Response(status_code=304, headers=headers)
        try:
            spec = renditions.parse(name)
        except renditions.BadSpec as exc:
            return _text(400, f"bad rendition: {exc}")
        if _NO_PIXELS.match(source):
            return _text(404, "this image has no stored file yet")
        if not _SHA256.match(source):
            return _text(400, "bad rendition source")
        key = rendition_key(source, name)
        if not self.storage.exists(key):
            async with self.locks.hold(key):
                # Whoever waited for the lock finds the file made by the first request.
                if not self.storage.exists(key) and not await self._make(source, spec, key):
                    return _text(410, "the original of this image is gone")
        media_type = renditions.MEDIA_TYPE[spec.format]
        path = self.storage.path(key)
        if path is not None:
            return FileResponse(path, media_type=media_type, headers=headers)
        return Response(
            await run_in_threadpool(self.storage.read, key), media_type=media_type, headers=headers
        )

    async def _make(self, source: str, spec: renditions.Spec, key: str) -> bool:
        def work() -> bool:
            for extension in EXTENSIONS.values():
                original = original_key(source, extension)
                if self.storage.exists(original):
                    break
            else:
                return False
            data, _cropped = renditions.render(
                self.storage.read(original), spec, max_size=self.settings.max_rendition_size
            )
            # Several processes may race to here; each writes the same bytes atomically.
            self.storage.put(key, data)
            return True

        # Pillow releases the GIL while it decodes, resizes and encodes: a thread keeps
        # the event loop answering other requests meanwhile.
        return await run_in_threadpool(work)
