"""The lane in front of the app: a repeated public query answered from the cache, exactly as the
endpoint answers it, without the app underneath; everything else passes through as before."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

from cms.app import create_app
from cms.db import Database
from cms.graphql.http import GraphQLEndpoint
from cms.settings import Settings

from .conftest import serve
from .factories import Seeder
from .test_editorial_api import token_for
from .test_observability import delta, scrape
from .test_response_cache import TITLES, _article, _edit, _titles

#: Headers that differ between two answers by design: each request's own id and rate-limit count.
PER_REQUEST = {"x-request-id", "ratelimit-remaining", "ratelimit-reset"}


@pytest.fixture
def cached(settings: Settings) -> Settings:
    return replace(settings, response_cache=True, cache_poll=0.1, compress_min_bytes=200)


@pytest.fixture
def endpoint_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The requests that reached the GraphQL endpoint (the lane answers the others)."""
    calls: list[str] = []
    respond = GraphQLEndpoint._respond

    async def counted(self: GraphQLEndpoint, request: Any, admission: Any) -> Any:
        calls.append(request.method)
        return await respond(self, request, admission)

    monkeypatch.setattr(GraphQLEndpoint, "_respond", counted)
    return calls


@pytest.fixture
def http(cached: Settings, endpoint_calls: list[str]) -> Iterator[TestClient]:
    with TestClient(create_app(cached)) as client:
        yield client


def _ask(http: TestClient, method: str, query: str = TITLES, **headers: str) -> Any:
    headers = {"accept": "application/json", **headers}
    if method == "GET":
        return http.get("/graphql", params={"query": query}, headers=headers)
    return http.post("/graphql", json={"query": query}, headers=headers)


def _taught(http: TestClient, endpoint_calls: list[str], method: str, **headers: str) -> list[Any]:
    """Asks until the lane answers, and returns the answers: the last from the lane, the one before
    from the endpoint's cache hit that taught it. A miss stores the answer and the next hit teaches
    the lane; at start the cache follower, catching up, may drop the first entries, so it can take
    more than three asks."""
    answers, calls = [], []
    while len(answers) < 10 and (len(calls) < 2 or calls[-1] != calls[-2]):
        answers.append(_ask(http, method, **headers))
        calls.append(len(endpoint_calls))
    assert calls[-1] == calls[-2], calls  # the lane answered the last request
    assert endpoint_calls == [method] * calls[-1]
    return answers


def _comparable(response: Any) -> tuple[int, bytes, dict[str, str]]:
    headers = {k: v for k, v in response.headers.items() if k not in PER_REQUEST}
    return response.status_code, response.content, headers


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    "extra",
    [{}, {"accept-encoding": "br"}, {"accept-encoding": "gzip", "origin": "http://localhost:3000"},
     {"accept": "application/graphql-response+json", "origin": "https://elsewhere.example"}],
    ids=["plain", "br", "gzip-allowed-origin", "graphql-response-foreign-origin"],
)  # fmt: skip
def test_a_repeated_public_query_is_answered_in_front_with_the_endpoints_bytes_and_headers(
    seed: Seeder, http: TestClient, endpoint_calls: list[str], method: str, extra: dict[str, str]
) -> None:
    for n in range(12):
        _article(seed, f"Story {n} " + "with a title long enough to be worth compressing " * 2)
    answers = _taught(http, endpoint_calls, method, **extra)
    assert answers[0].status_code == 200
    assert "errors" not in answers[0].json()
    second, third = answers[-2], answers[-1]
    assert _comparable(third) == _comparable(second)
    assert third.headers["x-request-id"] != second.headers["x-request-id"]
    assert int(third.headers["ratelimit-remaining"]) == int(second.headers["ratelimit-remaining"]) - 1
    if "origin" in extra and extra["origin"].startswith("http://localhost"):
        assert third.headers["access-control-allow-origin"] == extra["origin"]
    else:
        assert "access-control-allow-origin" not in third.headers
    assert "Origin" in third.headers["vary"]


