"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse

from cms.graphql.context import AppState
from cms.services import changes
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
            newest = changes.current_seq(conn)
    except SQLAlchemyError:
        return JSONResponse(
            {"status": "unavailable", "database": "unreachable or not migrated"}, status_code=503
        )
    body: dict[str, object] = {"status": "ok", "database": "ok", "revision": revision}
    if state.db.replica is not None:
        body["replica"] = _replica(state, newest)
    media = getattr(request.app.state, "media", None)
    if media is not None and (problem := await media.storage_problem()):
        return JSONResponse({**body, "status": "unavailable", "media": problem}, status_code=503)
    return JSONResponse({**body, "media": "ok"})


def _replica(state: AppState, newest: int) -> dict[str, object]:
    """How far the read replica is behind. Not a reason to be unready: the primary takes its reads."""
    try:
        with state.db.connect_replica() as conn:
            seen = changes.current_seq(conn)
    except SQLAlchemyError:
        return {"status": "unreachable", "reads": "primary"}
    behind = max(0, newest - seen)
    return {"status": "ok", "changesBehind": behind, "reads": "primary" if behind else "replica"}
