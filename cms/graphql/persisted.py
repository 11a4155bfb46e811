"""Persisted queries: Apollo's automatic persisted queries, and trusted documents.

Automatic (APQ, on by default): a client sends ``extensions.persistedQuery.sha256Hash`` alone;
unknown, it gets PERSISTED_QUERY_NOT_FOUND and sends the document with its hash once, which
registers it (checked: the hash must be the document's), and from then on the hash is enough —
over GET too, so public queries become short, cacheable URLs. The store is bounded: an LRU in
each process, and Redis (shared by every node, with a time to live) when configured.

Trusted documents (CMS_TRUSTED_DOCUMENTS=on, off by default): callers without a token may run only
documents an admin registered (`registerPersistedQuery`, `cms documents register`); a partner also
those registered for it. Staff tokens run anything.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import threading
import time
from collections import OrderedDict
from typing import Any

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session

from cms.db import Database
from cms.errors import BadInput, Problem, Refused, UserError
from cms.models import PersistedDocument, Role, utcnow
from cms.services import audit
from cms.services.permissions import Action
from cms.services.tokens import Caller
from cms.settings import Settings

_document = PersistedDocument.__table__  # type: ignore[attr-defined]
_HASH = re.compile(r"^[0-9a-f]{64}$")
REDIS_TTL = 7 * 24 * 3600
#: How long a node trusts what it looked up: a registration reaches other nodes within the shorter,
#: an unregistration within the longer (the node that made either knows at once).
TRUSTED_MEMO_SECONDS = 60.0
UNTRUSTED_MEMO_SECONDS = 5.0


class NotFound(UserError):
    code = "PERSISTED_QUERY_NOT_FOUND"


class NotTrusted(UserError):
    code = "DOCUMENT_NOT_TRUSTED"


def sha256_of(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


class PersistedQueries:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self._memory: OrderedDict[str, str] = OrderedDict()
        self._trusted: dict[tuple[str, int | None], tuple[str | None, float]] = {}
        self._lock = threading.Lock()
        self._redis: Any = None
        if settings.redis_url:
            import redis

            self._redis = redis.Redis.from_url(settings.redis_url, socket_timeout=1, socket_connect_timeout=1)

    def document(self, params: dict[str, Any], caller: Caller) -> str:
        """The document to run for these request parameters, or a UserError with a stable code.

        Runs on the execution pool: it may read Redis or the database.
        """
        query = params.get("query")
        extension = (params.get("extensions") or {}).get("persistedQuery")
        trusted_only = self.settings.trusted_documents and caller.role in (None, Role.PARTNER)
        if extension is None:
            if not query:
                raise BadInput("no GraphQL query found in the request")
            if trusted_only:
                self._trusted_or_refuse(sha256_of(query), caller)
            return str(query)
        digest = _checked_hash(extension)
        if query:
            if sha256_of(query) != digest:
                raise BadInput("`extensions.persistedQuery.sha256Hash` is not the SHA-256 of the query sent")
            if trusted_only:
                self._trusted_or_refuse(digest, caller)
            elif self.settings.persisted_queries:
                self._remember(digest, query)
            return str(query)
        if trusted_only:
            return self._trusted_or_refuse(digest, caller)
        if not self.settings.persisted_queries:
            raise NotFound("persisted queries are switched off here: send the query itself")
        found = self._recall(digest)
        if found is None:
            # Apollo clients send the document with its hash on this answer.
            raise NotFound("PersistedQueryNotFound")
        return found

    def trusted_here(self, digest: str, caller: Caller) -> bool:
        """Whether this process knows, without looking, that ``digest`` may run for ``caller`` (a
        cached answer is served in trusted-documents mode only then)."""
        partner = caller.partner.partner_id if caller.partner is not None else None
        memo = self._trusted.get((digest, partner))
        return memo is not None and memo[0] is not None and memo[1] > time.monotonic()

    def forget(self, digest: str) -> None:
        """A document was registered or unregistered: this process looks again next time."""
        self._trusted = {k: v for k, v in self._trusted.items() if k[0] != digest}

    # --- automatic: bounded memory, Redis when there is one ---

    def _remember(self, digest: str, query: str) -> None:
        with self._lock:
            self._memory[digest] = query
            self._memory.move_to_end(digest)
            while len(self._memory) > self.settings.persisted_queries_max:
                self._memory.popitem(last=False)
        if self._redis is not None:
            # On failure this node still has it; the others learn it from their own clients.
            with contextlib.suppress(Exception):
                self._redis.set(f"cms:apq:{digest}", query.encode(), ex=REDIS_TTL)

    def _recall(self, digest: str) -> str | None:
        with self._lock:
            found = self._memory.get(digest)
            if found is not None:
                self._memory.move_to_end(digest)
                return str(found)
        if self._redis is not None:
            try:
                raw = self._redis.get(f"cms:apq:{digest}")
            except Exception:
                raw = None
            if raw is not None:
                query = str(raw.decode())
                if sha256_of(query) == digest:
                    self._remember(digest, query)
                    return query
        return None

    # --- trusted documents: registered by admins, in the database ---

    def _trusted_or_refuse(self, digest: str, caller: Caller) -> str:
        partner = caller.partner.partner_id if caller.partner is not None else None
        memo = self._trusted.get((digest, partner))
        if memo is not None and memo[1] > time.monotonic():
            document = memo[0]
        else:
            with self.db.connect() as conn:
                owners = [_document.c.partner_id.is_(None)]
                if partner is not None:
                    owners.append(_document.c.partner_id == partner)
                document = conn.execute(
                    select(_document.c.document).where(_document.c.sha256 == digest, or_(*owners))
                ).scalar()
            memo_for = TRUSTED_MEMO_SECONDS if document is not None else UNTRUSTED_MEMO_SECONDS
            self._trusted[(digest, partner)] = (document, time.monotonic() + memo_for)
            if len(self._trusted) > 4 * self.settings.persisted_queries_max:
                self._trusted.clear()
        if document is None:
            raise NotTrusted(
                "this server runs only registered documents for callers without a token: "
                "ask its admin to register the query (`cms documents register`)"
            )
        return str(document)


def _checked_hash(extension: Any) -> str:
    if not isinstance(extension, dict) or extension.get("version") != 1:
        raise BadInput("`extensions.persistedQuery` must be {version: 1, sha256Hash: <64 hex digits>}")
    digest = extension.get("sha256Hash")
    if not isinstance(digest, str) or not _HASH.match(digest):
        raise BadInput("`extensions.persistedQuery.sha256Hash` must be 64 lower-case hex digits")
    return digest


def register(
    session: Session, caller: Caller, document: str, *, name: str = "", partner_id: int | None = None
) -> str:
    """Register a trusted document (checked to parse first by the caller); returns its hash."""
    caller.require(Action.QUERY_REGISTER)
    if not document.strip():
        raise Refused(Problem("query", "give the document to register", "INVALID"))
    if len(name) > 200:
        raise Refused(Problem("name", "the name is longer than 200 characters", "INVALID"))
    digest = sha256_of(document)
    session.execute(delete(_document).where(_document.c.sha256 == digest))
    session.execute(
        insert(_document),
        [{"sha256": digest, "document": document, "name": name.strip(), "partner_id": partner_id,
          "created_at": utcnow()}],
    )  # fmt: skip
    audit.record(session, caller, "query.register", entity="document", name=name.strip(), sha256=digest)
    return digest


def unregister(session: Session, caller: Caller, digest: str) -> bool:
    caller.require(Action.QUERY_REGISTER)
    done = session.execute(delete(_document).where(_document.c.sha256 == digest))
    audit.record(session, caller, "query.unregister", entity="document", sha256=digest)
    return bool(done.rowcount)  # type: ignore[attr-defined]


def find(conn: Any, digest: str) -> Any:
    return conn.execute(select(_document).where(_document.c.sha256 == digest)).first()


def listing(conn: Any) -> list[Any]:
    return list(conn.execute(select(_document).order_by(_document.c.name, _document.c.sha256)))
