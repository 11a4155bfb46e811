"""The domain's exceptions, one small tree:

    CMSError
    ├── ConfigError          bad settings; raised at start-up, never to a client
    └── UserError            the caller asked for something wrong; carries a stable ``code``
        ├── BadInput         BAD_USER_INPUT: malformed argument, cursor, page size, search query
        ├── NotFound         NOT_FOUND
        └── Forbidden        FORBIDDEN

Anything else that escapes a resolver is a bug: the API masks it as INTERNAL_SERVER_ERROR
and logs it server-side.
"""

from __future__ import annotations


class CMSError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(CMSError):
    pass


class UserError(CMSError):
    code = "BAD_USER_INPUT"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class BadInput(UserError):
    code = "BAD_USER_INPUT"


class NotFound(UserError):
    code = "NOT_FOUND"


class Forbidden(UserError):
    code = "FORBIDDEN"
