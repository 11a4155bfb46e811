"""Keeping cached answers true: every process follows the change log, and Redis pushes news.

A write made through this process invalidates before the writer gets its answer. Other processes'
writes (other nodes, `cms import`, the worker, the clock) arrive through Redis pub/sub when
CMS_REDIS_URL is set, or else at the next look at the change log (every CMS_CACHE_POLL). Either way
the keys come from the change log, so what is dropped is exactly what the changes touch.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from cms.cache.store import ResponseStore
from cms.db import Database
from cms.services import changes, surrogates

log = logging.getLogger("cms.cache")
CHANNEL = "cms:cache:invalidate"
#: More changes than this at once (an import): drop everything rather than work out keys.
BULK = 2000


class ChangeFollower:
    def __init__(self, db: Database, store: ResponseStore) -> None:
        self.db = db
        self.store = store
        self.seq: int | None = None
        self.lock = threading.Lock()

    def start(self) -> None:
        try:
            with self.db.connect() as conn:
                self.seq = changes.current_seq(conn)
        except SQLAlchemyError:
            log.warning("the response cache cannot read the change log yet (is the database migrated?)")

    def catch_up(self) -> tuple[set[str] | None, int]:
        """Invalidate what changed since the last look; returns the keys (None: everything) and sequence."""
        with self.lock:
            with self.db.connect() as conn:
                if self.seq is None:
                    self.seq = changes.current_seq(conn)
                    return set(), self.seq
                rows, newest = surrogates.changes_since(conn, self.seq, limit=BULK)
                if not rows:
                    return set(), self.seq
                if len(rows) >= BULK:
                    newest = changes.current_seq(conn)
                    self.store.invalidate_all(seq=newest)
                    self.seq = newest
                    return None, newest
                keys = surrogates.keys_for(conn, rows)
            self.store.invalidate(keys, seq=newest)
            self.seq = newest
            return keys, newest


class RedisBridge:
    """Tells the other processes what this one saw change, and listens for what they saw."""

    def __init__(self, url: str, store: ResponseStore) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.store = store
        self.origin = uuid.uuid4().hex
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def publish(self, keys: set[str] | None, seq: int) -> None:
        if keys is not None and not keys:
            return
        message = {"origin": self.origin, "seq": seq, "keys": None if keys is None else sorted(keys)}
        try:
            self.client.publish(CHANNEL, json.dumps(message))
        except Exception as exc:  # Redis down: the others still catch up by polling the change log
            log.warning("could not publish a cache invalidation to Redis: %s", exc)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._listen, name="cms-cache-invalidation", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ends the listener (it waits on Redis a second at a time) and closes the connections."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.client.close()

    def _listen(self) -> None:
        while not self._stop.is_set():
            pubsub = None
            try:
                pubsub = self.client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(CHANNEL)
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None:
                        self._apply(message.get("data"))
            except Exception as exc:
                log.warning("cache invalidation listener lost Redis (%s); retrying", exc)
                self._stop.wait(1.0)
            finally:
                if pubsub is not None:
                    pubsub.close()

    def _apply(self, data: Any) -> None:
        try:
            message = json.loads(data)
            if message.get("origin") == self.origin:
                return
            seq = int(message["seq"])
            keys = message.get("keys")
        except (TypeError, ValueError, KeyError):
            return
        if keys is None:
            self.store.invalidate_all(seq=seq)
        else:
            self.store.invalidate([str(k) for k in keys], seq=seq)
