"""GraphQL over HTTP, following the spec including the SHOULDs a stock server misses.

- A client that accepts ``application/graphql-response+json`` gets that media
  type, and a request that fails before execution (parse, validation, variable
  coercion, limits) gets 400 with no ``data``. Clients asking only for
  ``application/json`` keep the classic behaviour: 200 with ``data: null``.
- Every error carries ``extensions.code``. Unexpected exceptions are logged
  with their traceback and reach the client only as INTERNAL_SERVER_ERROR.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import strawberry
from graphql import GraphQLError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from cms.errors import Unauthenticated, UserError
from cms.graphql import uploads
from cms.graphql.context import AppState, Context
from cms.graphql.operations import MutationNotAllowed, OperationRunner
from cms.models import Role, utcnow
from cms.services import partners, tokens
from cms.services.tokens import PUBLIC, Caller

log = logging.getLogger("cms.graphql")

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
_TOO_COMPLEX = re.compile(
    r"exceeds maximum operation depth|aliases found|Document contains more than \d+ tokens"
)


def _error(message: str, code: str, status: int, media_type: str = JSON, *, data: bool = False) -> Response:
    body: dict[str, Any] = {"data": None} if data else {}
    body["errors"] = [{"message": message, "extensions": {"code": code}}]
    return Response(orjson.dumps(body), status_code=status, media_type=media_type)


def _accepts(request: Request) -> str | None:
    """The media type to answer with, or None when the client accepts neither."""
    accept = request.headers.get("accept", "")
    if not accept.strip():
        return JSON
    offered: list[tuple[float, str]] = []
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        offered.append((q, media.lower()))
    best: tuple[float, str] | None = None
    for q, media in offered:
        if q <= 0:
            continue
        if media == GRAPHQL_RESPONSE:
            candidate = (q + 0.001, GRAPHQL_RESPONSE)  # preferred on a tie
        elif media in {JSON, "application/*", "*/*"}:
            candidate = (q, JSON)
        else:
            continue
        if best is None or candidate[0] > best[0]:
            best = candidate
    return best[1] if best else None


def error_code(error: GraphQLError) -> str:
    original = error.original_error
    if isinstance(original, UserError):
        return original.code
    if original is not None and not isinstance(original, GraphQLError):
        return "INTERNAL_SERVER_ERROR"
    message = error.message
    if _TOO_COMPLEX.search(message):
        return "QUERY_TOO_COMPLEX"
    if message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    if message.startswith("Variable '$") or message.startswith("Unknown operation named"):
        return "BAD_USER_INPUT"
    if error.path is not None:
        return "INTERNAL_SERVER_ERROR"
    return "GRAPHQL_VALIDATION_FAILED"


def format_error(error: GraphQLError) -> dict[str, Any]:
    code = error_code(error)
    if code == "INTERNAL_SERVER_ERROR":
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
    formatted["extensions"] = extensions
    return formatted


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class GraphQLEndpoint:
    """The /graphql route: GET (cacheable queries, GraphiQL in a browser) and POST."""

    def __init__(
        self,
        schema: strawberry.Schema,
        state: AppState,
        ide: Callable[[Request], Awaitable[Response]] | None = None,
    ) -> None:
        self.runner = OperationRunner(schema, state.settings)
        self.state = state
        self.ide = ide  # the page a browser gets for a bare GET (GraphiQL, from cms.web)

    async def handle(self, request: Request) -> Response:
        if request.method not in {"GET", "POST"}:
            response = _error("GraphQL is served over GET and POST only", "METHOD_NOT_ALLOWED", 405)
            response.headers["Allow"] = "GET, POST"
            return response
        browsing = "text/html" in request.headers.get("accept", "")
        if request.method == "GET" and "query" not in request.query_params and browsing and self.ide:
            return await self.ide(request)
        media_type = _accepts(request)
        if media_type is None:
            return _error(f"this endpoint answers {GRAPHQL_RESPONSE} or {JSON}", "NOT_ACCEPTABLE", 406)
        try:
            params = await self._params(request, media_type)
            if isinstance(params, Response):
                return params
            return await self._execute(request, params, media_type)
        finally:
            form = getattr(request.state, "upload_form", None)
            if form is not None:
                await form.close()  # spooled upload files are temporary files: leave none behind

    async def _params(self, request: Request, media_type: str) -> dict[str, Any] | Response:
        if request.method == "GET":
            params: dict[str, Any] = dict(request.query_params)
            for key in ("variables", "extensions"):
                if params.get(key):
                    try:
                        params[key] = orjson.loads(params[key])
                    except orjson.JSONDecodeError:
                        return _error(f"`{key}` is not valid JSON", "BAD_REQUEST", 400, media_type)
                else:
                    params.pop(key, None)
        else:
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type == "multipart/form-data":
                return await self._multipart(request, media_type)
            if content_type not in {JSON, GRAPHQL_RESPONSE}:
                return _error(
                    "send GraphQL requests as application/json", "UNSUPPORTED_MEDIA_TYPE", 415, media_type
                )
            body = await self._read_body(request)
            if body is None:
                limit = self.state.settings.max_body_bytes
                return _error(
                    f"request body is larger than {limit} bytes", "PAYLOAD_TOO_LARGE", 413, media_type
                )
            try:
                params = orjson.loads(body)
            except orjson.JSONDecodeError:
                return _error("request body is not valid JSON", "BAD_REQUEST", 400, media_type)
            if isinstance(params, list):
                return _error("batched requests are not supported", "BAD_REQUEST", 400, media_type)
            if not isinstance(params, dict):
                return _error("request body must be a JSON object", "BAD_REQUEST", 400, media_type)
        return self._checked(params, media_type)

    def _checked(self, params: dict[str, Any], media_type: str) -> dict[str, Any] | Response:
        for key, kind in (("query", str), ("operationName", str), ("variables", dict), ("extensions", dict)):
            if params.get(key) is not None and not isinstance(params[key], kind):
                expected = "a string" if kind is str else "an object"
                return _error(f"`{key}` must be {expected}", "BAD_REQUEST", 400, media_type)
        if not params.get("query"):
            return _error("no GraphQL query found in the request", "BAD_REQUEST", 400, media_type)
        if _has_nul(params.get("query")) or _has_nul(params.get("variables")):
            # No database stores NUL in text (PostgreSQL refuses it outright), and no
            # slug, title or search needs one.
            # Answered like any variable that fails coercion.
            legacy = media_type != GRAPHQL_RESPONSE
            status = 200 if legacy else 400
            return _error("NUL characters are not allowed", "BAD_USER_INPUT", status, media_type, data=legacy)
        return params

    async def _multipart(self, request: Request, media_type: str) -> dict[str, Any] | Response:
        try:
            params, form = await uploads.read(request, max_bytes=self.state.settings.max_upload_bytes)
        except uploads.TooLarge as exc:
            return _error(str(exc), "PAYLOAD_TOO_LARGE", 413, media_type)
        except Unauthenticated as exc:
            return _error(exc.message, exc.code, 401, media_type)
        except UserError as exc:
            return _error(exc.message, exc.code, 400, media_type)
        request.state.upload_form = form  # closed once the operation has run
        return self._checked(params, media_type)

    def _caller(self, request: Request, context: Context) -> Caller:
        """Who sends the request. A token that is sent must be valid: a mistyped or
        revoked one is refused rather than silently treated as public."""
        header = request.headers.get("authorization")
        if not header:
            return PUBLIC
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("send the token as Authorization: Bearer <token>")
        row = tokens.authenticate(context.conn, token.strip(), now=context.now)
        if row is None:
            raise Unauthenticated("the token is unknown, expired or revoked")
        if row.last_used_at is None or row.last_used_at < context.now - tokens.TOUCH_INTERVAL:
            with self.state.db.write() as session:
                tokens.touch(session, token_id=row.id, now=context.now)
        role = Role(row.role)
        partner = partners.scope_of(context.conn, row.partner_id) if role is Role.PARTNER else None
        return Caller(token_id=row.id, name=row.name, role=role, partner=partner)

    async def _read_body(self, request: Request) -> bytes | None:
        """The body, or None once it passes the limit (counted as it streams, not trusted from headers)."""
        limit = self.state.settings.max_body_bytes
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            return None
        chunks, size = [], 0
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    return None
                chunks.append(chunk)
        except ClientDisconnect:
            return b""
        return b"".join(chunks)

    async def _execute(self, request: Request, params: dict[str, Any], media_type: str) -> Response:
        context = Context(app=self.state, now=utcnow(), request=request)
        try:
            context.caller = self._caller(request, context)
        except Unauthenticated as exc:
            context.close()
            response = _error(exc.message, exc.code, 401, media_type)
            response.headers["WWW-Authenticate"] = 'Bearer realm="cms"'
            return response
        try:
            result = await self.runner.run(
                params["query"],
                variables=params.get("variables"),
                operation_name=params.get("operationName"),
                context=context,
                allow_mutations=request.method == "POST",
            )
        except MutationNotAllowed as exc:
            response = _error(exc.message, exc.code, 405, media_type)
            response.headers["Allow"] = "POST"
            return response
        except UserError as exc:
            return _error(exc.message, exc.code, 400, media_type)
        finally:
            context.close()
        body: dict[str, Any] = {}
        status = 200
        errors = result.errors or []
        request_error = result.data is None and bool(errors) and all(e.path is None for e in errors)
        if request_error and media_type == GRAPHQL_RESPONSE:
            status = 400
        else:
            body["data"] = result.data
        if errors:
            body["errors"] = [format_error(e) for e in errors]
        return Response(orjson.dumps(body), status_code=status, media_type=media_type)
