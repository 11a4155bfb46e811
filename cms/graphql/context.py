"""The per-request context: one read snapshot of the database, the clock, fresh loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from strawberry.dataloader import DataLoader

from cms.db import Database
from cms.search import SearchBackend
from cms.services import changes
from cms.services.ratelimit import RateLimiter
from cms.services.snapshot import ContentSnapshot, Taxonomy
from cms.services.tokens import PUBLIC, Caller
from cms.settings import Settings


@dataclass
class AppState:
    """What lives as long as the app: settings, the database, the per-process snapshot."""

    settings: Settings
    db: Database
    snapshot: ContentSnapshot
    search: SearchBackend
    limiter: RateLimiter = field(default_factory=RateLimiter)  # in memory unless given Redis


@dataclass
class Context:
    app: AppState
    now: datetime
    request: Any = None
    _conn: Connection | None = None
    _seq: int = 0
    caller: Caller = PUBLIC
    loaders: dict[str, DataLoader[Any, Any]] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        return self.app.settings

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            conn = self.app.db.connect()
            # The first statement opens the snapshot; everything this request
            # reads, and every memo it uses, belongs to this sequence number.
            self._seq = changes.current_seq(conn)
            self._conn = conn
        return self._conn

    @property
    def seq(self) -> int:
        _ = self.conn
        return self._seq

    @property
    def is_public(self) -> bool:
        """Sees only published content whose time has come (no token, or a partner's)."""
        return self.caller.is_public

    def after_write(self) -> None:
        """A write committed: later reads in this request need a snapshot that includes it."""
        self.close()
        self.loaders.clear()

    def taxonomy(self) -> Taxonomy:
        return self.app.snapshot.taxonomy(self.conn, self.seq)

    def licenses(self) -> dict[str, Any]:
        return self.app.snapshot.licenses(self.conn)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
