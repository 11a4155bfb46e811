"""API tokens: random, shown once, stored as a hash, revocable at once."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, bindparam, insert, select, update
from sqlalchemy.orm import Session

from cms.errors import BadInput, Forbidden, NotFound, Unauthenticated
from cms.models import ApiToken, Role, utcnow

_token = ApiToken.__table__  # type: ignore[attr-defined]
PREFIX = "cms_"
# last_used_at is a convenience, not an audit log: write it at most this often.
TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class Caller:
    """Who is asking. Public callers have no token."""

    token_id: int | None = None
    name: str = ""
    role: Role | None = None
    partner_id: int | None = None  # a partner's tokens share one partner (and one rate limit)

    @property
    def is_public(self) -> bool:
        """Sees only what the public sees (partners included: published content only)."""
        return self.role in (None, Role.PARTNER)

    @property
    def rate_key(self) -> str | None:
        """What the rate limiter counts this caller's requests under: the partner (all its
        tokens together), else the token; None for public callers, who count by address."""
        if self.partner_id is not None:
            return f"partner:{self.partner_id}"
        if self.token_id is not None:
            return f"token:{self.token_id}"
        return None

    @property
    def is_editor(self) -> bool:
        return self.role in (Role.EDITOR, Role.ADMIN)

    def require(self, action: str, *, editor: bool = False) -> None:
        """Refuse ``action`` without a token (UNAUTHENTICATED) or with a role that may not do it
        (FORBIDDEN): staff (author, editor, admin) by default, editors and admins with ``editor``."""
        if self.role is None:
            raise Unauthenticated(f"to {action} you need a token: send Authorization: Bearer <token>")
        if not (self.is_editor if editor else not self.is_public):
            raise Forbidden(f"the {self.role.value} role cannot {action}")


PUBLIC = Caller()


def hash_token(token: str) -> str:
    # The token has 256 bits of entropy, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def create(session: Session, *, name: str, role: str, expires_at: datetime | None = None) -> tuple[int, str]:
    """A new token; returns its id and the token itself, which is never stored."""
    try:
        parsed = Role(role)
    except ValueError:
        raise BadInput(f"unknown role {role!r}: choose one of {', '.join(r.value for r in Role)}") from None
    if not name.strip():
        raise BadInput("a token needs a name, to recognise it later")
    token = PREFIX + secrets.token_urlsafe(32)
    pk = session.execute(
        insert(_token).returning(_token.c.id),
        [
            {
                "name": name.strip(),
                "role": parsed.value,
                "token_hash": hash_token(token),
                "prefix": token[:10],
                "created_at": utcnow(),
                "expires_at": expires_at,
            }
        ],
    ).scalar_one()
    return int(pk), token


def listing(conn: Connection) -> list[Row[Any]]:
    return list(conn.execute(select(_token).order_by(_token.c.id)))


def revoke(session: Session, *, token_id: int) -> None:
    done = session.execute(
        update(_token)
        .where(_token.c.id == token_id, _token.c.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if done.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound(f"no active token with id {token_id}")


_LOOKUP = select(_token).where(_token.c.token_hash == bindparam("hash"))


def authenticate(conn: Connection, token: str, *, now: datetime) -> Row[Any] | None:
    """The token's row if it is known, unexpired and not revoked; read on every request,
    so a revocation takes effect at once."""
    row = conn.execute(_LOOKUP, {"hash": hash_token(token)}).first()
    if row is None or row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        return None
    return row


def touch(session: Session, *, token_id: int, now: datetime) -> None:
    session.execute(
        update(_token)
        .where(_token.c.id == token_id)
        .where((_token.c.last_used_at.is_(None)) | (_token.c.last_used_at < now - TOUCH_INTERVAL))
        .values(last_used_at=now)
    )
