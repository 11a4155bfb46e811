"""Errors as clients see them: every one with ``extensions.code``, none with a secret.

Codes are attached where errors are raised (rules.py, operations.py, scalars.py, the
services' UserError classes); this only reads them. An error that arrives without
one is a bug by definition: it is logged with its traceback and reaches the client
only as INTERNAL_SERVER_ERROR.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from graphql import GraphQLError

from cms.errors import RateLimited, UserError

log = logging.getLogger("cms.graphql")
INTERNAL = "INTERNAL_SERVER_ERROR"


def error_code(error: GraphQLError) -> str:
    original = error.original_error
    if isinstance(original, UserError):
        return original.code
    code = (error.extensions or {}).get("code")
    if isinstance(code, str):
        return code
    return INTERNAL


def format_error(error: GraphQLError) -> dict[str, Any]:
    code = error_code(error)
    if code == INTERNAL:
        log.error("unexpected error in %s", error.path, exc_info=error.original_error or error)
        formatted: dict[str, Any] = {"message": "Internal server error", "extensions": {"code": code}}
        if error.path is not None:
            formatted["path"] = error.path
        return formatted
    formatted = dict(error.formatted)
    extensions = dict(formatted.get("extensions") or {})
    extensions["code"] = code
    original = error.original_error
    if isinstance(original, UserError) and original.field:
        extensions["field"] = original.field
    if isinstance(original, RateLimited):
        extensions["retryAfter"] = original.retry_after
    formatted["extensions"] = extensions
    return formatted


def cost_extension(requested: int, limit: int) -> dict[str, Any]:
    return {"cost": {"requested": requested, "limit": limit}}


def error_body(message: str, code: str, *, cost_limit: int, data: bool = False, **extra: Any) -> bytes:
    """A response that carries one error and nothing was run: cost 0 of the caller's limit."""
    body: dict[str, Any] = {"data": None} if data else {}
    body["errors"] = [{"message": message, "extensions": {"code": code, **extra}}]
    body["extensions"] = cost_extension(0, cost_limit)
    return orjson.dumps(body)
