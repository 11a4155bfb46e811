"""Repeated public queries, answered from the response cache in front of the whole app.

Most of a busy site's traffic is the same few public queries, answered from the cache. Through
the full stack (request-id and metrics middleware, CORS, routing, the endpoint's admission and
parsing, the cache key's hashing) such a hit cost three times what sending the bytes costs. This
ASGI layer sits outside all of it and answers a request the endpoint has already answered from
the cache, with the same status, body and headers, knowing it by its raw bytes alone
(cms.cache.known): the method and query string (GET) or body (POST) of a request with no token.

It only ever takes the plain case and hands everything else on untouched: a token, a conditional
GET (304s stay the endpoint's), an Accept it cannot meet, a body it would have to wait long for or
that is large, a request it has not seen answered from the cache, an entry that has gone. What it
has already done is handed on too, so nothing is done twice: the body it read is replayed, the
rate-limit count it took is passed in the scope (the endpoint then answers 429 itself), and the
body's deadline keeps running from the start of the request.
"""

from __future__ import annotations

import asyncio
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cms.cache.known import MAX_RAW
from cms.cache.store import Entry
from cms.graphql.admission import Admission
from cms.graphql.http import GRAPHQL_RESPONSE, JSON, VARY, GraphQLEndpoint, media_type_for
from cms.observability import metrics, requests
from cms.observability.middleware import record
from cms.services.tokens import PUBLIC
from cms.web.cors import CorsPolicy

_JSON_TYPES = frozenset({JSON.encode(), GRAPHQL_RESPONSE.encode()})
_MEDIA = {JSON: JSON.encode(), GRAPHQL_RESPONSE: GRAPHQL_RESPONSE.encode()}
_METHODS = frozenset({"GET", "POST"})


class HitLane:
    def __init__(
        self, app: ASGIApp, *, endpoint: GraphQLEndpoint, cors: CorsPolicy, access_log: bool
    ) -> None:
        self.app = app
        self.endpoint = endpoint
        self.cors = cors
        self.access_log = access_log
        self.vary = VARY if cors.any_origin else VARY + b", Origin"  # CorsMiddleware adds Origin below

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cache = self.endpoint.cache
        method = scope.get("method")
        if cache is None or scope["type"] != "http" or scope["path"] != "/graphql" or method not in _METHODS:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = dict(reversed(scope["headers"]))  # the first of repeated headers, as Starlette reads them
        media_type = media_type_for(headers.get(b"accept", b"").decode("latin-1"))
        if b"authorization" in headers or b"if-none-match" in headers or media_type is None:
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        began = None
        if method == "GET":
            raw: bytes | None = scope["query_string"]
        else:
            content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            length = headers.get(b"content-length", b"")
            if (
                content_type not in _JSON_TYPES or not length.isdigit() or int(length) > MAX_RAW
            ):  # never learnt
                await self.app(scope, receive, send)
                return
            began = asyncio.get_running_loop().time()
            raw = await self._body(receive, messages, began)
        known = cache.known.get(method, raw) if raw is not None else None
        entry = cache.store.get(known.key) if known is not None else None
        if entry is None or known is None or not self._may_serve(known.document):
            await self._forward(scope, receive, send, messages, began)
            return
        peer = scope.get("client")
        forwarded = headers.get(b"x-forwarded-for")
        admission = await self.endpoint.gate.admit_raw(
            None, peer[0] if peer else None, forwarded.decode("latin-1") if forwarded is not None else None
        )
        decision = admission.decision
        if decision is not None and not decision.allowed:
            await self._forward(scope, receive, send, messages, began, admission)  # the endpoint's 429
            return
        served = requests.Served(
            requests.request_id_from(_text(headers.get(b"x-request-id"))),
            route="/graphql", operation=entry.operation or "", graphql=True,
        )  # fmt: skip
        body, answer = self._answer(method, headers, media_type, entry, known.key, admission, served)
        await send({"type": "http.response.start", "status": 200, "headers": answer})
        await send({"type": "http.response.body", "body": body})
        metrics.cache_hit()
        record(scope, served, 200, time.perf_counter() - started, access_log=self.access_log)

    def _may_serve(self, document: str) -> bool:
        """As the endpoint decides: in trusted-documents mode, only for a document still trusted."""
        endpoint = self.endpoint
        return not endpoint.state.settings.trusted_documents or endpoint.persisted.trusted_here(
            document, PUBLIC
        )

    def _answer(
        self,
        method: str,
        headers: dict[bytes, bytes],
        media_type: str,
        entry: Entry,
        key: str,
        admission: Admission,
        served: requests.Served,
    ) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        """The body and headers the endpoint's ``_from_cache`` gives, with what its middleware adds."""
        accept_encoding = headers.get(b"accept-encoding", b"").decode("latin-1")
        body, answer = self.endpoint.cached(key, entry, method, accept_encoding, vary=self.vary)
        answer.append((b"content-length", str(len(body)).encode("latin-1")))
        answer.append((b"content-type", _MEDIA[media_type]))
        if admission.decision is not None:
            answer.extend(
                (k.lower().encode("latin-1"), v.encode("latin-1"))
                for k, v in admission.decision.headers().items()
            )
        answer.extend(self.cors.grant(_text(headers.get(b"origin"))))
        answer.append((b"x-request-id", served.request_id.encode("latin-1")))
        return body, answer

    async def _body(self, receive: Receive, messages: list[Message], began: float) -> bytes | None:
        """The whole body, or None when it did not come whole in time (``messages`` keeps what did)."""
        chunks = []
        try:
            async with asyncio.timeout_at(began + self.endpoint.state.settings.body_timeout):
                while True:
                    message = await receive()
                    messages.append(message)
                    if message["type"] != "http.request":
                        return None  # the client left; the endpoint sees the same
                    chunks.append(message.get("body", b""))
                    if not message.get("more_body", False):
                        return b"".join(chunks)
        except TimeoutError:
            return None  # the endpoint times out too, at the same deadline

    async def _forward(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        messages: list[Message],
        began: float | None,
        admission: Admission | None = None,
    ) -> None:
        state = scope.setdefault("state", {})
        if began is not None:
            state["body_began"] = began
        if admission is not None:
            state["admission"] = admission
        if not messages:
            await self.app(scope, receive, send)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


def _text(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value is not None else None
