"""The example frontend (examples/peninsula/ in a checkout), served at /examples/peninsula/.

Without CMS_BASE_URL, the canonical article URLs the API hands out point at its article page
(cms/services/links.py), so feeds, mails and sitemaps link to a page that answers. The files are
plain HTML and JavaScript modules that read everything through /graphql, as any frontend would.
An installed wheel carries no examples/: the path then answers 404 and says where they live.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

PATH = "/examples/peninsula"
DIRECTORY = Path(__file__).resolve().parents[2] / "examples" / "peninsula"
# The pages run only their own scripts and call only this CMS; lead images may come from
# CMS_PUBLIC_URL, which a proxy or CDN may answer under another name.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


class ExampleFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if path.endswith(".graphql"):
            response.headers["Content-Type"] = "text/plain; charset=utf-8"  # readable in a browser
        response.headers["Content-Security-Policy"] = _CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-cache"  # revalidated by ETag: edits show at once
        return response


async def _missing(request: Request) -> Response:
    return PlainTextResponse(
        f"the example frontend is not installed here: it lives in examples/peninsula/ of a checkout "
        f"of the CMS (looked in {DIRECTORY})\n",
        status_code=404,
    )


def routes(directory: Path = DIRECTORY) -> list[BaseRoute]:
    if not directory.is_dir():
        return [Route(PATH, _missing), Route(PATH + "/{rest:path}", _missing)]
    return [Mount(PATH, app=ExampleFiles(directory=directory, html=True))]
