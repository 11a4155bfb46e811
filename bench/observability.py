"""What ObservabilityMiddleware costs a request: a bare Starlette route driven in-process through
ASGI (no sockets), with and without it, alternating rounds, best round of each.

    .venv/bin/python bench/observability.py                 # one process: plain counters
    PROMETHEUS_MULTIPROC_DIR=$(mktemp -d) .venv/bin/python bench/observability.py   # several workers' mode
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging.config
import os
import time
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cms.observability.logs import log_config
from cms.observability.middleware import ObservabilityMiddleware
from cms.settings import Settings

ROUNDS, PER_ROUND = 25, 3000
SCOPE: dict[str, Any] = {
    "type": "http", "method": "POST", "path": "/graphql", "raw_path": b"/graphql", "query_string": b"",
    "headers": [(b"host", b"bench")], "http_version": "1.1", "scheme": "http", "server": ("bench", 80),
    "client": ("127.0.0.1", 5000), "root_path": "",
}  # fmt: skip


async def endpoint(request: Request) -> Response:
    return Response(b"{}", media_type="application/json")


def app(observed: bool, access_log: bool = False) -> Starlette:
    middleware = [Middleware(ObservabilityMiddleware, access_log=access_log)] if observed else []
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
    apps = {"bare": app(False), "observed": app(True), "observed + access log": app(True, access_log=True)}
    for target in apps.values():
        await microseconds(target, 500)
    best = dict.fromkeys(apps, float("inf"))
    for _ in range(ROUNDS):
        for name, target in apps.items():
            best[name] = min(best[name], await microseconds(target, PER_ROUND))
    mode = "multiprocess" if os.environ.get("PROMETHEUS_MULTIPROC_DIR") else "one process"
    print(f"{mode}: " + ", ".join(f"{name} {us:.1f} us" for name, us in best.items()))
    print(f"middleware {best['observed'] - best['bare']:.1f} us per request, "
          f"access log {best['observed + access log'] - best['observed']:.1f} us more")  # fmt: skip


if __name__ == "__main__":
    # Access-log lines formatted as `cms serve` formats them, written to /dev/null.
    logging.config.dictConfig(log_config(dataclasses.replace(Settings(), log_format="json")))
    with open(os.devnull, "w") as null:
        logging.getLogger().handlers[0].setStream(null)  # type: ignore[attr-defined]
        asyncio.run(main())
