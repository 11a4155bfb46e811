"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse

from cms.graphql.context import AppState
from cms.settings import shared_secret_problem


async def healthz(request: Request) -> JSONResponse:
    """The process is up; says nothing of its dependencies."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """Ready to serve: the database answers and its schema is migrated, and the media store is usable."""
    state: AppState = request.app.state.cms
    if problem := shared_secret_problem(state.settings):
        return JSONResponse({"status": "unavailable", "secretKey": problem}, status_code=503)
    try:
        with state.db.connect() as conn:
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        return JSONResponse(
            {"status": "unavailable", "database": "unreachable or not migrated"}, status_code=503
        )
    media = getattr(request.app.state, "media", None)
    if media is not None and (problem := await media.storage_problem()):
        return JSONResponse(
            {"status": "unavailable", "database": "ok", "revision": revision, "media": problem},
            status_code=503,
        )
    return JSONResponse({"status": "ok", "database": "ok", "revision": revision, "media": "ok"})
