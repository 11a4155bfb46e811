"""Request ids, structured logs, /metrics and /readyz, against real servers where it matters.

Counters are process-wide (as prometheus-client keeps them), so tests in this process compare
two scrapes; the two-worker test runs its own `cms serve` and reads absolute numbers.
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError
from starlette.testclient import TestClient

from cms.app import create_app
from cms.db import Database
from cms.migrate import head_revisions
from cms.models import utcnow
from cms.observability import metrics
from cms.observability.logs import ConsoleFormatter, JsonFormatter, RequestIdFilter, log_config
from cms.services import outbox
from cms.settings import Settings
from cms.web.health import _NotReady, _revision
from tests.conftest import _free_port, serve
from tests.factories import Seeder
from tests.test_editorial_api import token_for
from tests.test_media_serving import _upload, _url
from tests.webhook_receiver import receiver

CMS = str(Path(sys.executable).parent / "cms")
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(http: httpx.Client, token: str) -> Samples:
    response = http.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    found: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def post(http: httpx.Client, query: str, **headers: str) -> httpx.Response:
    return http.post("/graphql", json={"query": query}, headers=headers)


@pytest.fixture
def http(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=30) as client:
        yield client


# --- Request ids ---------------------------------------------------------------------------------


def test_every_answer_has_a_request_id_and_a_well_formed_incoming_one_is_kept(http: httpx.Client) -> None:
    made = http.get("/healthz").headers["x-request-id"]
    assert len(made) == 32
    assert int(made, 16) >= 0
    assert http.get("/healthz").headers["x-request-id"] != made
    kept = "edge-7f3a9c:01J9Z3K4=="
    assert http.get("/healthz", headers={"X-Request-ID": kept}).headers["x-request-id"] == kept
    for bad in ("has spaces", "x" * 200, '"quoted"', "-leading-dash", ""):
        answered = http.get("/healthz", headers={"X-Request-ID": bad}).headers["x-request-id"]
        assert answered != bad
        assert len(answered) == 32
    # Refusals, 404s and preflights too.
    assert http.get("/no-such-page").headers["x-request-id"]
    assert http.options("/graphql", headers={"Origin": "http://localhost:3000"}).headers["x-request-id"]


def test_every_graphql_error_names_the_request_in_its_extensions(http: httpx.Client) -> None:
    rid = "client-chosen-id-1"
    answers = [
        post(http, "query Broken { nope }", **{"X-Request-ID": rid}),  # validation
        post(http, "query {", **{"X-Request-ID": rid}),  # parse
        http.post(  # refused before anything ran
            "/graphql",
            content=b"{not json",
            headers={"Content-Type": "application/json", "X-Request-ID": rid},
        ),
        post(http, "{ __typename }", Authorization="Bearer wrong", **{"X-Request-ID": rid}),  # 401
        http.get("/graphql", params={"query": "mutation { __typename }"}, headers={"X-Request-ID": rid}),
    ]
    for answer in answers:
        assert answer.headers["x-request-id"] == rid
        errors = answer.json()["errors"]
        assert errors, answer.text
        assert all(e["extensions"]["requestId"] == rid for e in errors), answer.text
    assert [a.status_code for a in answers] == [200, 200, 400, 401, 405]
    assert "requestId" not in str(post(http, "{ __typename }").json())  # only errors carry it


def test_an_unexpected_error_is_logged_and_answered_with_the_same_request_id(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A resolver bug (on a pool thread) and a route bug (Starlette's 500 page) both keep the id."""

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr("cms.services.authors.list_page", broken)
    monkeypatch.setattr("cms.web.health.shared_secret_problem", broken)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logging.getLogger("cms").addHandler(handler)
    try:
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            resolver = client.post(
                "/graphql", json={"query": "{ authors { edges { node { name } } } }"},
                headers={"X-Request-ID": "rid-resolver"},
            )  # fmt: skip
            route = client.get("/readyz", headers={"X-Request-ID": "rid-route"})
    finally:
        logging.getLogger("cms").removeHandler(handler)
    [error] = resolver.json()["errors"]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "rid-resolver"}
    assert route.status_code == 500
    assert route.headers["x-request-id"] == "rid-route"
    assert route.json()["errors"][0]["extensions"]["requestId"] == "rid-route"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    logged = {line["request_id"]: line for line in lines if line["level"] == "error"}
    assert set(logged) == {"rid-resolver", "rid-route"}
    assert "RuntimeError: a bug" in logged["rid-resolver"]["exception"]
    assert logged["rid-route"]["message"] == "unhandled error on GET /readyz"
    assert all(line["logger"].startswith("cms") and line["time"].endswith("+00:00") for line in lines)


