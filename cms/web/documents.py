"""Documents the public reads with GET (feeds, sitemaps, robots.txt, JSON-LD): the plumbing they share.

Each request is counted by the one rate limiter as an anonymous caller, reads one snapshot after
the clock has announced what is due (so a scheduled article appears at its time with no job run),
and is versioned by the newest public change: the ETag is that sequence number (with a fingerprint
of the settings that shape the bytes), Last-Modified its time. If-None-Match, or failing that
If-Modified-Since, gets 304 before anything is rendered. Reading stops at CMS_EXECUTION_TIMEOUT (503
EXECUTION_TIMEOUT), as GraphQL operations do. Cache-Control never reaches past the next
scheduled go-live, and Surrogate-Key names what the document shows (cms.services.surrogates).
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

import orjson
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from starlette.requests import Request
from starlette.responses import Response

from cms.db import statement_deadline
from cms.errors import UserError
from cms.graphql.context import AppState
from cms.graphql.workers import ExecutionPool
from cms.models import utcnow
from cms.services import changes, clock
from cms.services.ratelimit import ClientAddress, Decision, parse_rate
from cms.services.views import Reader
from cms.settings import Settings


@dataclass
class Document:
    body: bytes
    media_type: str
    keys: set[str] = field(default_factory=set)  # surrogate keys of what it shows


@dataclass(frozen=True)
class Reading:
    conn: Connection
    reader: Reader
    now: datetime
    settings: Settings
    modified: datetime  # when the newest public change was made (now, if there is none)


#: What a route does with a reading: check its input (raising a UserError), then hand back the
#: surrogate keys known before rendering and the function that renders.
Prepared = tuple[set[str], Callable[[], Document]]


def _fingerprint(settings: Settings) -> str:
    """Settings that change a document's bytes at the same change sequence (the secret signs URLs)."""
    shaping = (
        settings.public_url, settings.base_url, settings.article_url, settings.site_name,
        settings.site_description, settings.site_language, settings.site_logo_url,
        settings.site_publisher, settings.feed_full_content, settings.feed_tag_authority,
        settings.sitemap_page_size, settings.rendition_widths, settings.max_rendition_size,
        settings.secret_key,
    )  # fmt: skip
    return hashlib.sha256(repr(shaping).encode()).hexdigest()[:10]


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def _not_modified_since(request: Request, modified: datetime | None) -> bool:
    if request.headers.get("if-none-match") is not None or modified is None:
        return False  # RFC 9110 13.1.3: If-None-Match wins; then If-Modified-Since is ignored
    raw = request.headers.get("if-modified-since")
    if not raw:
        return False
    try:
        since = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return modified.replace(microsecond=0) <= since


def _matches(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if header is None:
        return False
    if header.strip() == "*":
        return True
    # Weak comparison (RFC 9110 13.1.2): a proxy that compressed the body may have weakened it.
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


class PublicDocuments:
    def __init__(self, state: AppState, pool: ExecutionPool) -> None:
        self.state = state
        self.pool = pool
        self.fingerprint = _fingerprint(state.settings)
        self.limit = parse_rate(state.settings.rate_limit_anonymous)
        self.client_address = ClientAddress(state.settings.trusted_proxies)

    async def _admit(self, request: Request) -> Decision | None:
        if self.limit is None:
            return None
        peer = request.client.host if request.client else None
        key = self.client_address(peer, request.headers.get("x-forwarded-for"))
        limiter = self.state.limiter
        decision = limiter.hit_nowait(self.limit, "anonymous", key)
        if decision is None:  # Redis must be asked: a network round trip, off the event loop
            decision = await asyncio.to_thread(limiter.hit, self.limit, "anonymous", key)
        return decision

    async def serve(self, request: Request, prepare: Callable[[Reading], Prepared]) -> Response:
        decision = await self._admit(request)
        limits = decision.headers() if decision is not None else {}
        if decision is not None and not decision.allowed:
            return error(
                429, "RATE_LIMITED",
                f"too many requests; try again in {decision.retry_after} s", limits,
            )  # fmt: skip
        started = time.monotonic()
        try:
            response = await self.pool.run(self._answer, request, prepare)
        except UserError as exc:
            status = 404 if exc.code == "NOT_FOUND" else 400
            return error(status, exc.code, str(exc), limits)
        except DBAPIError:
            timeout = self.state.settings.execution_timeout
            if time.monotonic() - started < timeout:
                raise
            # SQLite's "interrupted" or PostgreSQL's statement_timeout, at the deadline.
            return error(
                503, "EXECUTION_TIMEOUT", f"the document took longer than {timeout:g} s to read; try again",
                {**limits, "Retry-After": "5"},
            )  # fmt: skip
        response.headers.update(limits)
        return response

    def _answer(self, request: Request, prepare: Callable[[Reading], Prepared]) -> Response:
        state, settings = self.state, self.state.settings
        token = statement_deadline.set(time.monotonic() + settings.execution_timeout)
        now = utcnow()
        conn, seq, _ = clock.open_reading(state.db, state.snapshot, now, router=state.router, public=True)
        try:
            reader = Reader(conn, settings=settings, now=now, taxonomy=state.snapshot.taxonomy(conn, seq))
            public_seq, modified = changes.newest_public(conn)
            keys, render = prepare(Reading(conn, reader, now, settings, modified or now))
            headers = {
                "ETag": f'"{public_seq}.{self.fingerprint}"',
                "Cache-Control": self._cache_control(conn, seq, now),
                "X-Content-Type-Options": "nosniff",
            }
            if modified is not None:
                headers["Last-Modified"] = format_datetime(modified.astimezone(UTC), usegmt=True)
            if _matches(request, headers["ETag"]) or _not_modified_since(request, modified):
                if keys:
                    headers["Surrogate-Key"] = " ".join(sorted(keys))
                return Response(status_code=304, headers=headers)
            document = render()
            if keys | document.keys:
                headers["Surrogate-Key"] = " ".join(sorted(keys | document.keys))
            return Response(document.body, media_type=document.media_type, headers=headers)
        finally:
            conn.close()
            statement_deadline.reset(token)

    def _cache_control(self, conn: Connection, seq: int, now: datetime) -> str:
        max_age = self.state.settings.feed_max_age
        upcoming = self.state.snapshot.next_announcement(conn, seq)
        if upcoming is not None:
            # What the public sees changes then: no cache may keep this copy past that moment.
            max_age = max(0, min(max_age, math.floor((upcoming - now).total_seconds())))
        return f"public, max-age={max_age}, s-maxage={max_age}"
