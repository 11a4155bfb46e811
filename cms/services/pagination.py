"""Keyset pagination: cursors that stay cheap on page 500 and survive inserts.

A cursor is opaque to clients: base64 of a JSON list ``[order, sort_value, id]``.
It names its ordering, so a cursor from one ordering cannot be replayed against
another and silently return the wrong page.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from cms.errors import BadInput


@dataclass(frozen=True)
class Page:
    """What a client asked for, checked: ``limit`` rows ``forward`` from ``cursor`` (or backward)."""

    limit: int
    forward: bool
    cursor: str | None = None
    # first and last together: take ``first``, then the last ``trim_last`` of those (Relay spec).
    trim_last: int | None = None


def encode_cursor(*parts: Any) -> str:
    raw = json.dumps(parts, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, argument: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        parts = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadInput(f"`{argument}` is not a valid cursor", field=argument) from None
    if not isinstance(parts, list) or not parts:
        raise BadInput(f"`{argument}` is not a valid cursor", field=argument)
    return parts


def page_request(
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    default_size: int,
    max_size: int,
) -> Page:
    """Check Relay arguments."""
    for name, value in (("first", first), ("last", last)):
        if value is not None and value < 0:
            raise BadInput(f"`{name}` cannot be negative", field=name)
        if value is not None and value > max_size:
            raise BadInput(f"`{name}` is {value}, more than the maximum page size of {max_size}", field=name)
    if after is not None and before is not None:
        raise BadInput("give `after` or `before`, not both", field="before")
    if last is not None and first is None:
        if after is not None:
            raise BadInput("`after` pages forwards: use it with `first`", field="after")
        return Page(limit=last, forward=False, cursor=before)
    if before is not None and first is None:
        return Page(limit=default_size, forward=False, cursor=before)
    size = default_size if first is None else first
    if before is not None:
        raise BadInput("`before` pages backwards: use it with `last`", field="before")
    return Page(limit=size, forward=True, cursor=after, trim_last=last)