def test_log_lines_as_json_and_as_text() -> None:
    record = logging.LogRecord("cms.test", logging.WARNING, __file__, 1, "stopped %s", ("Front",), None)
    record.request_id, record.operation = "abc123", "Front"
    line = json.loads(JsonFormatter().format(record))
    assert {k: line[k] for k in ("level", "logger", "message", "request_id", "operation")} == {
        "level": "warning", "logger": "cms.test", "message": "stopped Front", "request_id": "abc123",
        "operation": "Front",
    }  # fmt: skip
    assert line["pid"] == os.getpid()
    assert ConsoleFormatter().format(record).endswith("WARNING cms.test [abc123] stopped Front")
    console = dataclasses.replace(Settings(), log_format="console", log_level="warning")
    config = log_config(console)
    assert config["root"]["level"] == "WARNING"
    assert config["formatters"]["cms"]["()"] is ConsoleFormatter
    assert (
        log_config(dataclasses.replace(console, log_format="json"))["formatters"]["cms"]["()"]
        is JsonFormatter
    )


def test_log_settings_are_checked() -> None:
    from cms.errors import ConfigError

    assert Settings.from_env({"CMS_LOG_FORMAT": "JSON", "CMS_ACCESS_LOG": "on"}).log_format == "json"
    for env in ({"CMS_LOG_FORMAT": "xml"}, {"CMS_LOG_LEVEL": "loud"}, {"CMS_ACCESS_LOG": "sometimes"}):
        with pytest.raises(ConfigError):
            Settings.from_env(env)


# --- /metrics ------------------------------------------------------------------------------------


def test_metrics_need_an_admin_or_a_metrics_token(http: httpx.Client, db: Database) -> None:
    anonymous = http.get("/metrics")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    assert anonymous.json()["error"]["code"] == "UNAUTHENTICATED"
    assert anonymous.json()["error"]["requestId"] == anonymous.headers["x-request-id"]
    assert http.get("/metrics", headers={"Authorization": "Bearer cms_wrong"}).status_code == 401
    for role in ("editor", "author", "partner"):
        refused = http.get("/metrics", headers={"Authorization": f"Bearer {token_for(db, role)}"})
        assert (refused.status_code, refused.json()["error"]["code"]) == (403, "FORBIDDEN"), role
    for role in ("admin", "metrics"):
        assert scrape(http, token_for(db, role))


def test_a_metrics_token_reads_nothing_unpublished_and_writes_nothing(
    http: httpx.Client, seed: Seeder
) -> None:
    token_id, token = seed.token("metrics", "Jane Example")
    seed.article("A draft of their own", state="draft", created_by=token_id)  # "own" must not apply
    bearer = {"Authorization": f"Bearer {token}"}
    denied = post(http, 'mutation { createSection(input: {name: "X"}) { userErrors { code } } }', **bearer)
    assert denied.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert post(http, "{ articles { totalCount } }", **bearer).json()["data"]["articles"]["totalCount"] == 0
    drafts = post(http, "{ articles(filter: {status: DRAFT}) { totalCount } }", **bearer).json()
    assert drafts["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_requests_latency_errors_and_sql_are_counted_by_operation_and_code(
    http: httpx.Client, db: Database
) -> None:
    token = token_for(db, "metrics")
    before = scrape(http, token)
    for _ in range(3):
        assert "errors" not in post(http, "query FrontPage { articles(first: 5) { totalCount } }").json()
    post(http, "{ __typename }")
    post(http, "query Broken { nope }")
    post(http, "query {")
    http.post("/graphql", content=b"[]", headers={"Content-Type": "application/json"})
    post(http, "{ __typename }", Authorization="Bearer wrong")
    after = scrape(http, token)

    assert delta(before, after, "cms_graphql_requests_total", operation="FrontPage") == 3
    assert delta(before, after, "cms_graphql_requests_total", operation="anonymous") == 1
    assert delta(before, after, "cms_graphql_requests_total", operation="Broken") == 1
    assert delta(before, after, "cms_graphql_requests_total", operation="unknown") == 3  # never got that far
    assert delta(before, after, "cms_graphql_request_duration_seconds_count", operation="FrontPage") == 3
    assert delta(before, after, "cms_graphql_request_duration_seconds_sum", operation="FrontPage") > 0
    for code, times in (("GRAPHQL_VALIDATION_FAILED", 1), ("GRAPHQL_PARSE_FAILED", 1), ("BAD_REQUEST", 1),
                        ("UNAUTHENTICATED", 1)):  # fmt: skip
        assert delta(before, after, "cms_graphql_errors_total", code=code) == times, code
    http_labels = {"route": "/graphql", "method": "POST"}
    assert delta(before, after, "cms_http_requests_total", **http_labels, status="200") == 6
    assert delta(before, after, "cms_http_requests_total", **http_labels, status="400") == 1
    assert delta(before, after, "cms_http_requests_total", **http_labels, status="401") == 1
    # Every FrontPage request reads the database; the bucket for 0 statements does not hold them.
    sql = {"route": "/graphql", "operation": "FrontPage"}
    assert delta(before, after, "cms_sql_statements_per_request_count", **sql) == 3
    assert delta(before, after, "cms_sql_statements_per_request_sum", **sql) >= 3
    assert delta(before, after, "cms_sql_statements_per_request_bucket", **sql, le="0.0") == 0
    # A scrape is a request like the others (counted once it has answered).
    assert delta(before, after, "cms_http_requests_total", route="/metrics", method="GET", status="200") == 1
    assert value(after, "cms_http_requests_total", route="unmatched", method="GET", status="404") >= 0


