"""GET /metrics: Prometheus's text format, for an admin's token or a `metrics` role token.

Prometheus sends the token as ``bearer_token`` (or ``authorization.credentials``). The token
goes through the same gate as /graphql (an unknown token is refused, guesses are rate limited).
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import Metric
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from cms.db import Database
from cms.graphql.admission import Gate
from cms.graphql.workers import ExecutionPool
from cms.observability import metrics
from cms.observability.requests import request_id
from cms.services import outbox
from cms.services.permissions import Action, describe

_AUTHENTICATE = {"WWW-Authenticate": 'Bearer realm="cms"'}


def _refusal(message: str, code: str, status: int, headers: dict[str, str] | None = None) -> Response:
    body = {"error": {"message": message, "code": code, "requestId": request_id()}}
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store", **(headers or {})})


class MetricsEndpoint:
    def __init__(self, db: Database, gate: Gate, pool: ExecutionPool) -> None:
        self.gate = gate
        self.pool = pool
        self.db = db
        self.registry = metrics.build_registry(self._outbox)

    def _outbox(self) -> Iterator[Metric]:
        with self.db.connect() as conn:
            pending = outbox.depth(conn)
        yield metrics.gauge(
            "cms_outbox_pending", "Messages waiting in the outbox, by topic.", "topic",
            {topic: pending.get(topic, 0) for topic in ("event", "webhook", *pending)},
        )  # fmt: skip

    async def handle(self, request: Request) -> Response:
        if "authorization" not in request.headers:
            return _refusal(
                "send a token of the admin or metrics role: Authorization: Bearer <token>",
                "UNAUTHENTICATED", 401, _AUTHENTICATE,
            )  # fmt: skip
        admission = await self.gate.admit(request)
        limits = admission.decision.headers() if admission.decision is not None else {}
        if admission.decision is not None and not admission.decision.allowed:
            return _refusal("too many requests: try again later", "RATE_LIMITED", 429, limits)
        if admission.refusal is not None:
            return _refusal(admission.refusal.message, admission.refusal.code, 401, _AUTHENTICATE)
        if not admission.caller.may(Action.METRICS_READ):
            role = admission.caller.role.value if admission.caller.role else "public"
            return _refusal(f"the {role} role cannot {describe(Action.METRICS_READ)}", "FORBIDDEN", 403)
        body = await self.pool.run(generate_latest, self.registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
