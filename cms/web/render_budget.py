"""How much rendering one client may cause: first renders charged to the shared rate limiter.

A rendition already stored costs nothing to serve. One not stored yet costs a render, charged in
render units (about one 1,200-pixel JPEG each; see cms.media.renditions.render_units) against the
client's budget per minute: its address without a token, its token otherwise. The same limiter
counts /graphql requests, so several nodes share one count through Redis.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request

from cms.services.ratelimit import ClientAddress, RateLimiter, parse_rate
from cms.settings import Settings


class RenderBudget:
    def __init__(self, settings: Settings, limiter: RateLimiter) -> None:
        self.limit = parse_rate(settings.rate_limit_renders)
        self.limiter = limiter
        self.client_address = ClientAddress(settings.trusted_proxies)

    async def __call__(self, request: Request) -> bool:
        if self.limit is None:
            return True
        peer = request.client.host if request.client else None
        key = self.client_address(peer, request.headers.get("x-forwarded-for"))
        units = max(1, int(getattr(request.state, "render_units", 1)))
        limit = self.limit
        if self.limiter.shared:  # a network round trip: off the event loop
            decision = await asyncio.to_thread(self.limiter.hit, limit, "render", key, cost=units)
        else:
            decision = self.limiter.hit(limit, "render", key, cost=units)
        if not decision.allowed:
            request.state.retry_after = decision.retry_after
        return decision.allowed