def test_outbox_depth_is_read_at_scrape(http: httpx.Client, db: Database) -> None:
    token = token_for(db, "admin")
    before = scrape(http, token)
    assert value(before, "cms_outbox_pending", topic="webhook") == 0
    with db.write() as session:
        for n in range(2):
            outbox.emit(session, topic="webhook", event="article.published", payload={"n": n}, now=utcnow())
    after = scrape(http, token)
    assert value(after, "cms_outbox_pending", topic="webhook") == 2


def test_operation_names_are_bounded() -> None:
    names = metrics._OperationNames(limit=2)
    assert [names.label(n) for n in ("A", "B", "C", "A", None, "", "9bad", "x" * 101)] == [
        "A", "B", "other", "A", "unknown", "anonymous", "other", "other",
    ]  # fmt: skip


def test_renditions_made_are_counted_once(
    server: str, http: httpx.Client, db: Database, settings: Settings
) -> None:
    token = token_for(db, "metrics")
    source = _upload(db, settings)
    before = scrape(http, token)
    for _ in range(2):  # the second is served from the store
        assert httpx.get(_url(server, source, "w100.webp"), timeout=30).status_code == 200
    after = scrape(http, token)
    assert delta(before, after, "cms_renditions_made_total", format="webp") == 1
    route = "/media/r/{signature}/{source}/{name}"  # the template, not each URL
    assert delta(before, after, "cms_http_requests_total", route=route, method="GET", status="200") == 2


@pytest.fixture
def webhook_settings(settings: Settings) -> Settings:
    return dataclasses.replace(
        settings, webhook_allow_private=True, webhook_retry_schedule=(0.2, 0.2, 0.2), webhook_timeout=2.0,
        worker_interval=0.1, worker=True,
    )  # fmt: skip


def test_webhook_outcomes_are_counted(webhook_settings: Settings, db: Database, seed: Seeder) -> None:
    from tests.test_editorial_api import AuthClient
    from tests.test_webhooks import CREATE, _publish, _story

    with serve(webhook_settings) as base, httpx.Client(base_url=base, timeout=30) as http:
        token = token_for(db, "admin")
        admin = AuthClient(http, token)
        before = scrape(http, token)
        with receiver(fail_first=2) as hook:
            admin.data(CREATE, {"input": {"url": hook.url, "events": ["article.published"]}})
            _publish(admin, _story(admin, seed))
            hook.wait_for(1)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                after = scrape(http, token)
                if delta(before, after, "cms_outbox_attempts_total", topic="webhook", outcome="delivered"):
                    break
                time.sleep(0.05)
    assert delta(before, after, "cms_outbox_attempts_total", topic="webhook", outcome="retry") == 2
    assert delta(before, after, "cms_outbox_attempts_total", topic="webhook", outcome="delivered") == 1
    assert delta(before, after, "cms_outbox_attempts_total", topic="webhook", outcome="failed") == 0


# --- Several workers -----------------------------------------------------------------------------


def _cms(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CMS, *args], env=env, capture_output=True, text=True, timeout=60, check=True)


def _started(log_path: Path) -> set[int]:
    """The worker processes whose app has started, from uvicorn's own (JSON) log lines."""
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    return {line["pid"] for line in lines if line["message"] == "Application startup complete."}


