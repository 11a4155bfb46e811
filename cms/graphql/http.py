"""GraphQL over HTTP, following the spec including the SHOULDs a stock server misses.

- A client that accepts ``application/graphql-response+json`` gets that media
  type, and a request that fails before execution (parse, validation, variable
  coercion, limits) gets 400 with no ``data``. Clients asking only for
  ``application/json`` keep the classic behaviour: 200 with ``data: null``.
- Every error carries ``extensions.code``, every JSON answer ``extensions.cost``,
  and every answer the RateLimit-* headers of its caller.
- An answer with nothing in it but UNAUTHENTICATED errors is 401 with
  WWW-Authenticate, whether the token was missing or wrong.
- The request is admitted (token, rate limit) before its body is read, the body has
  CMS_BODY_TIMEOUT to arrive, and the operation runs on the execution pool, never
  on the event loop.
- Queries of callers without a token, and of partners, are answered from the response
  cache when what they show has not changed (cms.cache); a hit is served on the event
  loop without touching the database. Public GET answers carry Cache-Control, an ETag
  (If-None-Match gets 304) and Surrogate-Key; token holders' answers are private.
- Answers worth it are compressed (br, gzip) for clients that accept it.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import strawberry
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from cms.cache import ResponseCache
from cms.cache.encoding import compress, negotiate
from cms.cache.store import Entry
from cms.errors import Unauthenticated, UserError
from cms.graphql import uploads
from cms.graphql.admission import Admission, Gate
from cms.graphql.context import AppState, Context
from cms.graphql.formatting import cost_extension, error_body, format_error
from cms.graphql.operations import MutationNotAllowed, OperationRunner
from cms.graphql.persisted import PersistedQueries, sha256_of
from cms.graphql.workers import ExecutionPool
from cms.models import Role, utcnow
from cms.observability import metrics
from cms.observability.requests import current, note_operation
from cms.services.tokens import Caller

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
AUTHENTICATE = 'Bearer realm="cms"'
PRIVATE = "private, no-store"
VARY = b"Accept, Accept-Encoding"
#: Longest Surrogate-Key header sent (CDNs cap it near 16 KB); past it, list keys stand for entities.
MAX_SURROGATE_HEADER = 12_000


@dataclass(frozen=True)
class Answer:
    """What running an operation gave, with what the cache and HTTP headers need to know."""

    status: int
    body: bytes
    headers: dict[str, str]
    cacheable: bool = False  # a query that ran cleanly, whose answer may be stored
    keys: frozenset[str] = frozenset()
    seq: int = 0
    valid_until: datetime | None = None


class _Refusal(Exception):
    """An answer given before anything ran; raised to leave the request's reading early."""

    def __init__(
        self,
        message: str,
        code: str,
        status: int,
        *,
        data: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message, self.code, self.status, self.data = message, code, status, data
        self.headers = headers or {}


def _accepts(request: Request) -> str | None:
    """The media type to answer with, or None when the client accepts neither."""
    return media_type_for(request.headers.get("accept", ""))


@functools.lru_cache(maxsize=256)
def media_type_for(accept: str) -> str | None:
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
        pool: ExecutionPool,
        ide: Callable[[Request], Awaitable[Response]] | None = None,
    ) -> None:
        self.runner = OperationRunner(schema, state.settings)
        self.state = state
        self.pool = pool
        self.gate = Gate(state, pool)
        self.ide = ide  # the page a browser gets for a bare GET (GraphiQL, from cms.web)
        self.cache: ResponseCache | None = state.cache
        if state.persisted is None:
            state.persisted = PersistedQueries(state.settings, state.db)
        self.persisted: PersistedQueries = state.persisted
        self._surrogates: dict[str, tuple[Entry, bytes]] = {}  # per cache key: its entry's header

    async def handle(self, request: Request) -> Response:
        admission = await self.gate.admit(request)
        media_type = _accepts(request) or JSON
        try:
            response = await self._respond(request, admission)
        except _Refusal as refusal:
            body = error_body(
                refusal.message,
                refusal.code,
                cost_limit=self.runner.cost_limit(admission.caller),
                data=refusal.data,
            )
            response = Response(
                body, status_code=refusal.status, media_type=media_type, headers=refusal.headers
            )
        finally:
            form = getattr(request.state, "upload_form", None)
            if form is not None:
                await form.close()  # spooled upload files are temporary files: leave none behind
        # Straight onto the raw list: none of these is set yet, and MutableHeaders scans per header.
        extra = admission.decision.headers() if admission.decision is not None else {}
        if not any(name == b"cache-control" for name, _ in response.raw_headers):
            extra["Cache-Control"] = "no-store"  # refusals and errors are never reused
        response.raw_headers.extend(
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in extra.items()
        )
        return response

    async def _respond(self, request: Request, admission: Admission) -> Response:
        if request.method not in {"GET", "POST"}:
            raise _Refusal(
                "GraphQL is served over GET and POST only",
                "METHOD_NOT_ALLOWED",
                405,
                headers={"Allow": "GET, POST"},
            )
        decision = admission.decision
        if decision is not None and not decision.allowed:
            raise _Refusal(
                f"too many requests: the limit is {decision.limit} in {decision.window} s; "
                f"try again in {decision.retry_after} s",
                "RATE_LIMITED",
                429,
            )
        if admission.refusal is not None:
            raise _Refusal(
                admission.refusal.message,
                admission.refusal.code,
                401,
                headers={"WWW-Authenticate": AUTHENTICATE},
            )
        browsing = "text/html" in request.headers.get("accept", "")
        if request.method == "GET" and "query" not in request.query_params and browsing and self.ide:
            return await self.ide(request)
        media_type = _accepts(request)
        if media_type is None:
            raise _Refusal(f"this endpoint answers {GRAPHQL_RESPONSE} or {JSON}", "NOT_ACCEPTABLE", 406)
        params, raw = await self._params(request, media_type)
        caller = admission.caller
        audience = _audience(caller)
        key = None
        if self.cache is not None and audience is not None:
            document = _document_id(params)
            key = self.cache.key(audience, document, params.get("operationName"), params.get("variables"))
            entry = self.cache.store.get(key) if self._may_serve_cached(params, caller) else None
            if entry is not None:
                metrics.cache_hit()
                note_operation(entry.operation)  # counted under its operation, though nothing ran
                if audience == "public" and raw is not None:
                    self.cache.known.learn(request.method, raw, key, document)  # the lane answers it next
                return self._from_cache(request, key, entry, media_type)
            metrics.cache_miss()
        answer = await self.pool.run(self._execute, request, params, media_type, caller)
        entry = None
        if key is not None and answer.cacheable and self.cache is not None:
            served = current()
            entry = self.cache.entry(answer.body, media_type, keys=set(answer.keys), seq=answer.seq,
                                     valid_until=answer.valid_until,
                                     operation=served.operation if served is not None else None)  # fmt: skip
            self.cache.store.put(key, entry)
            return self._from_cache(request, key, entry, media_type)
        headers = dict(answer.headers)
        if audience is None:
            headers["Cache-Control"] = PRIVATE
        elif request.method != "GET" or answer.status != 200:
            headers["Cache-Control"] = "no-store"
        return self._encoded(request, answer.body, answer.status, media_type, headers)

    def _may_serve_cached(self, params: dict[str, Any], caller: Caller) -> bool:
        """In trusted-documents mode a cached answer is served only for a document still trusted."""
        if not self.state.settings.trusted_documents:
            return True
        return self.persisted.trusted_here(_document_id(params), caller)

    def _from_cache(self, request: Request, key: str, entry: Entry, media_type: str) -> Response:
        """A cached (or just stored) answer: HTTP caching headers for GET, 304 when the client has it."""
        body, headers = self.cached(
            key, entry, request.method, request.headers.get("accept-encoding", ""), vary=VARY
        )
        if request.method == "GET" and entry.etag in _etags(request.headers.get("if-none-match", "")):
            response = Response(status_code=304)
            response.raw_headers.extend(h for h in headers if h[0] != b"content-encoding")
            return response
        response = Response(body, media_type=media_type)
        response.raw_headers.extend(headers)
        return response

    def cached(
        self, key: str, entry: Entry, method: str, accept_encoding: str, *, vary: bytes
    ) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        """The body and caching headers of a cached answer: one rule for this endpoint and the lane in
        front of it (cms.graphql.hits), which adds what the middleware here would."""
        headers = [(b"etag", entry.etag.encode("latin-1")), (b"vary", vary)]
        if method == "GET":
            headers.append((b"cache-control", self.cache_control(entry).encode("latin-1")))
            headers.append((b"surrogate-key", self._surrogate(key, entry)))
        else:
            headers.append((b"cache-control", b"no-store"))
        body = entry.body
        if entry.encoded:
            coding = negotiate(accept_encoding)
            if coding is not None and coding in entry.encoded:
                body = entry.encoded[coding]
                headers.append((b"content-encoding", coding.encode("latin-1")))
        return body, headers

    def _surrogate(self, key: str, entry: Entry) -> bytes:
        """An entry's Surrogate-Key header, made once per entry (sorting its keys is not free)."""
        memo = self._surrogates.get(key)
        if memo is None or memo[0] is not entry:
            if len(self._surrogates) >= 10_000:
                self._surrogates.clear()
            memo = self._surrogates[key] = (entry, surrogate_header(entry.keys).encode("latin-1"))
        return memo[1]

    def cache_control(self, entry: Entry) -> str:
        settings = self.state.settings
        # Never past the next scheduled go-live: a cache must not keep the old front page then.
        left = max(0, int(entry.expires - time.time()))
        max_age, shared = min(settings.cache_max_age, left), min(settings.cache_s_maxage, left)
        if shared <= 0:
            return "no-cache"
        return (
            f"public, max-age={max_age}, s-maxage={shared}, "
            f"stale-while-revalidate={settings.cache_stale_while_revalidate}"
        )

    def _encoded(
        self, request: Request, body: bytes, status: int, media_type: str, headers: dict[str, str]
    ) -> Response:
        headers.setdefault("Vary", "Accept, Accept-Encoding")
        coding = None
        if len(body) >= self.state.settings.compress_min_bytes:
            coding = negotiate(request.headers.get("accept-encoding", ""))
        if coding is not None:
            body = compress(body, coding)
            headers["Content-Encoding"] = coding
        return Response(body, status_code=status, media_type=media_type, headers=headers)

    async def _params(self, request: Request, media_type: str) -> tuple[dict[str, Any], bytes | None]:
        """The request's parameters, and the raw bytes they came from (None for a multipart upload)."""
        if request.method == "GET":
            params: dict[str, Any] = dict(request.query_params)
            for key in ("variables", "extensions"):
                if params.get(key):
                    try:
                        params[key] = orjson.loads(params[key])
                    except orjson.JSONDecodeError:
                        raise _Refusal(f"`{key}` is not valid JSON", "BAD_REQUEST", 400) from None
                else:
                    params.pop(key, None)
            return self._checked(params, media_type), request.scope["query_string"]
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "multipart/form-data":
            return self._checked(await self._multipart(request), media_type), None
        if content_type not in {JSON, GRAPHQL_RESPONSE}:
            raise _Refusal("send GraphQL requests as application/json", "UNSUPPORTED_MEDIA_TYPE", 415)
        body = await self._read_body(request)
        try:
            params = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise _Refusal("request body is not valid JSON", "BAD_REQUEST", 400) from None
        if isinstance(params, list):
            raise _Refusal("batched requests are not supported", "BAD_REQUEST", 400)
        if not isinstance(params, dict):
            raise _Refusal("request body must be a JSON object", "BAD_REQUEST", 400)
        return self._checked(params, media_type), body

    def _checked(self, params: dict[str, Any], media_type: str) -> dict[str, Any]:
        for key, kind in (("query", str), ("operationName", str), ("variables", dict), ("extensions", dict)):
            if params.get(key) is not None and not isinstance(params[key], kind):
                expected = "a string" if kind is str else "an object"
                raise _Refusal(f"`{key}` must be {expected}", "BAD_REQUEST", 400)
        if not params.get("query") and not (params.get("extensions") or {}).get("persistedQuery"):
            raise _Refusal("no GraphQL query found in the request", "BAD_REQUEST", 400)
        if _has_nul(params.get("query")) or _has_nul(params.get("variables")):
            # No database stores NUL in text (PostgreSQL refuses it outright), and no
            # slug, title or search needs one.
            # Answered like any variable that fails coercion.
            legacy = media_type != GRAPHQL_RESPONSE
            raise _Refusal(
                "NUL characters are not allowed", "BAD_USER_INPUT", 200 if legacy else 400, data=legacy
            )
        return params

    async def _multipart(self, request: Request) -> dict[str, Any]:
        settings = self.state.settings
        try:
            async with asyncio.timeout(settings.upload_timeout):
                params, form = await uploads.read(request, max_bytes=settings.max_upload_bytes)
        except TimeoutError:
            raise _slow_body(settings.upload_timeout) from None
        except uploads.TooLarge as exc:
            raise _Refusal(str(exc), "PAYLOAD_TOO_LARGE", 413) from None
        except Unauthenticated as exc:
            raise _Refusal(exc.message, exc.code, 401, headers={"WWW-Authenticate": AUTHENTICATE}) from None
        except UserError as exc:
            raise _Refusal(exc.message, exc.code, 400) from None
        request.state.upload_form = form  # closed once the operation has run
        return params

    async def _read_body(self, request: Request) -> bytes:
        """The body, counted as it streams (not trusted from headers) and read against the clock."""
        settings = self.state.settings
        limit = settings.max_body_bytes
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise _too_large(limit)
        chunks, size = [], 0
        # The clock started when the request did, even if the lane in front began reading.
        began = getattr(request.state, "body_began", None) or asyncio.get_running_loop().time()
        try:
            async with asyncio.timeout_at(began + settings.body_timeout):
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > limit:
                        raise _too_large(limit)
                    chunks.append(chunk)
        except TimeoutError:
            raise _slow_body(settings.body_timeout) from None
        except ClientDisconnect:
            return b""
        return b"".join(chunks)

    def _execute(self, request: Request, params: dict[str, Any], media_type: str, caller: Caller) -> Answer:
        """On a pool thread: run the operation and render the answer."""
        context = Context(app=self.state, now=utcnow(), request=request, caller=caller)
        limit = self.runner.cost_limit(caller)
        try:
            document = self.persisted.document(params, caller)
        except UserError as exc:
            legacy = media_type != GRAPHQL_RESPONSE
            refused = error_body(exc.message, exc.code, cost_limit=limit, data=legacy)
            return Answer(200 if legacy else 400, refused, {})
        valid_until = None
        try:
            outcome = self.runner.run(
                document,
                variables=params.get("variables"),
                operation_name=params.get("operationName"),
                context=context,
                allow_mutations=request.method == "POST",
            )
            if outcome.is_query and not outcome.result.errors and context.cacheable:
                valid_until = context.valid_until()
        except MutationNotAllowed as exc:
            return Answer(405, error_body(exc.message, exc.code, cost_limit=limit), {"Allow": "POST"})
        except UserError as exc:
            return Answer(400, error_body(exc.message, exc.code, cost_limit=limit), {})
        finally:
            context.close()
        result = outcome.result
        errors = [format_error(e) for e in result.errors or ()]
        body: dict[str, Any] = {}
        status, headers = 200, {}
        if outcome.timed_out:
            status = 503  # not a cacheable answer, and not the client's mistake alone
        elif outcome.request_error and media_type == GRAPHQL_RESPONSE:
            status = 400
        if _only("UNAUTHENTICATED", errors, result.data):
            status, headers = 401, {"WWW-Authenticate": AUTHENTICATE}
        elif _only("RATE_LIMITED", errors, result.data):
            # A limit of one action (subscribe), reached during execution: answered like the
            # request limit, so clients handle both the same way.
            retry = max(int(e["extensions"].get("retryAfter", 1)) for e in errors)
            status, headers = 429, {"Retry-After": str(retry)}
        if not (outcome.request_error and media_type == GRAPHQL_RESPONSE):
            body["data"] = result.data
        if errors:
            body["errors"] = errors
        body["extensions"] = cost_extension(outcome.cost, outcome.cost_limit)
        cacheable = status == 200 and outcome.is_query and not errors and context.cacheable
        return Answer(
            status, orjson.dumps(body), headers, cacheable=cacheable, keys=frozenset(context.shown),
            seq=context.read_seq, valid_until=valid_until,
        )  # fmt: skip


