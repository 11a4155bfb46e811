"""HMAC-signed rendition URLs, so strangers cannot make the server render arbitrary sizes.

A URL is ``/media/r/<signature>/<source>/<spec>.<ext>``; the signature covers
``<source>/<spec>.<ext>``, which is everything that decides the rendition's pixels
(the original's hash, size, fit, focal point, format, quality).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

PREFIX = "/media/r/"
_SIGNATURE_BYTES = 16  # 128 bits: forging one is out of reach, and URLs stay short


def signature(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()[:_SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def verify(secret: str, payload: str, candidate: str) -> bool:
    # compare_digest takes the same time wherever the strings differ, so a
    # client cannot find a valid signature byte by byte by timing refusals.
    return hmac.compare_digest(signature(secret, payload).encode(), candidate.encode())


def signed_path(secret: str, source: str, name: str) -> str:
    payload = f"{source}/{name}"
    return f"{PREFIX}{signature(secret, payload)}/{payload}"