def test_two_workers_count_into_one_set_of_metrics_and_log_json_lines(
    settings: Settings, tmp_path: Path
) -> None:
    temporary = tmp_path / "tmp"  # where `cms serve` makes the workers' metrics folder
    temporary.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CMS_", "PROMETHEUS_"))},
        "CMS_DATABASE_URL": settings.database_url, "CMS_MEDIA_ROOT": str(tmp_path / "media"),
        "CMS_SECRET_KEY": "two-workers", "CMS_WORKER": "off", "CMS_LOG_FORMAT": "json",
        "CMS_ACCESS_LOG": "on", "TMPDIR": str(temporary),
    }  # fmt: skip
    token = (
        _cms(env, "token", "create", "--role", "metrics", "--name", "prometheus")
        .stdout.strip()
        .splitlines()[-1]
    )
    port = _free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [CMS, "serve", "--port", str(port), "--workers", "2"],
            env=env, stdout=subprocess.DEVNULL, stderr=log_file, cwd=tmp_path,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while len(_started(log_path)) < 2 and time.monotonic() < deadline:  # both workers up
                assert process.poll() is None, log_path.read_text()
                time.sleep(0.2)
            assert len(_started(log_path)) == 2, log_path.read_text()

            def probe(n: int) -> int:
                # A new connection each time, so the kernel hands them to either worker.
                answer = httpx.post(f"{base}/graphql", json={"query": "query Probe { __typename }"},
                                    headers={"X-Request-ID": f"probe-{n}"}, timeout=30)  # fmt: skip
                return answer.status_code

            with ThreadPoolExecutor(8) as pool:
                assert set(pool.map(probe, range(60))) == {200}
            counts = []
            for _ in range(8):
                with httpx.Client(base_url=base, timeout=30) as http:
                    samples = scrape(http, token)
                counts.append(value(samples, "cms_graphql_requests_total", operation="Probe"))
                assert value(samples, "cms_graphql_request_duration_seconds_count", operation="Probe") == 60
        finally:
            during = list(temporary.glob("cms-metrics-*/*.db"))
            process.terminate()
            process.wait(timeout=30)
    assert counts == [60] * 8
    assert len({path.stem.rsplit("_", 1)[1] for path in during}) == 2  # files of each worker process
    assert list(temporary.iterdir()) == []  # and the folder went with the server
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    served = [
        line for line in lines if line.get("logger") == "cms.access" and line.get("operation") == "Probe"
    ]
    assert sorted(line["request_id"] for line in served) == sorted(f"probe-{n}" for n in range(60))
    assert len({line["pid"] for line in served}) == 2, "both workers should have served probes"
    scrapes = {line["pid"] for line in lines if line.get("path") == "/metrics"}
    assert scrapes, "the scrapes were logged"
    assert all(line["sql_statements"] == 0 and line["status"] == 200 for line in served)


# --- /readyz -------------------------------------------------------------------------------------


def test_readiness_names_the_revision_when_ready(http: httpx.Client) -> None:
    ready = http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["revision"] in head_revisions()


def test_readiness_fails_on_an_unmigrated_database(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}", media_root=tmp_path / "media")
    with serve(settings) as base:
        ready = httpx.get(f"{base}/readyz", timeout=30)
    assert ready.status_code == 503
    assert ready.json()["database"] == "not migrated: run `cms migrate`"
    assert ready.json()["requestId"] == ready.headers["x-request-id"]


def test_readiness_fails_while_migrations_are_behind(settings: Settings, db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001_initial'"))
    with serve(settings) as base:
        ready = httpx.get(f"{base}/readyz", timeout=30)
    assert ready.status_code == 503
    [head] = head_revisions()
    assert ready.json()["database"] == (
        f"migrations not current: the database is at 0001_initial, this code at {head}; run `cms migrate`"
    )


@pytest.mark.parametrize(
    "url",
    ["postgresql+psycopg://postgres@127.0.0.1:{port}/test", "sqlite:///{tmp}/no/such/folder/cms.db"],
)
def test_readiness_fails_when_the_database_is_unreachable(
    url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    dead = url.format(port=_free_port(), tmp=tmp_path)  # nothing listens there
    settings = Settings(database_url=dead, media_root=tmp_path / "media")
    with caplog.at_level(logging.WARNING, logger="cms"), serve(settings) as base:
        ready = httpx.get(f"{base}/readyz", timeout=30)
        assert httpx.get(f"{base}/healthz", timeout=30).status_code == 200
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
    assert ready.json()["database"] == "unreachable"
    assert "127.0.0.1" not in ready.text  # details go to the log
    assert "folder" not in ready.text
    assert any("unreachable" in record.getMessage() for record in caplog.records)


def test_a_readiness_check_whose_first_statement_fails_leaves_no_connection_open(db: Database) -> None:
    def server_gone(*args: Any) -> None:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

    event.listen(db.engine, "before_cursor_execute", server_gone)
    with pytest.raises(_NotReady, match="unreachable"):
        _revision(db)
    assert db.in_use() == 0
