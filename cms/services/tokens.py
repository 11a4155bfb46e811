"""API tokens: random, shown once, stored as a hash, revocable at once."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, bindparam, insert, select, update
from sqlalchemy.orm import Session

from cms.errors import BadInput, NotFound
from cms.models import ApiToken, Partner, Role, utcnow
from cms.services import permissions
from cms.services.permissions import Action
from cms.services.scope import Scope

_token = ApiToken.__table__  # type: ignore[attr-defined]
_partner = Partner.__table__  # type: ignore[attr-defined]
PREFIX = "cms_"
# last_used_at is a convenience, not an audit log: write it at most this often.
TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class Caller:
    """Who is asking. Public callers have no token."""

    token_id: int | None = None
    name: str = ""
    role: Role | None = None
    partner: Scope | None = None  # for partner tokens: what the partner may take

    @property
    def scope_sections(self) -> tuple[int, ...] | None:
        """The only sections this caller may read (a partner's), or None for all."""
        if self.partner is None or self.partner.section_ids is None:
            return None
        return tuple(sorted(self.partner.section_ids))

    @property
    def rate_key(self) -> str | None:
        """What the rate limiter counts this caller's requests under: the partner (all its
        tokens together), else the token; None for public callers, who count by address."""
        if self.partner is not None and self.partner.partner_id is not None:
            return f"partner:{self.partner.partner_id}"
        if self.token_id is not None:
            return f"token:{self.token_id}"
        return None

    @property
    def is_public(self) -> bool:
        """Sees only what the public sees (partners included: published content only)."""
        return self.role in (None, Role.PARTNER, Role.METRICS)

    @property
    def is_editor(self) -> bool:
        return self.role in (Role.EDITOR, Role.ADMIN)

    @property
    def sees_all_drafts(self) -> bool:
        return permissions.allowed(self.role, Action.ARTICLE_READ_DRAFT)

    @property
    def draft_owner(self) -> str | None:
        """Whose unpublished articles this caller may read besides what the public sees:
        None for everyone's (editors) or nobody's (public, partners); else their own name."""
        if self.is_public or self.sees_all_drafts:
            return None
        return self.name

    def owns(self, creator_name: str | None) -> bool:
        """Whether an article created by a token named ``creator_name`` is this caller's."""
        return self.token_id is not None and creator_name is not None and creator_name == self.name

    def may(self, action: Action, *, own: bool = False, state: str | None = None) -> bool:
        return permissions.allowed(self.role, action, own=own, state=state)

    def require(self, action: Action, *, own: bool = False, state: str | None = None) -> None:
        """UNAUTHENTICATED without a token, FORBIDDEN where the permission table says no."""
        permissions.require(self.role, action, own=own, state=state)


PUBLIC = Caller()


def hash_token(token: str) -> str:
    # The token has 256 bits of entropy, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def create(
    session: Session,
    *,
    name: str,
    role: str,
    expires_at: datetime | None = None,
    partner_id: int | None = None,
) -> tuple[int, str]:
    """A new token; returns its id and the token itself, which is never stored. Partner tokens
    belong to one partner (its sections, licence terms and rate limit apply to them)."""
    try:
        parsed = Role(role)
    except ValueError:
        raise BadInput(f"unknown role {role!r}: choose one of {', '.join(r.value for r in Role)}") from None
    if not name.strip():
        raise BadInput("a token needs a name, to recognise it later")
    if parsed is Role.PARTNER and partner_id is None:
        raise BadInput("a partner token belongs to a partner: give --partner (see `cms partner list`)")
    if parsed is not Role.PARTNER and partner_id is not None:
        raise BadInput("only partner tokens belong to a partner")
    if (
        partner_id is not None
        and session.execute(select(_partner.c.id).where(_partner.c.id == partner_id)).first() is None
    ):
        raise NotFound(f"no partner has the id {partner_id}")
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
                "partner_id": partner_id,
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


def name_of(conn: Connection, token_id: int) -> str | None:
    """The name of a token (revoked ones included: authorship survives revocation)."""
    name: str | None = conn.execute(select(_token.c.name).where(_token.c.id == token_id)).scalar()
    return name


def touch(session: Session, *, token_id: int, now: datetime) -> None:
    session.execute(
        update(_token)
        .where(_token.c.id == token_id)
        .where((_token.c.last_used_at.is_(None)) | (_token.c.last_used_at < now - TOUCH_INTERVAL))
        .values(last_used_at=now)
    )
