"""Raw public requests the cache has answered, and the cache key each one maps to.

A request without a token is known by its bytes: the method and the query string (GET) or
the body (POST). Those bytes decide the document, operation name and variables, so they decide
the cache key for ever; what they no longer decide is whether the entry is still there, which
the store answers. The lane in front of the app (cms.graphql.hits) looks requests up here, and
skips parsing and hashing for the ones it finds.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

#: Largest raw request remembered (bigger ones are parsed every time), and the bytes kept in all.
MAX_RAW = 16 * 1024
MAX_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Known:
    key: str  # the response cache key
    document: str  # the document's id (trusted-documents mode checks it on every hit)


class KnownRequests:
    def __init__(self, *, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._known: dict[tuple[str, bytes], Known] = {}
        self._bytes = 0
        self._lock = threading.Lock()

    def learn(self, method: str, raw: bytes, key: str, document: str) -> None:
        if len(raw) > MAX_RAW or (method, raw) in self._known:
            return
        with self._lock:
            if self._bytes + len(raw) > self.max_bytes:
                # Forget everything at once: the busy requests are learnt again on their next miss.
                self._known.clear()
                self._bytes = 0
            self._known[(method, raw)] = Known(key, document)
            self._bytes += len(raw) + 200

    def get(self, method: str, raw: bytes) -> Known | None:
        return self._known.get((method, raw))

    def __len__(self) -> int:
        return len(self._known)
