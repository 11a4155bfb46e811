"""Work a client can cause, bounded: execution off the event loop, deadlines, slow bodies, idle sockets.

All against a real uvicorn server, configured as `cms serve` runs it. Orderings are
asserted, never durations; socket timeouts only keep a broken server from hanging the
suite.
"""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import text

import cms.services.articles
from cms.settings import Settings
from tests.conftest import PG_URL, serve
from tests.factories import Seeder

CHEAP = {"query": "{ stats { totalPublications } }"}
EXPENSIVE = {"query": "{ articles(first: 5) { totalCount edges { node { title } } } }"}


def _server(settings: Settings, **changes: Any) -> Iterator[str]:
    with serve(dataclasses.replace(settings, **changes)) as base:
        yield base


@pytest.fixture
def quick_server(settings: Settings) -> Iterator[str]:
    yield from _server(
        settings, execution_timeout=0.5, body_timeout=1.0, header_timeout=1.0, keep_alive_timeout=1
    )


@pytest.mark.parametrize("work", ["waits", "computes"])
def test_a_cheap_query_is_answered_while_an_expensive_one_runs(
    server: str, seed: Seeder, monkeypatch: pytest.MonkeyPatch, work: str
) -> None:
    seed.article("One")
    started, release = threading.Event(), threading.Event()
    real = cms.services.articles.list_page

    def slow_list_page(*args: Any, **kwargs: Any) -> Any:
        started.set()
        if work == "waits":  # like a slow statement: the GIL is free
            release.wait(20)
        else:  # like a big page being built: holds the GIL but for the interpreter's switches
            while not release.is_set():
                sum(range(10_000))
        return real(*args, **kwargs)

    monkeypatch.setattr(cms.services.articles, "list_page", slow_list_page)
    finished: list[tuple[str, float]] = []

    def expensive() -> None:
        with httpx.Client(base_url=server, timeout=30) as http:
            assert http.post("/graphql", json=EXPENSIVE).status_code == 200
        finished.append(("expensive", time.monotonic()))

    runner = threading.Thread(target=expensive)
    runner.start()
    assert started.wait(10)
    with httpx.Client(base_url=server, timeout=30) as http:
        sent = time.monotonic()
        assert http.post("/graphql", json=CHEAP).json()["data"] == {"stats": {"totalPublications": 1}}
        assert http.get("/healthz").status_code == 200
        finished.append(("cheap", time.monotonic()))
    release.set()
    runner.join(30)
    assert [name for name, _ in finished] == ["cheap", "expensive"]
    print(f"cheap query and health check answered in {(finished[0][1] - sent) * 1000:.1f} ms while blocked")


def test_a_query_past_its_deadline_is_stopped_with_execution_timeout(
    quick_server: str, seed: Seeder, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed.article("One")
    real = cms.services.articles.list_page

    def slow_list_page(*args: Any, **kwargs: Any) -> Any:
        time.sleep(1.0)  # past the 0.5 s deadline; the fields below it are then refused
        return real(*args, **kwargs)

    monkeypatch.setattr(cms.services.articles, "list_page", slow_list_page)
    with httpx.Client(base_url=quick_server, timeout=30) as http:
        for accept in ("application/json", "application/graphql-response+json"):
            response = http.post("/graphql", json=EXPENSIVE, headers={"accept": accept})
            assert response.status_code == 503
            body = response.json()
            assert body["data"] is None
            assert [e["extensions"]["code"] for e in body["errors"]] == ["EXECUTION_TIMEOUT"]
            assert "0.5 s" in body["errors"][0]["message"]
        # The server is fine afterwards.
        assert http.post("/graphql", json=CHEAP).json()["data"] == {"stats": {"totalPublications": 1}}


SLOW_SQL = (
    "SELECT pg_sleep(60)"
    if PG_URL
    else "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM"
    " (SELECT x FROM c LIMIT 5000000000)"
)


def test_one_sql_statement_cannot_run_past_the_deadline(
    quick_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def endless_count(conn: Any, *args: Any, **kwargs: Any) -> int:
        return int(conn.execute(text(SLOW_SQL)).scalar_one())  # minutes, were it not cut

    monkeypatch.setattr(cms.services.articles, "count", endless_count)
    with httpx.Client(base_url=quick_server, timeout=30) as http:
        response = http.post("/graphql", json=CHEAP)
        assert response.status_code == 503
        assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["EXECUTION_TIMEOUT"]
        monkeypatch.undo()
        assert http.post("/graphql", json=CHEAP).status_code == 200


# --- Connections that never finish ------------------------------------------------------------


def _connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=15)
    return sock


def _read_all(sock: socket.socket) -> bytes:
    """Everything until the server closes the connection (a timeout here fails the test)."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_a_body_that_stalls_is_answered_408_and_the_connection_closed(quick_server: str) -> None:
    with _connect(quick_server) as sock:
        sock.sendall(
            b"POST /graphql HTTP/1.1\r\nHost: cms\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n{"
        )
        answer = _read_all(sock)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408")
    assert b"connection: close" in head.lower()
    assert b'"REQUEST_TIMEOUT"' in body


def test_a_connection_that_sends_nothing_is_closed(quick_server: str) -> None:
    with _connect(quick_server) as sock:
        assert _read_all(sock) == b""


def test_headers_sent_a_byte_at_a_time_are_cut_off(quick_server: str) -> None:
    with _connect(quick_server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: cms\r\n")
        closed = False
        for _ in range(100):  # 20 s of trickling, were it allowed
            try:
                sock.sendall(b"X")
                time.sleep(0.2)
            except OSError:
                closed = True
                break
            sock.settimeout(0.01)
            try:
                if sock.recv(1) == b"":
                    closed = True
                    break
            except TimeoutError:
                pass
        assert closed


def test_an_idle_keep_alive_connection_is_closed(quick_server: str) -> None:
    with _connect(quick_server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: cms\r\n\r\n")
        answer = _read_all(sock)  # the answer, then the close once the connection idles
    assert answer.startswith(b"HTTP/1.1 200")
    assert answer.endswith(b'{"status":"ok"}')
