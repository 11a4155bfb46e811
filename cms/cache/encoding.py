"""Content coding: br or gzip for clients that accept them, for answers worth compressing."""

from __future__ import annotations

import functools
import gzip

import brotli

CODINGS = ("br", "gzip")  # in order of preference on a tie


@functools.lru_cache(maxsize=256)
def negotiate(accept_encoding: str) -> str | None:
    """The coding to answer with (br before gzip), or None for identity."""
    weights: dict[str, float] = {}
    for part in accept_encoding.lower().split(","):
        name, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if name:
            weights[name] = q
    best, best_q = None, 0.0
    for coding in CODINGS:
        q = weights.get(coding, weights.get("*", 0.0))
        if q > best_q:
            best, best_q = coding, q
    return best


def compress(body: bytes, coding: str, *, stored: bool = False) -> bytes:
    """``stored``: the result is kept and served many times, so spend more effort on it."""
    if coding == "br":
        return bytes(brotli.compress(body, quality=9 if stored else 4))
    return gzip.compress(body, compresslevel=9 if stored else 6, mtime=0)
