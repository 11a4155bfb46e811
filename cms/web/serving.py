"""How `cms serve` runs uvicorn: every connection on a clock.

uvicorn bounds idle keep-alive connections (``timeout_keep_alive``) but arms that
timer only after a response, and disarms it at the first byte that arrives: a
connection that sends nothing, or one header line every few seconds, is held open
for ever. ``GuardedHttpToolsProtocol`` gives every request ``header_timeout`` seconds
from the connection opening (or the previous response finishing) to complete its
headers. Bodies are timed by the app (CMS_BODY_TIMEOUT, CMS_UPLOAD_TIMEOUT), which is
the one reading them. Behind a reverse proxy, the proxy's own timeouts come first
(see the README's "Behind a reverse proxy").
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from cms.settings import Settings


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, header_timeout: float = 10.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = header_timeout
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        pipelined = bool(self.pipeline)  # the next request's headers are already in
        super().on_response_complete()
        if not pipelined and not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout, self._expire)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _expire(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """What `cms serve` (and the tests' real server) give uvicorn besides the app."""
    return {
        "http": functools.partial(GuardedHttpToolsProtocol, header_timeout=settings.header_timeout),
        "timeout_keep_alive": settings.keep_alive_timeout,
        # The client address is decided in one place, from CMS_TRUSTED_PROXIES (see
        # cms/services/ratelimit.py); uvicorn's own rewriting would trust 127.0.0.1.
        "proxy_headers": False,
        "server_header": False,
    }
