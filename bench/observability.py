"""What ObservabilityMiddleware costs a request: a bare Starlette route driven in-process through
ASGI (no sockets), with and without it, alternating rounds, best round of each.

    .venv/bin/python bench/observability.py                 # one process: plain counters
    PROMETHEUS_MULTIPROC_DIR=$(mktemp -d) .venv/bin/python bench/observability.py   # several workers' mode
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cms.observability.middleware import ObservabilityMiddleware

ROUNDS, PER_ROUND = 25, 3000
SCOPE: dict[str, Any] = {
    "type": "http", "method": "POST", "path": "/graphql", "raw_path": b"/graphql", "query_string": b"",
    "headers": [(b"host", b"bench")], "http_version": "1.1", "scheme": "http", "server": ("bench", 80),
    "client": ("127.0.0.1", 5000), "root_path": "",
}  # fmt: skip


async def endpoint(request: Request) -> Response:
    return Response(b"{}", media_type="application/json")


def app(observed: bool) -> Starlette:
    middleware = [Middleware(ObservabilityMiddleware)] if observed else []
    return Starlette(routes=[Route("/graphql", endpoint, methods=["POST"])], middleware=middleware)


async def microseconds(target: Starlette, n: int) -> float:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        pass

    started = time.perf_counter()
    for _ in range(n):
        await target(dict(SCOPE), receive, send)
    return (time.perf_counter() - started) / n * 1e6


async def main() -> None:
    bare, observed = app(False), app(True)
    await microseconds(bare, 500)
    await microseconds(observed, 500)
    rounds = [
        (await microseconds(bare, PER_ROUND), await microseconds(observed, PER_ROUND)) for _ in range(ROUNDS)
    ]
    best_bare, best_observed = min(r[0] for r in rounds), min(r[1] for r in rounds)
    mode = "multiprocess" if os.environ.get("PROMETHEUS_MULTIPROC_DIR") else "one process"
    print(f"{mode}: bare {best_bare:.1f} us, observed {best_observed:.1f} us, "
          f"middleware {best_observed - best_bare:.1f} us per request")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
