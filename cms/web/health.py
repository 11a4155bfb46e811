"""Liveness and readiness for load balancers and orchestrators.

/readyz answers 503, with a JSON body saying why, while this process cannot serve: the secret
key is not shared by all processes, the database does not answer (within ``DATABASE_WAIT``),
its schema is not at the revision this code's migrations end at, or the media store is not
usable. Details that could name internal hosts go to the log, under the answer's request id.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse

from cms.db import Database
from cms.graphql.context import AppState
from cms.migrate import head_revisions
from cms.observability.requests import request_id
from cms.services import changes
from cms.settings import shared_secret_problem

log = logging.getLogger("cms.health")
DATABASE_WAIT = 5.0  # seconds; a load balancer's own check times out soon after


class _NotReady(Exception):
    pass


async def healthz(request: Request) -> JSONResponse:
    """The process is up; says nothing of its dependencies."""
    return JSONResponse({"status": "ok"})


def _unavailable(**why: Any) -> JSONResponse:
    body = {"status": "unavailable", **why, "requestId": request_id()}
    return JSONResponse(body, status_code=503, headers={"Cache-Control": "no-store"})


def _revision(db: Database) -> str:
    """The database's schema revision, if it is the one this code expects; else _NotReady."""
    try:
        conn = db.connect()
    except SQLAlchemyError as exc:
        log.warning("readiness: the database is unreachable: %s", exc)
        raise _NotReady("unreachable") from None
    with conn:  # closed on every way out, a failing first statement too
        try:
            conn.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            log.warning("readiness: the database is unreachable: %s", exc)
            raise _NotReady("unreachable") from None
        try:
            if not inspect(conn).has_table("alembic_version"):
                raise _NotReady("not migrated: run `cms migrate`")
            found = frozenset(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
        except SQLAlchemyError as exc:
            log.warning("readiness: could not read the schema revision: %s", exc)
            raise _NotReady("could not read the schema revision") from None
    heads = head_revisions()
    if found != heads:
        raise _NotReady(
            f"migrations not current: the database is at {', '.join(sorted(found)) or 'no revision'}, "
            f"this code at {', '.join(sorted(heads))}; run `cms migrate`"
        )
    return ", ".join(sorted(found))


async def readyz(request: Request) -> JSONResponse:
    """Ready to serve: the database answers and its schema is migrated, and the media store is usable."""
    state: AppState = request.app.state.cms
    if problem := shared_secret_problem(state.settings):
        return _unavailable(secretKey=problem)
    try:
        # Off the event loop: a database that does not answer must not stall other requests.
        revision = await asyncio.wait_for(asyncio.to_thread(_revision, state.db), DATABASE_WAIT)
    except TimeoutError:
        return _unavailable(database=f"did not answer within {DATABASE_WAIT:g} s")
    except _NotReady as exc:
        return _unavailable(database=str(exc))
    body: dict[str, object] = {"database": "ok", "revision": revision}
    if state.db.replica is not None:
        try:
            body["replica"] = await asyncio.wait_for(asyncio.to_thread(_replica, state), DATABASE_WAIT)
        except TimeoutError:
            body["replica"] = {"status": "did not answer", "reads": "primary"}
    media = getattr(request.app.state, "media", None)
    if media is not None and (problem := await media.storage_problem()):
        return _unavailable(**{**body, "media": problem})
    return JSONResponse({"status": "ok", **body, "media": "ok"})


def _replica(state: AppState) -> dict[str, object]:
    """How far the read replica is behind. Not a reason to be unready: the primary takes its reads."""
    with state.db.connect() as conn:
        newest = changes.current_seq(conn)
    try:
        with state.db.connect_replica() as conn:
            seen = changes.current_seq(conn)
    except SQLAlchemyError:
        return {"status": "unreachable", "reads": "primary"}
    behind = max(0, newest - seen)
    return {"status": "ok", "changesBehind": behind, "reads": "primary" if behind else "replica"}
