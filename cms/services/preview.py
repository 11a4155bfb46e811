"""Preview links: a signed, expiring token that shows one article's latest draft to whoever
holds it, so a frontend can render a draft without an editor's token.

The token names the article's preview generation: trashing or deleting the article, or an
editor revoking its links, bumps the generation, and every link handed out stops working at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime, timedelta

from cms.errors import BadInput, Forbidden

MAX_TTL = timedelta(days=30)
# article id . generation . expiry (unix seconds) . signature; bounded before anything is parsed.
_TOKEN = re.compile(r"^([1-9][0-9]{0,9})\.([1-9][0-9]{0,9})\.([1-9][0-9]{0,11})\.([A-Za-z0-9_-]{43})$")


def _signature(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), f"preview:{payload}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def make(
    secret: str, *, article_id: int, generation: int, now: datetime, ttl_seconds: int
) -> tuple[str, datetime]:
    if not 0 < ttl_seconds <= MAX_TTL.total_seconds():
        raise BadInput(
            f"`ttlSeconds` must be between 1 and {int(MAX_TTL.total_seconds())}", field="ttlSeconds"
        )
    expires = now + timedelta(seconds=ttl_seconds)
    payload = f"{article_id}.{generation}.{int(expires.timestamp())}"
    return f"{payload}.{_signature(secret, payload)}", expires


def refused() -> Forbidden:
    return Forbidden("the preview link is invalid, revoked or expired", field="previewToken")


def check(secret: str, token: str, *, now: datetime) -> tuple[int, int]:
    """The article id and preview generation the token opens, or FORBIDDEN.

    The caller must still compare the generation with the article's current one. The signature
    is compared in constant time.
    """
    match = _TOKEN.match(token)
    if match is None:
        raise refused()
    article, generation, expires, signature = match.groups()
    if not hmac.compare_digest(signature, _signature(secret, f"{article}.{generation}.{expires}")):
        raise refused()
    if int(expires) <= now.timestamp():
        raise refused()
    return int(article), int(generation)
