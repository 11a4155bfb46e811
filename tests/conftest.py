"""Fixtures: a fresh, migrated database per test (SQLite by default, PostgreSQL when
CMS_TEST_DATABASE_URL is set), apps built from settings, and a real uvicorn server."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
import uvicorn
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from cms.app import create_app
from cms.db import Database
from cms.migrate import upgrade
from cms.settings import Settings
from cms.web.serving import uvicorn_options

from .factories import Seeder

PG_URL = os.environ.get("CMS_TEST_DATABASE_URL")
# CI runs the GraphQL tests once more on the stock graphql-core engine (CMS_TEST_FAST_PATH=off).
FAST_PATH = os.environ.get("CMS_TEST_FAST_PATH", "on") != "off"


def pytest_report_header() -> str:
    engine = "fast path" if FAST_PATH else "stock graphql-core (fast path off)"
    return f"database: {'PostgreSQL ' + _hide(PG_URL) if PG_URL else 'SQLite'}; engine: {engine}"


def _hide(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _pg_admin_url(url: str) -> str:
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate once per session; each test gets a copy of the result."""
    if PG_URL:
        admin = create_engine(_pg_admin_url(PG_URL), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # pragma: no cover - the loud failure CI relies on
            pytest.exit(f"CMS_TEST_DATABASE_URL is set but PostgreSQL is unreachable: {exc}", returncode=3)
        name = f"cms_template_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        upgrade(_psycopg(url))
        yield url
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        upgrade(f"sqlite:///{path}")
        yield str(path)


def _psycopg(url: str) -> str:
    return Settings.from_env({"CMS_DATABASE_URL": url}).database_url


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> Iterator[str]:
    if PG_URL:
        admin = create_engine(_pg_admin_url(PG_URL), isolation_level="AUTOCOMMIT")
        template = make_url(database_template).database
        name = f"cms_test_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        yield _psycopg(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path / "cms.db"
        shutil.copyfile(database_template, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        media_root=tmp_path / "media",
        secret_key="test-secret",
        public_url="https://cms.example.org",
        base_url="https://example.org",
        # No background worker unless a test wants deliveries: its polling would be counted and
        # would race what tests assert about the outbox.
        worker=False,
        # Tests write through the Seeder, outside the app, and read back at once; the app would hear
        # of those writes only at its next look at the change log. tests/test_response_cache.py
        # turns the cache on and tests exactly that.
        response_cache=False,
        fast_path=FAST_PATH,
    )


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database.from_settings(settings)
    yield database
    # A connection the test dropped unclosed goes back to the pool only when the garbage collector
    # gets to it (SQLAlchemy's Connection sits in reference cycles), so the test that leaked it is
    # named here rather than by a ResourceWarning at some later, random moment.
    left = database.in_use()
    database.dispose()
    assert left == 0, f"the test left {left} database connection(s) open: close them (with ...connect())"


@pytest.fixture
def seed(db: Database) -> Seeder:
    return Seeder(db)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


class GraphQLClient:
    """Posts operations; ``data()`` insists on success, ``errors()`` on failure."""

    def __init__(self, http: Any) -> None:
        self.http = http

    def post(self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.http.post("/graphql", json={"query": query, "variables": variables or {}}, **kwargs)

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.post(query, variables)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]  # type: ignore[no-any-return]

    def errors(self, query: str, variables: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        body = self.post(query, variables).json()
        assert body.get("errors"), body
        return body["errors"]  # type: ignore[no-any-return]

    def codes(self, query: str, variables: dict[str, Any] | None = None) -> list[str]:
        return [e["extensions"]["code"] for e in self.errors(query, variables)]


@pytest.fixture
def gql(client: TestClient) -> GraphQLClient:
    return GraphQLClient(client)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(settings: Settings, *, port: int | None = None) -> Iterator[str]:
    """The app under a real uvicorn on 127.0.0.1, configured as `cms serve` runs it; yields its base URL."""
    port = port or _free_port()
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        **uvicorn_options(settings),
    )
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.05)
    else:  # pragma: no cover
        raise RuntimeError("uvicorn did not start")
    try:
        yield base
    finally:
        instance.should_exit = True
        thread.join(timeout=30)
    # A server still running would outlive the test with its database and its connections open.
    assert not thread.is_alive(), "uvicorn did not shut down within 30 s"


@pytest.fixture
def server(settings: Settings) -> Iterator[str]:
    with serve(settings) as base:
        yield base


@pytest.fixture
def live_gql(server: str) -> Iterator[GraphQLClient]:
    with httpx.Client(base_url=server, timeout=30) as http:
        yield GraphQLClient(http)


# --- Redis ------------------------------------------------------------------------------------

REDIS_URL = os.environ.get("CMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_url() -> str:
    """The local Redis (CI and the dev machines run one); tests that need it skip without it."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:  # pragma: no cover
        pytest.skip(f"Redis is not running at {REDIS_URL}")
    return REDIS_URL


# --- Media stores ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3 API on 127.0.0.1: moto's server mode, one per test session."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    yield f"http://{host}:{port}"
    moto.stop()


@pytest.fixture
def s3_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials as boto3's standard chain reads them: the environment."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "cms-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "cms-test-secret")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def s3_settings(settings: Settings, s3_endpoint: str, s3_credentials: None) -> Settings:
    """The test's settings with media in a fresh bucket, under a prefix."""
    import boto3

    bucket = f"cms-test-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=bucket)
    return replace(
        settings, media_storage=f"s3://{bucket}/site", s3_endpoint_url=s3_endpoint, s3_region="us-east-1"
    )


@pytest.fixture(params=["file", "s3"])
def media_settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    """The test's settings on each media store in turn: the folder, then an S3 bucket."""
    if request.param == "file":
        return settings
    return request.getfixturevalue("s3_settings")  # type: ignore[no-any-return]


@pytest.fixture
def render_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every rendition rendered (by any app in this process) during the test."""
    from cms.media import renditions

    calls: list[str] = []
    real = renditions.render

    def counting(data: bytes, spec: renditions.Spec, **kwargs: Any) -> tuple[bytes, bool]:
        calls.append(spec.name())
        return real(data, spec, **kwargs)

    monkeypatch.setattr(renditions, "render", counting)
    return calls


# --- Browsers -----------------------------------------------------------------------------------


def wait_for_image(locator: Any, *, timeout: float = 15_000) -> None:
    """Until the image ``locator`` finds has arrived and decoded (a rendition is made on its first
    request, which takes a while on a busy machine); fails after ``timeout`` ms."""
    handle = locator.element_handle()
    locator.page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=handle, timeout=timeout)
