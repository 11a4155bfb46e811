"""The application factory: settings in, an ASGI app out. Nothing is created at import time."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from cms.cache import ResponseCache
from cms.db import Database
from cms.graphql.context import AppState
from cms.graphql.hits import HitLane
from cms.graphql.http import GraphQLEndpoint
from cms.graphql.schema import build_schema
from cms.graphql.workers import ExecutionPool
from cms.observability.middleware import ObservabilityMiddleware
from cms.observability.sql import count_statements
from cms.search import backend_for
from cms.services.images import storage_for
from cms.services.ratelimit import RateLimiter
from cms.services.snapshot import ContentSnapshot
from cms.settings import Settings
from cms.web import examples
from cms.web.admin import admin_asset, admin_page
from cms.web.cors import CorsMiddleware, CorsPolicy
from cms.web.documents import PublicDocuments
from cms.web.feeds import FeedEndpoints
from cms.web.graphiql import GraphiQLPage
from cms.web.health import healthz, readyz
from cms.web.jsonld import JsonLdEndpoint
from cms.web.mail_links import MailLinks
from cms.web.media import MediaEndpoint
from cms.web.metrics import MetricsEndpoint
from cms.web.render_budget import RenderBudget
from cms.web.sitemaps import SitemapEndpoints
from cms.worker import Worker

log = logging.getLogger("cms")


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    # Sent past ObservabilityMiddleware's `send`, so it names the request itself.
    rid = getattr(request.state, "request_id", None)
    extensions = {"code": "INTERNAL_SERVER_ERROR", **({"requestId": rid} if rid else {})}
    return JSONResponse(
        {"errors": [{"message": "Internal server error", "extensions": extensions}]},
        status_code=500,
        headers={"X-Request-ID": rid} if rid else None,
    )


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    # No statement may outlive the longest a query may run (SQLite follows each
    # request's own deadline instead; see cms/db.py).
    db = Database(
        settings.database_url,
        replica_url=settings.database_replica_url,
        statement_timeout=settings.execution_timeout,
    )
    count_statements(db.engine)
    state = AppState(
        settings=settings,
        db=db,
        snapshot=ContentSnapshot(),
        search=backend_for(db.engine.dialect.name),
        limiter=RateLimiter(settings.redis_url),
    )
    if settings.response_cache:
        state.cache = ResponseCache(settings, db)
    graphiql = GraphiQLPage()
    cors = CorsPolicy.from_settings(settings)
    pool = ExecutionPool(settings.execution_threads)
    endpoint = GraphQLEndpoint(build_schema(settings), state, pool, ide=graphiql.page)
    metrics = MetricsEndpoint(db, endpoint.gate, pool)
    documents = PublicDocuments(state, pool)
    media = MediaEndpoint(
        settings, storage_for(settings), allow_first_render=RenderBudget(settings, state.limiter)
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stop = asyncio.Event()
        following: asyncio.Task[None] | None = None
        task: asyncio.Task[None] | None = None
        try:
            try:
                with db.connect() as conn:
                    state.snapshot.licenses(conn)  # reference data: load it before the first request needs it
            except SQLAlchemyError:
                log.warning("could not read the licence table; is the database migrated? (cms migrate)")
            if problem := await media.storage_problem():
                log.error("media storage is not usable, /readyz answers 503 until it is: %s", problem)
            # Everything built so far (schema, metadata, modules) lives as long as the
            # process: move it out of the collector's sight, so full collections stay
            # short and do not stall requests in flight.
            gc.collect()
            gc.freeze()
            if state.cache is not None:
                following = asyncio.create_task(state.cache.follow(stop))
            if settings.worker:
                # Webhooks, mail and the clock, in this process (CMS_WORKER=off when `cms worker` runs apart).
                state.worker = Worker(settings, db, state.snapshot)
                task = asyncio.create_task(state.worker.run(stop))
            yield
        finally:
            # Whatever failed on the way up or down, the pools are closed: an engine left to the
            # garbage collector leaves its connections open until it is collected.
            stop.set()
            try:
                if following is not None:
                    await following
                if task is not None:
                    await asyncio.wait_for(task, timeout=settings.webhook_timeout + 5)
            finally:
                media.close()
                pool.close()
                if left := db.in_use():
                    # Threads still at work (a worker step past its timeout, a readiness check
                    # waiting on the database): their connections close as they come back.
                    log.warning("%d database connection(s) still in use at shutdown", left)
                db.dispose()

    app = Starlette(
        debug=settings.debug,
        routes=[
            Route("/graphql", endpoint.handle, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics.handle),
            Route("/admin", admin_page),
            *MailLinks(state).routes(),
            Route("/admin/{name}", admin_asset),
            *media.routes(),
            *graphiql.routes(),
            *FeedEndpoints(documents).routes(),
            *SitemapEndpoints(documents).routes(),
            *JsonLdEndpoint(documents).routes(),
            *examples.routes(),
        ],
        middleware=[
            # Outermost: a repeated public query answered from the cache needs nothing below it.
            Middleware(HitLane, endpoint=endpoint, cors=cors, access_log=settings.access_log),
            Middleware(ObservabilityMiddleware, access_log=settings.access_log),
            Middleware(CorsMiddleware, policy=cors),
        ],
        exception_handlers={500: _server_error},
        lifespan=lifespan,
    )
    app.state.cms = state
    app.state.media = media
    return app
