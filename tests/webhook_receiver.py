"""A real HTTP receiver on 127.0.0.1 for webhook tests: records what arrives, fails on demand."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str = ""
    fail_first: int = 0  # answer 500 to this many requests before the first 200
    status: int = 200  # what to answer once failures are used up
    hang_first: float = 0.0  # sleep this long before answering the first request
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def delivered(self) -> list[Received]:
        """Requests answered 2xx, one per webhook-id (receivers deduplicate)."""
        with self.lock:
            seen: dict[str, Received] = {}
            for request in self.requests:
                if request.headers.get("x-answered") == "ok":
                    seen.setdefault(request.headers["webhook-id"], request)
            return list(seen.values())

    def wait_for(self, count: int, timeout: float = 20) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.delivered()) >= count:
                return self.delivered()
            time.sleep(0.05)
        raise AssertionError(f"{len(self.delivered())} of {count} deliveries arrived: {self.requests}")


@contextmanager
def receiver(**options: Any) -> Iterator[Receiver]:
    state = Receiver(**options)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            with state.lock:
                number = len(state.requests)
                record = Received(headers, body)
                state.requests.append(record)
                failing = number < state.fail_first
            if number == 0 and state.hang_first:
                time.sleep(state.hang_first)
            code = 500 if failing else state.status
            if 200 <= code < 300:
                record.headers["x-answered"] = "ok"
            try:
                self.send_response(code)
                self.send_header("content-type", "text/plain")
                self.end_headers()
                self.wfile.write(b"thanks" if code < 300 else b"try again later")
            except (BrokenPipeError, ConnectionResetError):
                record.headers.pop("x-answered", None)  # the sender is gone: not delivered

        do_PURGE = do_POST  # Varnish-style purges

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