def test_a_change_is_never_hidden_by_the_lane(seed: Seeder, db: Database, http: TestClient) -> None:
    pk = _article(seed, "Before")
    for _ in range(3):
        assert _titles(_ask(http, "GET")) == ["Before"]
    _edit(http, token_for(db, "editor"), pk, "After")
    assert _titles(_ask(http, "GET")) == ["After"]
    assert _titles(_ask(http, "POST")) == ["After"]


def test_token_holders_and_conditional_requests_go_to_the_endpoint(
    seed: Seeder, db: Database, http: TestClient, endpoint_calls: list[str]
) -> None:
    _article(seed, "Shown")
    answers = _taught(http, endpoint_calls, "GET")
    taught = len(endpoint_calls)
    editor = _ask(http, "GET", authorization=f"Bearer {token_for(db, 'editor')}")
    assert editor.headers["cache-control"] == "private, no-store"
    revalidated = _ask(http, "GET", **{"if-none-match": answers[-1].headers["etag"]})
    assert revalidated.status_code == 304
    wrong = _ask(http, "GET", authorization="Bearer cms_not_a_token")
    assert wrong.status_code == 401
    assert len(endpoint_calls) == taught + 3


def test_bodies_the_lane_should_not_trust_are_refused_by_the_endpoint(
    seed: Seeder, http: TestClient, endpoint_calls: list[str]
) -> None:
    _article(seed, "Shown")
    _taught(http, endpoint_calls, "POST")
    taught = len(endpoint_calls)
    as_text = http.post("/graphql", content=b'{"query": "' + TITLES.encode() + b'"}',
                        headers={"content-type": "text/plain"})  # fmt: skip
    assert as_text.status_code == 415
    assert as_text.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    unacceptable = _ask(http, "POST", accept="text/csv")
    assert unacceptable.status_code == 406
    assert len(endpoint_calls) == taught + 2


def test_the_rate_limit_counts_every_hit_once_and_refuses_over_it(
    seed: Seeder, cached: Settings, endpoint_calls: list[str]
) -> None:
    _article(seed, "Shown")
    with TestClient(create_app(replace(cached, rate_limit_anonymous="5/minute"))) as http:
        answers = [_ask(http, "POST") for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert [int(a.headers["ratelimit-remaining"]) for a in answers] == [4, 3, 2, 1, 0, 0]
    refused = answers[-1]
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["cache-control"] == "no-store"


def test_hits_in_front_are_counted_like_any_request(seed: Seeder, db: Database, cached: Settings) -> None:
    _article(seed, "Counted")
    query = "query Counted { articles(first: 3) { edges { node { title } } } }"
    with serve(cached) as base, httpx.Client(base_url=base, timeout=30) as client:
        token = token_for(db, "metrics")
        before = scrape(client, token)
        for _ in range(5):
            assert client.post("/graphql", json={"query": query}).status_code == 200
        after = scrape(client, token)
    assert delta(before, after, "cms_response_cache_hits_total") == 4
    assert delta(before, after, "cms_response_cache_misses_total") == 1
    assert delta(before, after, "cms_graphql_requests_total", operation="Counted") == 5
    assert delta(before, after, "cms_http_requests_total", route="/graphql", method="POST", status="200") == 5
    sql = {"route": "/graphql", "operation": "Counted"}
    assert delta(before, after, "cms_sql_statements_per_request_bucket", **sql, le="0.0") == 4


def test_a_slow_body_has_one_deadline_from_the_start_of_the_request(seed: Seeder, cached: Settings) -> None:
    _article(seed, "Shown")
    with serve(replace(cached, body_timeout=1.5)) as base:
        host, port = base.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=15) as sock:
            started = time.monotonic()
            sock.sendall(
                b"POST /graphql HTTP/1.1\r\nHost: cms\r\nContent-Type: application/json\r\n"
                b"Content-Length: 100\r\n\r\n{"
            )
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
            waited = time.monotonic() - started
    answer = b"".join(chunks)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b'"REQUEST_TIMEOUT"' in answer
    assert waited < 2.9  # once the lane's reading and the endpoint's together, not each in turn