def _only(code: str, errors: list[dict[str, Any]], data: dict[str, Any] | None) -> bool:
    """Nothing was answered, and only for this one reason (no valid token; a limit): refused as a whole."""
    return (
        bool(errors)
        and all(e["extensions"]["code"] == code for e in errors)
        and all(value is None for value in (data or {}).values())
    )


def _too_large(limit: int) -> _Refusal:
    return _Refusal(f"request body is larger than {limit} bytes", "PAYLOAD_TOO_LARGE", 413)


def _slow_body(seconds: float) -> _Refusal:
    # The connection is closed after the answer: the rest of the body may never come.
    return _Refusal(
        f"the request body did not arrive within {seconds:g} s",
        "REQUEST_TIMEOUT",
        408,
        headers={"Connection": "close"},
    )


def _audience(caller: Caller) -> str | None:
    """Whose answers may be cached together: the public, or one partner at its scope; None for staff."""
    if caller.role is None:
        return "public"
    if caller.role is Role.PARTNER and caller.partner is not None:
        return f"partner:{caller.partner.partner_id}:{caller.partner.version}"
    return None


def _document_id(params: dict[str, Any]) -> str:
    """The document a request names: its persisted hash, else the hash of its text."""
    extension = (params.get("extensions") or {}).get("persistedQuery")
    if isinstance(extension, dict) and isinstance(extension.get("sha256Hash"), str):
        return str(extension["sha256Hash"])
    return sha256_of(str(params.get("query") or "").strip())


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def surrogate_header(keys: frozenset[str]) -> str:
    header = " ".join(sorted(keys))
    if len(header) <= MAX_SURROGATE_HEADER:
        return header
    # Too many entities to name: the lists they belong to stand for them (a purge of any of
    # those lists then drops this answer too, which is what a purge of the entity would do).
    return " ".join(sorted(k for k in keys if ":" not in k or k.split(":", 1)[0].islower()))
