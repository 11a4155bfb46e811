"""The per-request context: one read snapshot of the database, the clock, fresh loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from strawberry.dataloader import DataLoader

from cms.db import Database
from cms.search import SearchBackend
from cms.services import clock, tokens
from cms.services.ratelimit import RateLimiter
from cms.services.routing import Router, Source
from cms.services.snapshot import ContentSnapshot, Taxonomy
from cms.services.tokens import PUBLIC, Caller
from cms.services.views import ArticleView, Reader
from cms.settings import Settings


@dataclass
class AppState:
    """What lives as long as the app: settings, the database, the per-process snapshot."""

    settings: Settings
    db: Database
    snapshot: ContentSnapshot
    search: SearchBackend
    worker: Any = None  # the in-process cms.worker.Worker, when there is one
    cache: Any = None  # the cms.cache.ResponseCache, unless CMS_RESPONSE_CACHE is off
    persisted: Any = None  # the cms.graphql.persisted.PersistedQueries
    limiter: RateLimiter = field(default_factory=RateLimiter)  # in memory unless given Redis
    router: Router | None = None  # where reads go; None: the primary, always

    def __post_init__(self) -> None:
        if self.router is None:
            self.router = Router(self.db)


@dataclass
class Context:
    app: AppState
    now: datetime
    request: Any = None
    _conn: Connection | None = None
    _seq: int = 0
    # Where this request's reads went ("primary" or "replica"), once it has read.
    source: Source | None = None
    # Set by a write or by a resolver that must see the newest state (`changes`): no replica.
    _primary_only: bool = False
    caller: Caller = PUBLIC
    loaders: dict[str, DataLoader[Any, Any]] = field(default_factory=dict)
    _reader: Reader | None = None
    _creators: dict[int, str | None] = field(default_factory=dict)
    # Surrogate keys of what the response shows (cms.services.surrogates); the response cache and
    # the Surrogate-Key header read them. A resolver whose answer must never be cached says so.
    shown: set[str] = field(default_factory=set)
    cacheable: bool = True

    @property
    def settings(self) -> Settings:
        return self.app.settings

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            # The first statement opens the snapshot; everything this request
            # reads, and every memo it uses, belongs to this sequence number.
            self._conn, self._seq, self.source = clock.open_reading(
                self.app.db,
                self.app.snapshot,
                self.now,
                router=self.app.router,
                public=self.is_public and not self._primary_only,
            )
        return self._conn

    @property
    def seq(self) -> int:
        _ = self.conn
        return self._seq

    @property
    def read_seq(self) -> int:
        """The sequence this request's reads saw (0 if it read nothing)."""
        return self._seq

    def valid_until(self) -> datetime | None:
        """When what this request read stops being true by the clock alone (the next go-live)."""
        if self._conn is None:
            return None
        return self.app.snapshot.next_announcement(self._conn, self._seq)

    @property
    def is_public(self) -> bool:
        """Sees only published content whose time has come (no token, or a partner's)."""
        return self.caller.is_public

    def shows(self, *keys: str) -> None:
        self.shown.update(keys)

    @property
    def draft_owner(self) -> str | None:
        """Whose unpublished articles the caller may read besides the public's (an author's own)."""
        return self.caller.draft_owner

    def reader(self) -> Reader:
        """The read model for this request's snapshot."""
        if self._reader is None:
            self._reader = Reader(
                self.conn,
                settings=self.settings,
                now=self.now,
                taxonomy=self.taxonomy(),
                partner=self.caller.partner,
            )
        return self._reader

    def owns_article(self, view: ArticleView) -> bool:
        """Whether the article was created by a token of the caller's."""
        if view.created_by is None or self.caller.token_id is None:
            return False
        if view.created_by not in self._creators:
            self._creators[view.created_by] = tokens.name_of(self.conn, view.created_by)
        return self.caller.owns(self._creators[view.created_by])

    def after_write(self) -> None:
        """A write committed: later reads in this request need a snapshot that includes it,
        on the primary (a replica may not have replayed it yet)."""
        self._primary_only = True
        self._reopen()

    def use_primary(self) -> None:
        """What follows must read the primary's newest state (``changes``: a mirror's position
        must never go backwards). Reopens the snapshot if it was taken on the replica."""
        self._primary_only = True
        if self.source == "replica":
            self._reopen()

    def _reopen(self) -> None:
        self.close()
        self.loaders.clear()
        self._reader = None
        self._creators.clear()

    def taxonomy(self) -> Taxonomy:
        return self.app.snapshot.taxonomy(self.conn, self.seq)

    def licenses(self) -> dict[str, Any]:
        return self.app.snapshot.licenses(self.conn)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
