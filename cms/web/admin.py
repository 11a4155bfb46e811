"""The editors' page: static files served by the app; all data goes through /graphql."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response

STATIC = Path(__file__).resolve().parent / "static"
_FILES = {
    **{
        f"{name}.js": "text/javascript"
        for name in (
            "admin", "admin-api", "admin-articles", "admin-dom", "admin-markdown", "admin-media",
            "admin-merge", "admin-pickers", "admin-preview", "admin-taxonomy",
        )
    },
    "admin.css": "text/css",
    "preview": "text/html",
}  # fmt: skip
# The page runs only its own scripts and talks only to this origin.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def _secured(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = _CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-cache"
    return response


async def admin_page(request: Request) -> Response:
    return _secured(FileResponse(STATIC / "admin.html", media_type="text/html"))


async def admin_asset(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in _FILES:
        return Response("not found", status_code=404)
    path = STATIC / ("admin-preview.html" if name == "preview" else name)
    return _secured(FileResponse(path, media_type=_FILES[name]))
