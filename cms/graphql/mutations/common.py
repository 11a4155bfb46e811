"""What every mutation shares: the userErrors type, payload helpers, the write wrapper."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import strawberry

from cms.errors import Forbidden, Refused, Unauthenticated, UserError
from cms.graphql.context import Context

T = TypeVar("T")


@strawberry.type(name="UserError", description="A problem with one input field; nothing was written.")
class FieldError:
    field: str | None = strawberry.field(description="The input field at fault (camelCase), if one is.")
    message: str = strawberry.field(description="What is wrong and how to put it right, for a person.")
    code: str = strawberry.field(
        description="Stable code: INVALID, NOT_FOUND, CONFLICT, DUPLICATE, UNSUPPORTED_MEDIA, "
        "LICENSE_FORBIDS."
    )
    current_version: int | None = strawberry.field(
        default=None, description="With CONFLICT: the version now saved, to reload from."
    )


@strawberry.type(description="The result of a delete: the ID that is gone, or why nothing was deleted.")
class DeletePayload:
    deleted_id: strawberry.ID | None = strawberry.field(description="The global ID deleted; null if refused.")
    user_errors: list[FieldError] = strawberry.field(description="Why nothing was deleted, if so.")


def given(data: Any) -> dict[str, Any]:
    """The input fields the caller sent (null included), leaving out those not sent."""
    return {k: v for k, v in vars(data).items() if v is not strawberry.UNSET}


def problems(exc: UserError) -> list[FieldError]:
    if isinstance(exc, Refused):
        return [
            FieldError(field=p.field, message=p.message, code=p.code, current_version=p.current_version)
            for p in exc.problems
        ]
    return [FieldError(field=exc.field, message=exc.message, code=exc.code)]


def write(ctx: Context, work: Callable[[Any], T]) -> tuple[T | None, list[FieldError]]:
    """Run a write in its own transaction; refusals become userErrors, auth failures errors."""
    try:
        with ctx.app.db.write() as session:
            result = work(session)
    except (Unauthenticated, Forbidden):
        raise
    except UserError as exc:
        return None, problems(exc)
    ctx.after_write()
    if ctx.app.cache is not None:
        ctx.app.cache.after_write()  # cached answers showing what changed go before the writer hears back
    if ctx.app.worker is not None:
        ctx.app.worker.nudge()  # events it queued go out now, not at the next poll
    return result, []
