"""GraphiQL for browsers at GET /graphql, from files shipped in the package: no CDN.

React, ReactDOM and GraphiQL's UMD build are vendored in static/graphiql/ by
scripts/fetch_graphiql.py, whose manifest gives each file its package version and
SRI hash. Every asset URL carries a version (the npm package's, or a digest of
our own file), so assets are served immutable and a new version is a new URL;
the page itself is no-cache. URLs in the page are relative to /graphql, so the
page keeps working behind a proxy that mounts the CMS under a prefix.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from string import Template

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

STATIC = Path(__file__).resolve().parent / "static"
VENDOR = STATIC / "graphiql"
PREFIX = "graphiql"  # assets live at /graphiql/<version>/<file>

#: The README's first query: what a newcomer runs before reading anything else.
FIRST_QUERY = """\
{
  stats { totalPublications }
  articles(first: 5, filter: { section: "the-peninsula" }) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      title slug publishedAt url
      authors { name }
      leadImage {
        alt url(width: 640) srcSet(widths: [320, 640, 1280]) placeholder { blurhash dominantColor }
        credit { line creator sourceUrl license { code url allowsCommercialUse } }
      }
    } }
  }
  search(query: "sanctions -tariffs", first: 3) {
    totalCount
    facets { sections { label count } years { value count } }
    edges { rank snippet node { title } }
  }
}
"""
DEFAULT_QUERY = (
    "# Run it with the ▶ button or Ctrl-Enter.\n"
    "# Ctrl-Space completes; Docs (the book icon) shows the schema.\n"
    "# Editing needs a token: under Headers, enter\n"
    '#   {"Authorization": "Bearer cms_..."}\n'
    "\n" + FIRST_QUERY
)

_IMMUTABLE = "public, max-age=31536000, immutable"
_MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css"}
_OWN = ("graphiql-start.js", "graphiql-page.css")


def _csp(nonce: str) -> str:
    # GraphiQL's fonts and icons are data: URLs inside its stylesheet; its dialogs
    # insert <style> elements, admitted by this response's nonce (see graphiql-start.js).
    return (
        f"default-src 'none'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


@dataclass(frozen=True)
class Asset:
    path: Path
    version: str
    sri: str

    @property
    def url(self) -> str:
        return f"{PREFIX}/{self.version}/{self.path.name}"


def _sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def load_assets() -> dict[str, Asset]:
    """Every servable file by name: the vendored ones from the manifest, ours by digest."""
    manifest = json.loads((VENDOR / "manifest.json").read_text(encoding="utf-8"))
    assets: dict[str, Asset] = {}
    for package in manifest["packages"].values():
        for name, sri in package["files"].items():
            if Path(name).suffix in _MEDIA_TYPES:
                assets[name] = Asset(VENDOR / name, package["version"], sri)
    for name in _OWN:
        data = (STATIC / name).read_bytes()
        assets[name] = Asset(STATIC / name, hashlib.sha256(data).hexdigest()[:12], _sri(data))
    return assets


class GraphiQLPage:
    """The page (answered by the /graphql endpoint to browsers) and its assets."""

    def __init__(self) -> None:
        self.assets = load_assets()
        self.template = Template((STATIC / "graphiql.html").read_text(encoding="utf-8"))
        slots = {
            "graphiql_css": "graphiql.min.css",
            "page_css": "graphiql-page.css",
            "react_js": "react.production.min.js",
            "react_dom_js": "react-dom.production.min.js",
            "graphiql_js": "graphiql.min.js",
            "start_js": "graphiql-start.js",
        }
        self.values = {"default_query": html.escape(DEFAULT_QUERY, quote=True)}
        for slot, name in slots.items():
            self.values[slot] = html.escape(self.assets[name].url)
            self.values[f"{slot}_sri"] = self.assets[name].sri

    def routes(self) -> list[Route]:
        return [Route(f"/{PREFIX}/{{version}}/{{name}}", self.asset, methods=["GET", "HEAD"])]

    async def page(self, request: Request) -> Response:
        nonce = secrets.token_urlsafe(16)
        body = self.template.substitute(self.values, nonce=nonce)
        return HTMLResponse(
            body,
            headers={
                "Cache-Control": "no-cache",
                "Content-Security-Policy": _csp(nonce),
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
            },
        )

    async def asset(self, request: Request) -> Response:
        asset = self.assets.get(request.path_params["name"])
        # Only the current version is served: an old URL answered with new bytes
        # would be cached for a year under the old name.
        if asset is None or asset.version != request.path_params["version"]:
            return PlainTextResponse("not found", status_code=404, headers={"Cache-Control": "no-cache"})
        return FileResponse(
            asset.path,
            media_type=_MEDIA_TYPES[asset.path.suffix],
            headers={"Cache-Control": _IMMUTABLE, "X-Content-Type-Options": "nosniff"},
        )
