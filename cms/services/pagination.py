"""Keyset pagination: cursors that stay cheap on page 500 and survive inserts.

A cursor is opaque to clients: base64 of a JSON list ``[order, sort_value, id]``.
It names its ordering, so a cursor from one ordering cannot be replayed against
another and silently return the wrong page.

Cursors come back from clients, so they are decoded strictly and boundedly: a length
limit before any decoding, then exactly a flat JSON list of strings, integers in the
32-bit range and nulls (checked by a pattern before the JSON parser sees it, so no
nesting ever reaches it). Anything else is BAD_USER_INPUT, never a crash.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cms.errors import BadInput

#: Largest integer a cursor may carry: ids and offsets are 32-bit INTEGER columns.
MAX_INT = 2**31 - 1
# The longest sort value is a title (a few hundred characters, \u-escaped at worst).
MAX_CURSOR_LENGTH = 4096
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}", re.ASCII)
_VALUE = r'(?:"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"|-?(?:0|[1-9][0-9]{0,9})|null)'
_FLAT_LIST = re.compile(rf"\[(?:{_VALUE}(?:,{_VALUE})*)?\]", re.ASCII)


@dataclass(frozen=True)
class Page:
    """What a client asked for, checked: ``limit`` rows ``forward`` from ``cursor`` (or backward)."""

    limit: int
    forward: bool
    cursor: str | None = None


def encode_cursor(*parts: Any) -> str:
    raw = json.dumps(parts, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, argument: str) -> list[Any]:
    """The cursor's parts: a non-empty flat list of str, int (within MAX_INT) and None."""
    refused = BadInput(f"`{argument}` is not a valid cursor", field=argument)
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH or not _BASE64URL.fullmatch(cursor):
        raise refused
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        raise refused from None
    if not _FLAT_LIST.fullmatch(raw):
        raise refused
    try:
        parts = json.loads(raw)
    except ValueError:  # e.g. a \ud800 escape that the pattern lets through
        raise refused from None
    if not parts or any(type(p) is int and not -MAX_INT <= p <= MAX_INT for p in parts):
        raise refused
    if any(isinstance(p, str) and ("\x00" in p or _lone_surrogate(p)) for p in parts):
        raise refused
    return list(parts)


def decode_row_cursor(cursor: str, kind: str, *, argument: str, what: str) -> int:
    """The row id in a ``(kind, id)`` cursor; any other cursor is BAD_USER_INPUT naming ``what``."""
    parts = decode_cursor(cursor, argument=argument)
    if len(parts) != 2 or parts[0] != kind or type(parts[1]) is not int or not 0 < parts[1] < 2**31:
        raise BadInput(f"`{argument}` is not a cursor of {what}", field=argument)
    return int(parts[1])


def _lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def cursor_datetime(value: Any, *, argument: str) -> datetime:
    """A sort value that must be an ISO 8601 time with an offset, in UTC."""
    refused = BadInput(f"`{argument}` is not a valid cursor", field=argument)
    if not isinstance(value, str) or len(value) > 40:
        raise refused
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise refused
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise refused from None


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
    if first is not None and last is not None:
        # Relay allows both ("the last n of the first m"), but no client means it on
        # purpose: it is nearly always a bug in how arguments were built.
        raise BadInput("give `first` or `last`, not both", field="last")
    if after is not None and before is not None:
        raise BadInput("give `after` or `before`, not both", field="before")
    if last is not None:
        if after is not None:
            raise BadInput("`after` pages forwards: use it with `first`", field="after")
        return Page(limit=last, forward=False, cursor=before)
    if before is not None:
        if first is not None:
            raise BadInput("`before` pages backwards: use it with `last`", field="before")
        return Page(limit=default_size, forward=False, cursor=before)
    return Page(limit=default_size if first is None else first, forward=True, cursor=after)


def contains_pattern(search: str) -> str:
    """A LIKE pattern (escape character: backslash) for "contains ``search``", lower-cased."""
    escaped = search.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
