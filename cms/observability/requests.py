"""The request being served, wherever its work runs.

The middleware opens a ``Served`` for each HTTP request and puts it in a context variable. The
execution pool runs operations in a copy of the request's context (cms/graphql/workers.py), so
code on a pool thread (resolvers, error formatting, SQL listeners, log records) finds the same
object: error bodies carry its id, the SQL listener counts into it, the GraphQL runner names
its operation in it.
"""

from __future__ import annotations

import random
import re
from contextvars import ContextVar
from dataclasses import dataclass

#: An incoming X-Request-ID is kept when it looks like an id (a proxy's, a client's); anything
#: else (too long, spaces, quotes, control characters) is replaced, since the id is written
#: into headers, JSON bodies and log lines.
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+=/-]{0,127}")


@dataclass
class Served:
    request_id: str
    route: str = ""  # the route's path template, e.g. /graphql, /media/{signature}/...
    operation: str | None = None  # GraphQL: the operation's name, "" when it has none
    graphql: bool = False  # the request reached the GraphQL runner or the response cache
    statements: int = 0  # SQL statements sent to the database while serving it


_current: ContextVar[Served | None] = ContextVar("cms_served_request", default=None)


def request_id_from(header: str | None) -> str:
    """The incoming id when it is well formed, else a new one."""
    if header is not None and _WELL_FORMED.fullmatch(header):
        return header
    # 128 bits, as a UUID has. An id is a label, not a secret: a fast PRNG will do (uuid4()
    # reads the kernel's random source, a system call on every request).
    return f"{random.getrandbits(128):032x}"


def current() -> Served | None:
    return _current.get()


def request_id() -> str | None:
    """The id of the request being served here, if any (None in CLI commands and the worker)."""
    served = _current.get()
    return served.request_id if served is not None else None


def note_operation(name: str | None) -> None:
    """The GraphQL operation this request runs: its name, or None for an anonymous one.

    The runner calls it once it has found the operation; a response cache that answers
    without running it calls it too, so hits are counted under their operation."""
    served = _current.get()
    if served is not None:
        served.graphql = True
        served.operation = name or ""


def enter(served: Served) -> object:
    return _current.set(served)


def leave(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]
