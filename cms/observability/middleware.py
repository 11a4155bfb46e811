"""One ASGI middleware for every request: its id, its metrics and (when asked) its access-log line.

It sits outside every other middleware, so CORS preflights, refusals and 404s are counted and
answered with X-Request-ID like everything else. The id is also in ``request.state.request_id``
for the one answer that bypasses this middleware's ``send``: Starlette's 500 page (see app.py).
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cms.observability import metrics, requests

log = logging.getLogger("cms.access")
_HEADER = b"x-request-id"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, *, access_log: bool = False) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        incoming = next((v for k, v in scope["headers"] if k == _HEADER), None)
        served = requests.Served(requests.request_id_from(incoming.decode("latin-1") if incoming else None))
        scope.setdefault("state", {})["request_id"] = served.request_id
        raw_id = served.request_id.encode("latin-1")
        status = 0  # until the answer starts
        recorded = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, recorded
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (_HEADER, raw_id)]
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                # Counted before its last bytes go: a client that has its answer and then reads
                # /metrics finds it there.
                recorded = True
                record(scope, served, status, time.perf_counter() - started, access_log=self.access_log)
            await send(message)

        token = requests.enter(served)
        try:
            await self.app(scope, receive, send_with_id)
        except BaseException:
            # The context stays open: Starlette's error handler logs next, in this task, and
            # its line should carry the id too. The task ends with the request.
            status = status or 500  # what Starlette answers, unless the answer had begun
            raise
        else:
            requests.leave(token)
        finally:
            if not recorded:
                record(scope, served, status, time.perf_counter() - started, access_log=self.access_log)


def record(scope: Scope, served: requests.Served, status: int, seconds: float, *, access_log: bool) -> None:
    """Count one answered request, and log it when asked (also used by the lane for cache hits)."""
    route = scope.get("route")
    if route is not None:
        served.route = getattr(route, "path", "")
    method = scope["method"] if scope["method"] in _METHODS else "OTHER"
    metrics.observe_request(served, method=method, status=status, seconds=seconds)
    if access_log:
        log.info(
            "%s %s %s %.1f ms", method, scope["path"], status, seconds * 1000,
            extra={
                "method": method, "path": scope["path"], "status": status,
                "duration_ms": round(seconds * 1000, 2), "route": served.route or None,
                "operation": served.operation if served.graphql else None,
                "sql_statements": served.statements, "request_id": served.request_id,
            },
        )  # fmt: skip
