"""Preview links: a signed, expiring token that shows one draft to whoever holds it,
so a frontend can render a draft without an editor's token."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from cms.errors import BadInput, Forbidden

MAX_TTL = timedelta(days=30)


def _signature(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), f"preview:{payload}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def make(secret: str, *, article_id: int, now: datetime, ttl_seconds: int) -> tuple[str, datetime]:
    if not 0 < ttl_seconds <= MAX_TTL.total_seconds():
        raise BadInput(
            f"`ttlSeconds` must be between 1 and {int(MAX_TTL.total_seconds())}", field="ttlSeconds"
        )
    expires = now + timedelta(seconds=ttl_seconds)
    payload = f"{article_id}.{int(expires.timestamp())}"
    return f"{payload}.{_signature(secret, payload)}", expires


def check(secret: str, token: str, *, now: datetime) -> int:
    """The article id the token opens, or FORBIDDEN; the signature is compared in constant time."""
    refused = Forbidden("the preview link is invalid or has expired", field="previewToken")
    article, _, rest = token.partition(".")
    expires, _, signature = rest.partition(".")
    if not (article.isdigit() and expires.isdigit() and signature):
        raise refused
    if not hmac.compare_digest(signature, _signature(secret, f"{article}.{expires}")):
        raise refused
    if datetime.fromtimestamp(int(expires), UTC) <= now:
        raise refused
    return int(article)
