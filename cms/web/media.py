"""GET /media/r/<signature>/<source>/<spec>: signed renditions, made on first request.

Originals are never served as uploaded (they may carry GPS and other metadata, or
be polyglots); every byte served is re-encoded from pixels. The URL alone decides
the rendition, so serving needs no database: the signature is checked first (403,
no image work), then the spec (400), then the source (404 never had pixels, 410
gone). A made rendition is stored and never changes, hence the immutable caching.

A rendition not stored yet costs a render: ``allow_first_render`` (the rate limiter)
is asked first and a refusal is 429 with Retry-After. Concurrent first requests for
one rendition render once per process (KeyedLocks) and, with Redis, once across
nodes (cms.media.renderlock). Files come from disk with FileResponse, objects from
S3 are streamed through the app in chunks.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from cms.errors import StorageUnavailable
from cms.media import renditions
from cms.media.pixels import EXTENSIONS
from cms.media.renderlock import LocalOnly, RedisRenderLock, RenderLock
from cms.media.signing import verify
from cms.media.storage import Blob, Storage, original_key, rendition_key
from cms.observability import metrics
from cms.settings import Settings

log = logging.getLogger("cms.media")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_NO_PIXELS = re.compile(r"^i\d{1,12}$")  # an image record with no stored file (see cms.media.resolve)
_CACHE = "public, max-age=31536000, immutable"
_COMMON = {"X-Content-Type-Options": "nosniff"}
#: Asked before a rendition is rendered; answers whether this client may cause one now.
FirstRenderCheck = Callable[[Request], bool | Awaitable[bool]]


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


def _text(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return PlainTextResponse(message, status_code=status, headers={**_COMMON, **(headers or {})})


def _always(request: Request) -> bool:
    return True


async def _chunks(blob: Blob) -> AsyncIterator[bytes]:
    try:
        async for chunk in iterate_in_threadpool(blob.chunks()):
            yield chunk
    finally:
        blob.close()  # also when the client goes away mid-stream


class MediaEndpoint:
    def __init__(
        self,
        settings: Settings,
        storage: Storage,
        *,
        allow_first_render: FirstRenderCheck = _always,
        render_lock: RenderLock | None = None,
        retry_after_seconds: int = 60,
    ) -> None:
        """``allow_first_render`` finds the rendition asked for in ``request.state.rendition`` (a Spec)
        and its estimated cost in ``request.state.render_units`` (see renditions.render_units), and may
        set ``request.state.retry_after`` (seconds) for the 429 its refusal becomes."""
        self.settings = settings
        self.storage = storage
        self.allow_first_render = allow_first_render
        self.retry_after_seconds = retry_after_seconds
        self.locks = KeyedLocks()
        if render_lock is None:
            url = settings.redis_url
            render_lock = RedisRenderLock(url, store=storage.describe()) if url else LocalOnly()
        self.render_lock = render_lock

    def routes(self) -> list[Route]:
        return [
            Route("/media/r/{signature}/{source}/{name}", self.rendition, methods=["GET", "HEAD"]),
            Route("/media/{rest:path}", self.not_served, methods=["GET", "HEAD"]),
        ]

    async def storage_problem(self) -> str | None:
        """What keeps the media store from working, for start-up logs and /readyz; None when fine."""
        try:
            await run_in_threadpool(self.storage.check)
        except StorageUnavailable as exc:
            return str(exc)
        return None

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
        media_type = renditions.MEDIA_TYPE[spec.format]
        head = request.method == "HEAD"
        try:
            stored = await self._stored(key, media_type, headers, head)
            if stored is not None:
                return stored
            if not await self._may_render(request, spec):
                retry = int(getattr(request.state, "retry_after", self.retry_after_seconds))
                return _text(
                    429, "too many new renditions: try again later", {"Retry-After": str(max(1, retry))}
                )
            async with self.locks.hold(key):
                # Whoever waited for the lock finds the file made by the first request.
                if not await self._make(source, spec, key):
                    return _text(410, "the original of this image is gone")
            stored = await self._stored(key, media_type, headers, head)
        except (StorageUnavailable, OSError) as exc:
            return self._unavailable(exc)
        if stored is None:  # removed between the render and now (`cms media gc`): rare, and retryable
            return _text(
                503, "the rendition was removed while it was served: try again", {"Retry-After": "1"}
            )
        return stored

    def _unavailable(self, exc: Exception) -> Response:
        log.error("media store %s failed: %s", self.storage.describe(), exc)
        return _text(503, "the media store is unavailable: try again later", {"Retry-After": "5"})

    async def _may_render(self, request: Request, spec: renditions.Spec) -> bool:
        request.state.rendition = spec
        request.state.render_units = renditions.render_units(spec, self.settings.max_rendition_size)
        verdict = self.allow_first_render(request)
        if inspect.isawaitable(verdict):
            verdict = await verdict
        return bool(verdict)

    async def _stored(
        self, key: str, media_type: str, headers: dict[str, str], head: bool
    ) -> Response | None:
        path = self.storage.path(key)
        if path is not None:
            return FileResponse(path, media_type=media_type, headers=headers) if path.is_file() else None
        # An object store: one GET, whose answer says both whether it exists and what it holds.
        blob = await run_in_threadpool(self.storage.open, key)
        if blob is None:
            return None
        sized = {**headers, "Content-Length": str(blob.size)}
        if head:
            blob.close()
            return Response(media_type=media_type, headers=sized)
        return StreamingResponse(_chunks(blob), media_type=media_type, headers=sized)

    async def _make(self, source: str, spec: renditions.Spec, key: str) -> bool:
        def work() -> bool:
            with self.render_lock.hold(key):
                if self.storage.exists(key):  # made by another request, here or on another node
                    return True
                for extension in EXTENSIONS.values():
                    original = original_key(source, extension)
                    if self.storage.exists(original):
                        break
                else:
                    return False
                data, _cropped = renditions.render(
                    self.storage.read(original), spec, max_size=self.settings.max_rendition_size
                )
                # Without a lock across nodes several may race to here; each writes the same bytes atomically.
                self.storage.put(key, data)
                metrics.rendition_made(spec.format.value.lower())
                return True

        # Pillow releases the GIL while it decodes, resizes and encodes: a thread keeps
        # the event loop answering other requests meanwhile.
        return await run_in_threadpool(work)

    def close(self) -> None:
        if isinstance(self.render_lock, RedisRenderLock):
            self.render_lock.close()
