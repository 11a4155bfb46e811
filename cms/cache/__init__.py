"""The response cache: finished answers to public and partner queries, kept in memory.

Keyed by the normalised document, the operation name, the variables and who may see what (the
public, or one partner at its scope version); never for token holders of staff roles. An entry
lives until something it shows changes (see invalidation.py), or until the next scheduled
article goes public, whichever comes first; compressed forms are made when it is stored, so a
hit costs a dict lookup and no compression.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from datetime import datetime
from typing import Any

import orjson

from cms.cache.encoding import CODINGS, compress
from cms.cache.invalidation import ChangeFollower, RedisBridge
from cms.cache.known import KnownRequests
from cms.cache.store import Entry, ResponseStore
from cms.db import Database
from cms.settings import Settings

#: An entry's longest life in memory even if no change touches it: a bound on any mistake.
MAX_LIFE = 3600.0


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


class ResponseCache:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.store = ResponseStore(max_bytes=settings.response_cache_bytes)
        self.known = KnownRequests()
        self.follower = ChangeFollower(db, self.store)
        self.bridge = RedisBridge(settings.redis_url, self.store) if settings.redis_url else None

    @staticmethod
    def key(
        audience: str, document: str, operation_name: str | None, variables: dict[str, Any] | None
    ) -> str:
        raw = orjson.dumps([audience, operation_name, variables or {}, document], option=orjson.OPT_SORT_KEYS)
        return hashlib.blake2b(raw, digest_size=20).hexdigest()

    def entry(
        self,
        body: bytes,
        media_type: str,
        *,
        keys: set[str],
        seq: int,
        valid_until: datetime | None,
        operation: str | None = None,
    ) -> Entry:
        now = time.time()
        deadline = now + MAX_LIFE
        if valid_until is not None:
            deadline = min(deadline, valid_until.timestamp())
        encoded = {}
        if len(body) >= self.settings.compress_min_bytes:
            encoded = {coding: compress(body, coding, stored=True) for coding in CODINGS}
        return Entry(body, media_type, etag_of(body), frozenset(keys), seq, deadline, encoded, operation)

    def after_write(self) -> None:
        """This process wrote: drop what the write touched before the writer hears it is done."""
        keys, seq = self.follower.catch_up()
        if self.bridge is not None:
            self.bridge.publish(keys, seq)

    async def follow(self, stop: asyncio.Event) -> None:
        """Catch up with other processes' writes until ``stop``: pushed by Redis, else by polling."""
        await asyncio.to_thread(self.follower.start)
        if self.bridge is not None:
            self.bridge.start()
        try:
            while not stop.is_set():
                try:
                    await asyncio.wait_for(stop.wait(), timeout=self.settings.cache_poll)
                except TimeoutError:
                    # The database away for a moment: try again at the next look.
                    with contextlib.suppress(Exception):
                        await asyncio.to_thread(self.follower.catch_up)
        finally:
            if self.bridge is not None:
                await asyncio.to_thread(self.bridge.stop)  # joins its listener: off the event loop
