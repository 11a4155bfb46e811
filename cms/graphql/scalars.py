"""The DateTime scalar: ISO 8601 with an offset, in and out.

Strawberry's own parses with dateutil and reports a bad literal as a validation error
carrying the parser's message. Here any bad value, literal or variable, is
BAD_USER_INPUT saying which form is expected; a time without an offset is refused
rather than guessed at, and every value is handed to resolvers in UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import strawberry
from graphql import GraphQLError
from strawberry.file_uploads import Upload
from strawberry.types.scalar import ScalarDefinition

EXAMPLE = "2026-05-01T09:00:00Z"
_ISO = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:[Zz]|[+-]\d{2}:?\d{2})",
    re.ASCII,
)


def _refuse(value: object, why: str) -> GraphQLError:
    shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
    return GraphQLError(
        f"{shown} is not a DateTime: {why}. Expected ISO 8601 with a UTC offset, such as {EXAMPLE}.",
        extensions={"code": "BAD_USER_INPUT"},
    )


def parse_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise _refuse(value, "it is not a string")
    if not _ISO.fullmatch(value):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}[Tt ][\d:.]+", value, re.ASCII):
            raise _refuse(value, "it has no offset (add Z for UTC)")
        raise _refuse(value, "it is not in ISO 8601 form")
    try:
        parsed = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        return parsed.astimezone(UTC)
    except ValueError:
        raise _refuse(value, "no such date or time") from None
    except OverflowError:
        raise _refuse(value, "it is outside the range of dates in UTC") from None


def serialize_datetime(value: datetime) -> str:
    return value.isoformat()


DateTime = strawberry.scalar(
    name="DateTime",
    description=f"A date and time in ISO 8601 with a UTC offset, such as {EXAMPLE}.",
    serialize=serialize_datetime,
    parse_value=parse_datetime,
)

# Strawberry's own Upload scalar, with a description that says how to send one.
UploadScalar = strawberry.scalar(
    name="Upload",
    description="A file sent as multipart/form-data by the GraphQL multipart request spec (parts "
    "`operations`, `map`, then the files).",
    serialize=lambda value: value,
    parse_value=lambda value: value,
)

SCALAR_MAP: dict[object, ScalarDefinition] = {datetime: DateTime, Upload: UploadScalar}
