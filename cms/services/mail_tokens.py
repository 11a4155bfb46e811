"""The tokens in mail links: signed with the secret key, bound to the subscriber's address.

``c.<subscriber>.<expires>.<signature>`` confirms a sign-up until it expires (the same days after
which unconfirmed sign-ups are deleted). ``u.<subscriber>.<lists>.<signature>`` unsubscribes from
the lists named (``all``, or list ids joined by ``-``) and does not expire: it sits in every mail
a reader may keep for years. The signature also covers the address, so a token never works for
another person, even one who later gets the same subscriber id (SQLite may reuse a deleted id).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cms.errors import Invalid

_TOKEN = re.compile(
    r"^(c|u)\.([1-9][0-9]{0,11})\.(all|[1-9][0-9]{0,11}(?:-[1-9][0-9]{0,11}){0,49})\.([A-Za-z0-9_-]{22})$"
)


@dataclass(frozen=True)
class MailToken:
    purpose: str  # "c" (confirm) or "u" (unsubscribe)
    subscriber_id: int
    detail: str  # the expiry (confirm) or the lists (unsubscribe)
    signature: str

    @property
    def list_ids(self) -> list[int] | None:
        """The lists an unsubscribe token names; None for every list."""
        return None if self.detail == "all" else [int(x) for x in self.detail.split("-")]

    def expired(self, now: datetime) -> bool:
        return self.purpose == "c" and int(self.detail) <= now.timestamp()


def _sign(secret: str, purpose: str, subscriber_id: int, detail: str, address_key: str) -> str:
    message = f"mail:{purpose}:{subscriber_id}:{detail}:{address_key}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def confirm_token(secret: str, *, subscriber_id: int, address_key: str, now: datetime, days: int) -> str:
    expires = str(int((now + timedelta(days=days)).timestamp()))
    return f"c.{subscriber_id}.{expires}.{_sign(secret, 'c', subscriber_id, expires, address_key)}"


def unsubscribe_token(
    secret: str, *, subscriber_id: int, address_key: str, list_ids: Sequence[int] | None = None
) -> str:
    detail = "all" if not list_ids else "-".join(str(i) for i in sorted(set(list_ids)))
    return f"u.{subscriber_id}.{detail}.{_sign(secret, 'u', subscriber_id, detail, address_key)}"


def refused() -> Invalid:
    return Invalid("the link is invalid or has expired; sign up again to get a new one", field="token")


def parse(token: str, purpose: str) -> MailToken:
    """The token's parts, before its signature is checked (which needs the subscriber's address)."""
    match = _TOKEN.match(token.strip()) if isinstance(token, str) and len(token) < 800 else None
    if match is None or match.group(1) != purpose:
        raise refused()
    kind, subscriber, detail, signature = match.groups()
    if kind == "c" and detail == "all":
        raise refused()
    return MailToken(kind, int(subscriber), detail, signature)


def verify(secret: str, token: MailToken, *, address_key: str, now: datetime) -> None:
    """Constant-time signature check, then the expiry; INVALID either way, saying nothing more."""
    expected = _sign(secret, token.purpose, token.subscriber_id, token.detail, address_key)
    if not hmac.compare_digest(expected, token.signature) or token.expired(now):
        raise refused()
