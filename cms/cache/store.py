"""An in-process store of finished responses, bounded in bytes, invalidated by surrogate keys.

Each entry remembers the surrogate keys of the content it shows (``article:42``, ``articles``,
``section:7`` ...) and the change sequence it was computed at. A change drops exactly the entries
that show what changed; an entry also expires at its deadline (which never reaches past the next
scheduled go-live). A hit costs a dict lookup and nothing else: no network, no database.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Entry:
    body: bytes  # the uncompressed answer
    media_type: str
    etag: str
    keys: frozenset[str]  # surrogate keys of what it shows
    seq: int  # the change sequence it was computed at
    expires: float  # time.time() deadline
    # Compressed forms, made once when stored so that a hit costs no compression.
    encoded: dict[str, bytes] = field(default_factory=dict)
    operation: str | None = None  # the GraphQL operation's name, for metrics of hits

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(v) for v in self.encoded.values()) + 200


class ResponseStore:
    def __init__(self, *, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._by_key: dict[str, set[str]] = {}
        self._bytes = 0
        self._lock = threading.Lock()
        # The newest sequence any invalidation has announced: an entry computed before a change
        # it shows can never be stored after that change was announced (a slow request racing a
        # fast write would otherwise put stale bytes back).
        self._dropped_at: dict[str, int] = {}
        self._floor = -1  # everything dropped at this sequence (a bulk change): older entries are not stored

    def get(self, cache_key: str) -> Entry | None:
        entry = self._entries.get(cache_key)
        if entry is None:
            return None
        if entry.expires <= time.time():
            with self._lock:
                self._remove(cache_key)
            return None
        # Recency without the lock: a racing reorder only misorders the LRU a little.
        with contextlib.suppress(KeyError):
            self._entries.move_to_end(cache_key)
        return entry

    def put(self, cache_key: str, entry: Entry) -> bool:
        """Store ``entry`` unless something it shows changed after it was computed."""
        if entry.size > self.max_bytes // 4:
            return False
        with self._lock:
            if entry.seq < self._floor or any(self._dropped_at.get(k, -1) > entry.seq for k in entry.keys):
                return False
            self._remove(cache_key)
            self._entries[cache_key] = entry
            self._bytes += entry.size
            for key in entry.keys:
                self._by_key.setdefault(key, set()).add(cache_key)
            while self._bytes > self.max_bytes and self._entries:
                self._remove(next(iter(self._entries)))
        return True

    def invalidate(self, keys: Iterable[str], *, seq: int) -> int:
        """Drop every entry that shows one of ``keys`` and was computed before ``seq``; returns how
        many went. One computed at ``seq`` or later already shows the change (a reader learns its
        sequence before it reads, and commits are in sequence order), so a change another process
        announces late does not throw away an answer made after it."""
        dropped = 0
        with self._lock:
            for key in keys:
                if self._dropped_at.get(key, -1) < seq:
                    self._dropped_at[key] = seq
                for cache_key in list(self._by_key.get(key, ())):
                    if self._entries[cache_key].seq >= seq:
                        continue
                    self._remove(cache_key)
                    dropped += 1
            if len(self._dropped_at) > 100_000:  # keep the guard bounded; old marks matter no more
                newest = max(self._dropped_at.values())
                self._dropped_at = {k: v for k, v in self._dropped_at.items() if v >= newest - 1000}
        return dropped

    def invalidate_all(self, *, seq: int) -> None:
        """Drop every entry computed before ``seq`` (a bulk change: its keys are not worked out)."""
        with self._lock:
            self._floor = max(self._floor, seq)
            for cache_key in [k for k, entry in self._entries.items() if entry.seq < seq]:
                self._remove(cache_key)

    def _remove(self, cache_key: str) -> None:
        entry = self._entries.pop(cache_key, None)
        if entry is None:
            return
        self._bytes -= entry.size
        for key in entry.keys:
            members = self._by_key.get(key)
            if members is not None:
                members.discard(cache_key)
                if not members:
                    del self._by_key[key]

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes(self) -> int:
        return self._bytes
