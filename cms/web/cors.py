"""CORS for the public API, so a frontend on the publisher's own origin can call it.

An ASGI middleware over the paths it is given (/graphql, /media/, /feeds/ by
default; the admin page is same-origin and gets nothing):

- A preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered
  here and never reaches the app: 204 with the allowed methods, headers and a
  max-age when origin, method and every requested header are allowed; otherwise
  403 with a plain-text reason and no Access-Control-* header, which the browser
  reports as a failed preflight (the reason shows in the network panel).
- Any other response from an allowed origin gets Access-Control-Allow-Origin
  (the origin itself), Allow-Credentials and Expose-Headers. A disallowed origin
  gets no CORS header at all, so the browser keeps the response from the page.
- Every response on these paths carries ``Vary: Origin`` unless the policy is
  ``*`` (then the headers are the same for everyone): a shared cache must not hand
  the answer made for one origin, or for none, to another.

Credentials are allowed for listed origins and never with ``*``. The API
authenticates by bearer token only, never by cookie, so credentialed requests
carry no ambient authority a hostile page could borrow.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cms.settings import Settings, normalise_origin

#: Paths whose responses a page on another origin may read: exact, or a prefix when
#: ending in "/". The feeds are listed ahead of their arrival.
PUBLIC_PATHS = ("/graphql", "/media/", "/feeds/")
ALLOW_METHODS = ("GET", "HEAD", "POST")
#: Request headers a page may send beyond the CORS-safelisted ones: the token, JSON
#: bodies, conditional GETs, and what Apollo Client and Apollo's CSRF convention add.
ALLOW_HEADERS = (
    "authorization",
    "content-type",
    "if-none-match",
    "apollo-require-preflight",
    "x-apollo-operation-name",
    "apollographql-client-name",
    "apollographql-client-version",
)
#: Response headers a page may read beyond the safelisted ones (Content-Type, Cache-Control...).
EXPOSE_HEADERS = (
    "ETag",
    "WWW-Authenticate",
    "Retry-After",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
)
#: Seconds a browser may reuse a preflight; Chromium caps it at 7200, Firefox at 86400.
MAX_AGE = 7200
DEVELOPMENT_ORIGINS = ("http://localhost:*", "http://127.0.0.1:*")
_EXPOSED = ", ".join(EXPOSE_HEADERS).encode("latin-1")


def allowed_origins(settings: Settings) -> tuple[str, ...]:
    """CMS_CORS_ORIGINS, or by default the publisher's site and local development servers."""
    if settings.cors_origins is not None:
        return settings.cors_origins
    if settings.base_url is None:
        return DEVELOPMENT_ORIGINS
    parts = urlsplit(settings.base_url)
    site = normalise_origin(f"{parts.scheme}://{parts.netloc}")
    return (site, *DEVELOPMENT_ORIGINS) if site else DEVELOPMENT_ORIGINS


@dataclass(frozen=True)
class CorsPolicy:
    exact: frozenset[str]
    any_port: frozenset[str]  # "scheme://host" whose every port is allowed
    any_origin: bool = False

    @classmethod
    def of(cls, origins: Iterable[str]) -> CorsPolicy:
        listed = set(origins)
        wildcards = {o.removesuffix(":*") for o in listed if o.endswith(":*")}
        return cls(
            frozenset(listed - {"*"} - {o + ":*" for o in wildcards}), frozenset(wildcards), "*" in listed
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> CorsPolicy:
        return cls.of(allowed_origins(settings))

    def allows(self, origin: str) -> bool:
        if self.any_origin:
            return True
        origin = origin.lower()
        if origin in self.exact:
            return True
        base, _, port = origin.rpartition(":")
        if base in self.any_port and port.isdigit():
            return True
        return origin in self.any_port  # the default port, which browsers leave out

    def grant(self, origin: str | None, *, expose: bool = True) -> list[tuple[bytes, bytes]]:
        """The Access-Control-* headers of an answer to ``origin`` (none when it may not read it)."""
        if self.any_origin:
            given = [(b"access-control-allow-origin", b"*")]
        elif origin is not None and self.allows(origin):
            given = [
                (b"access-control-allow-origin", origin.encode("latin-1")),
                (b"access-control-allow-credentials", b"true"),
            ]
        else:
            return []
        return [*given, (b"access-control-expose-headers", _EXPOSED)] if expose else given


def _add_vary(headers: MutableHeaders, *names: str) -> None:
    present = {v.strip().lower() for value in headers.getlist("vary") for v in value.split(",")}
    missing = [n for n in names if n.lower() not in present and "*" not in present]
    if missing:
        headers["vary"] = ", ".join([*headers.getlist("vary"), *missing])


class CorsMiddleware:
    def __init__(self, app: ASGIApp, policy: CorsPolicy, paths: Iterable[str] = PUBLIC_PATHS) -> None:
        self.app = app
        self.policy = policy
        self.paths = tuple(paths)

    def _covers(self, path: str) -> bool:
        return any(path == p or (p.endswith("/") and path.startswith(p)) for p in self.paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._covers(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if scope["method"] == "OPTIONS" and origin is not None and "access-control-request-method" in headers:
            await self._preflight(origin, headers)(scope, receive, send)
            return
        # With "*" every response gets the same headers, Origin or not, so caches may share it.
        granted = self.policy.grant(origin)

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                if not self.policy.any_origin:
                    _add_vary(MutableHeaders(scope=message), "Origin")
                if granted:
                    message["headers"] = [*message.get("headers", ()), *granted]
            await send(message)

        await self.app(scope, receive, send_with_cors)

    def _preflight(self, origin: str, request: Headers) -> Response:
        method = request["access-control-request-method"].strip()
        asked = [h.strip().lower() for h in request.get("access-control-request-headers", "").split(",")]
        refused_headers = [h for h in asked if h and h not in ALLOW_HEADERS]
        if not self.policy.allows(origin):
            reason = f"origin {origin} is not allowed to call this API (CMS_CORS_ORIGINS)"
        elif method not in ALLOW_METHODS:
            reason = f"method {method} is not allowed; allowed: {', '.join(ALLOW_METHODS)}"
        elif refused_headers:
            reason = (
                f"request header {', '.join(refused_headers)} is not allowed; "
                f"allowed: {', '.join(ALLOW_HEADERS)}"
            )
        else:
            reason = ""
        response = (
            PlainTextResponse(f"CORS preflight refused: {reason}\n", status_code=403)
            if reason
            else Response(status_code=204)
        )
        vary = ("Access-Control-Request-Method", "Access-Control-Request-Headers")
        _add_vary(response.headers, *vary if self.policy.any_origin else ("Origin", *vary))
        if not reason:
            response.raw_headers.extend(self.policy.grant(origin, expose=False))
            response.headers["access-control-allow-methods"] = ", ".join(ALLOW_METHODS)
            response.headers["access-control-allow-headers"] = ", ".join(ALLOW_HEADERS)
            response.headers["access-control-max-age"] = str(MAX_AGE)
        return response
