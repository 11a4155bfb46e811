"""Who is asking, and whether they may ask now: the token, then the rate limit.

Both come before the body is read. A token that is sent must be valid (a mistyped
or revoked one is refused, not treated as public); a refused token still counts
against its client's address, so guessing tokens is rate limited like anything else.

Anonymous requests are counted by client address, staff by token, partners by
partner (all their tokens together). Without a token this is answered on the event
loop whenever it needs no I/O: always with the in-memory limiter, and with Redis while
this node's reservation of the window lasts (cms.services.ratelimit). A token lookup or
a trip to Redis runs on the execution pool.
"""

from __future__ import annotations

from dataclasses import dataclass

from limits import RateLimitItem
from starlette.requests import Request

from cms.errors import Unauthenticated
from cms.graphql.context import AppState
from cms.graphql.workers import ExecutionPool
from cms.models import Role, utcnow
from cms.services import partners, tokens
from cms.services.ratelimit import ClientAddress, Decision, parse_rate
from cms.services.tokens import PUBLIC, Caller


@dataclass(frozen=True)
class Admission:
    caller: Caller
    refusal: Unauthenticated | None  # the token was refused; caller is then PUBLIC
    decision: Decision | None  # None when this kind of caller is not rate limited


class Gate:
    def __init__(self, state: AppState, pool: ExecutionPool) -> None:
        settings = state.settings
        self.state = state
        self.pool = pool
        self.client_address = ClientAddress(settings.trusted_proxies)
        self.limits = {
            "anonymous": parse_rate(settings.rate_limit_anonymous),
            "token": parse_rate(settings.rate_limit_token),
            "partner": parse_rate(settings.rate_limit_partner),
        }

    async def admit(self, request: Request) -> Admission:
        handed = getattr(request.state, "admission", None)
        if isinstance(handed, Admission):
            return handed  # counted already, by the lane in front (cms.graphql.hits)
        header = request.headers.get("authorization")
        peer = request.client.host if request.client else None
        return await self.admit_raw(header, peer, request.headers.get("x-forwarded-for"))

    async def admit_raw(self, header: str | None, peer: str | None, forwarded: str | None) -> Admission:
        if header is None:
            limit, kind, key = self._counted(PUBLIC, peer, forwarded)
            if limit is None:
                return Admission(PUBLIC, None, None)
            decision = self.state.limiter.hit_nowait(limit, kind, key)
            if decision is not None:
                return Admission(PUBLIC, None, decision)
        return await self.pool.run(self._admit, header, peer, forwarded)

    def _admit(self, header: str | None, peer: str | None, forwarded: str | None) -> Admission:
        caller, refusal = PUBLIC, None
        if header is not None:
            try:
                caller = self.authenticate(header)
            except Unauthenticated as exc:
                refusal = exc
        limit, kind, key = self._counted(caller, peer, forwarded)
        decision = None if limit is None else self.state.limiter.hit(limit, kind, key)
        return Admission(caller, refusal, decision)

    def _counted(
        self, caller: Caller, peer: str | None, forwarded: str | None
    ) -> tuple[RateLimitItem | None, str, str]:
        """The limit a caller is held to, and what its requests count under (kind, key)."""
        key = caller.rate_key
        if key is None:
            kind, key = "anonymous", self.client_address(peer, forwarded)
        elif caller.role is Role.PARTNER:
            kind = "partner"
        else:
            kind = "token"
        limit = self.limits[kind]
        own = caller.partner.requests_per_minute if caller.partner is not None else None
        if own is not None:
            limit = parse_rate(f"{own}/minute")  # the partner's own terms
        return limit, kind, key

    def authenticate(self, header: str) -> Caller:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("send the token as Authorization: Bearer <token>")
        now = utcnow()
        with self.state.db.connect() as conn:
            row = tokens.authenticate(conn, token.strip(), now=now)
            role = Role(row.role) if row is not None else None
            # A partner's tokens carry what the partner may take (sections, licence terms).
            is_partner = row is not None and role is Role.PARTNER
            partner = partners.scope_of(conn, row.partner_id) if is_partner and row is not None else None
        if row is None:
            raise Unauthenticated("the token is unknown, expired or revoked")
        if row.last_used_at is None or row.last_used_at < now - tokens.TOUCH_INTERVAL:
            with self.state.db.write() as session:
                tokens.touch(session, token_id=row.id, now=now)
        return Caller(token_id=row.id, name=row.name, role=role, partner=partner)
