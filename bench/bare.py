#!/usr/bin/env python3
"""The ceiling for a cached answer: a bare Starlette endpoint that returns stored bytes.

Why: the warm target is "at least 70 % of an endpoint that does nothing but return the same cached
bytes". This is that endpoint, served the way `cms serve` serves (uvicorn, one worker): it looks
the request body up in a file of captured answers and returns the bytes. bench/run.py --bare
captures the CMS's answers and runs the same wrk scripts against it.

    python bench/bare.py ANSWERS.json --port 8100
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def app_for(answers: dict[str, bytes]) -> Starlette:
    async def graphql(request: Request) -> Response:
        body = await request.body()
        found = answers.get(hashlib.sha256(body).hexdigest())
        if found is None:
            return Response(b'{"errors":[{"message":"not captured"}]}', 404, media_type="application/json")
        return Response(found, media_type="application/json")

    async def healthz(request: Request) -> Response:
        return Response(b"ok")

    return Starlette(routes=[Route("/graphql", graphql, methods=["POST"]), Route("/healthz", healthz)])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("answers", type=Path, help="JSON object: sha256 of a request body -> base64 answer")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    raw = json.loads(args.answers.read_text())
    answers = {digest: base64.b64decode(value) for digest, value in raw.items()}
    uvicorn.run(app_for(answers), host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
