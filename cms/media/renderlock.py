"""One render per rendition across app nodes that share a media store.

Within a process, the media endpoint already queues concurrent first requests for one
rendition behind an asyncio lock. Across nodes, with CMS_REDIS_URL set, the node that
renders holds a Redis lock (SET NX with an expiry, released by its owner only: redis-py's
Lock) named after the store and the rendition key; the other nodes wait for it, then
find the file made and serve it. Without Redis, or when Redis does not answer, nodes
render independently: every put is atomic and renders are deterministic, so the worst
case is the same bytes written twice, never a torn or wrong file.

The lock expires (``timeout``) so a node that dies while rendering cannot block a
rendition for longer; a waiter that gives up (``wait``) renders the file itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Iterator
from typing import Protocol

log = logging.getLogger("cms.media")


class RenderLock(Protocol):
    def hold(self, key: str) -> contextlib.AbstractContextManager[None]:
        """Held while ``key`` is checked, rendered and stored; blocking (call it from a worker thread)."""


class LocalOnly:
    """No lock across nodes: the process-local lock and the idempotent put are all there is."""

    @contextlib.contextmanager
    def hold(self, key: str) -> Iterator[None]:
        yield


class RedisRenderLock:
    def __init__(self, url: str, *, store: str, timeout: float = 60.0, wait: float = 30.0) -> None:
        import redis

        # Short socket timeouts: Redis trouble must cost a render a moment, not a request its life.
        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        # Nodes agree on the name only if they share the store; say which one, briefly.
        self._prefix = "cms:render:" + hashlib.sha256(store.encode()).hexdigest()[:12] + ":"
        self.timeout = timeout
        self.wait = wait

    @contextlib.contextmanager
    def hold(self, key: str) -> Iterator[None]:
        import redis

        lock = self._client.lock(
            self._prefix + key,
            timeout=self.timeout,
            sleep=0.05,
            blocking_timeout=self.wait,
            thread_local=False,
        )
        try:
            acquired = lock.acquire()
        except redis.RedisError as exc:
            log.warning("render lock unavailable (%s): rendering %s without it", exc, key)
            acquired = False
        try:
            yield
        finally:
            if acquired:
                # Expired while we rendered (a very slow render): another node may hold it now.
                with contextlib.suppress(redis.RedisError):
                    lock.release()

    def close(self) -> None:
        self._client.close()
