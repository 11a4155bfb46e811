"""What one process remembers between requests, keyed by the change sequence.

Exact totals are the costly part of a listing (a count scans every matching
row). Content only changes through writes, and every write bumps the change
sequence, so a total computed at sequence N stays exact until the sequence
moves, or until the next scheduled article's time comes. Each app node keeps its
own copy and checks the sequence (one indexed read) per request, so several nodes
behind a proxy never serve stale totals.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select

from cms.models import Category, License, Section
from cms.services.workflow import next_announcement


@dataclass(frozen=True)
class Taxonomy:
    sections: dict[int, Row[Any]]
    categories: dict[int, Row[Any]]
    section_ids: dict[str, int]
    category_ids: dict[str, int]
    # For adapters (the API layer) to keep what they derive from these rows.
    memo: dict[str, Any] = field(default_factory=dict)


class ContentSnapshot:
    """Per-process memo of small tables and exact counts, invalidated by the change sequence."""

    def __init__(self, *, max_counts: int = 4096) -> None:
        self._lock = threading.Lock()
        self._max_counts = max_counts
        # Every memo carries the sequence it was computed at: a request still reading
        # an older snapshot must not store its answer as if it were current.
        self._taxonomy: tuple[int, Taxonomy] | None = None
        self._licenses: dict[str, Row[Any]] | None = None
        self._next_publish: tuple[int, datetime | None] | None = None
        self._counts: OrderedDict[tuple[Any, ...], tuple[int, datetime | None]] = OrderedDict()

    def taxonomy(self, conn: Connection, seq: int) -> Taxonomy:
        if self._taxonomy is None or self._taxonomy[0] != seq:
            sections = {r.id: r for r in conn.execute(select(Section.__table__).order_by("name"))}  # type: ignore[attr-defined]
            categories = {r.id: r for r in conn.execute(select(Category.__table__).order_by("name"))}  # type: ignore[attr-defined]
            taxonomy = Taxonomy(
                sections=sections,
                categories=categories,
                section_ids={r.slug: r.id for r in sections.values()},
                category_ids={r.slug: r.id for r in categories.values()},
            )
            self._taxonomy = (seq, taxonomy)
            return taxonomy
        return self._taxonomy[1]

    def licenses(self, conn: Connection) -> dict[str, Row[Any]]:
        # Reference data, changed only by migrations: kept for the process's life.
        if self._licenses is None:
            table = License.__table__  # type: ignore[attr-defined]
            self._licenses = {r.code: r for r in conn.execute(select(table).order_by(table.c.position))}
        return self._licenses

    def next_announcement(self, conn: Connection, seq: int) -> datetime | None:
        """When the next scheduled article goes public (past: it is due and not yet announced).

        Nothing else changes what the public sees without a write, so this moment and the change
        sequence together bound every memo: one read per sequence.
        """
        cached = self._next_publish
        if cached is not None and cached[0] == seq:
            return cached[1]
        upcoming = next_announcement(conn)
        self._next_publish = (seq, upcoming)
        return upcoming

    def cached_count(self, seq: int, key: tuple[Any, ...], now: datetime) -> int | None:
        hit = self._counts.get((seq, *key))
        if hit is not None and (hit[1] is None or now < hit[1]):
            return hit[0]
        return None

    def store_count(
        self, conn: Connection, seq: int, key: tuple[Any, ...], now: datetime, value: int
    ) -> None:
        valid_until = self.next_announcement(conn, seq)
        with self._lock:
            self._counts[(seq, *key)] = (value, valid_until)
            self._counts.move_to_end((seq, *key))
            while len(self._counts) > self._max_counts:
                self._counts.popitem(last=False)

    def count(
        self, conn: Connection, seq: int, key: tuple[Any, ...], now: datetime, compute: Callable[[], int]
    ) -> int:
        """An exact count, computed at most once per sequence and publication boundary."""
        cached = self.cached_count(seq, key, now)
        if cached is not None:
            return cached
        value = compute()
        self.store_count(conn, seq, key, now, value)
        return value
