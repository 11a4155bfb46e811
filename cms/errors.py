"""The domain's exceptions, one small tree:

    CMSError
    ├── ConfigError          bad settings; raised at start-up, never to a client
    ├── StorageUnavailable   the media store cannot be reached or used (readiness, `cms media`)
    └── UserError            the caller asked for something wrong; carries a stable ``code``
        ├── BadInput         BAD_USER_INPUT: malformed argument, cursor, page size, search query
        ├── Invalid          INVALID: a value breaks a rule (an incomplete credit, an unknown licence)
        ├── NotFound         NOT_FOUND
        ├── Unauthenticated  UNAUTHENTICATED: no token, or one unknown, expired or revoked
        ├── Forbidden        FORBIDDEN: a valid token whose role may not do this
        ├── Refused          a write that changed nothing, with one problem per input field
        ├── UnsupportedMedia UNSUPPORTED_MEDIA: not an image we accept, or an unsafe one
        ├── LicenseForbids   LICENSE_FORBIDS: the image's licence does not allow what was asked
        └── RateLimited      RATE_LIMITED: too many of one action in its window (``subscribe``)

Anything else that escapes a resolver is a bug: the API masks it as INTERNAL_SERVER_ERROR
and logs it server-side.
"""

from __future__ import annotations


class CMSError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(CMSError):
    pass


class StorageUnavailable(CMSError):
    """The media store (a folder or an S3 bucket) is missing, unreachable or refuses us."""


class UserError(CMSError):
    code = "BAD_USER_INPUT"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class BadInput(UserError):
    code = "BAD_USER_INPUT"


class Invalid(UserError):
    code = "INVALID"


class NotFound(UserError):
    code = "NOT_FOUND"


class Forbidden(UserError):
    code = "FORBIDDEN"


class UnsupportedMedia(UserError):
    code = "UNSUPPORTED_MEDIA"


class LicenseForbids(UserError):
    code = "LICENSE_FORBIDS"


class RateLimited(UserError):
    """Refused for now; ``retry_after`` says in how many seconds to ask again."""

    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after


class Unauthenticated(UserError):
    code = "UNAUTHENTICATED"


class Problem:
    """One problem with one input field, as a mutation's userErrors report it."""

    __slots__ = ("code", "current_version", "field", "message")

    def __init__(
        self, field: str | None, message: str, code: str, *, current_version: int | None = None
    ) -> None:
        self.field = field
        self.message = message
        self.code = code  # INVALID, NOT_FOUND, CONFLICT, DUPLICATE ...
        self.current_version = current_version


class Refused(UserError):
    """A write refused before it changed anything; mutations report its problems as userErrors."""

    code = "INVALID"

    def __init__(self, *problems: Problem) -> None:
        super().__init__(
            "; ".join(p.message for p in problems), field=problems[0].field if problems else None
        )
        self.problems = list(problems)
