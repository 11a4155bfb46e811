"""The read replica against a real streaming hot standby, with real replication lag.

Needs two PostgreSQL clusters, a primary and a standby streaming from it, that
``scripts/pg-replica-clusters.sh`` makes with pg_createcluster and pg_basebackup (it prints the two
URLs below). Skipped unless CMS_TEST_REPLICA_PRIMARY_URL and CMS_TEST_REPLICA_URL are set; CI
proves the same routing with a second database on one server (tests/test_replica.py).

Lag is made on purpose: replay is paused on the standby (``pg_wal_replay_pause()``), a write goes
to the primary, and the standby, still answering, stays behind until replay resumes.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, func, select, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from cms.app import create_app
from cms.db import Database
from cms.migrate import upgrade
from cms.models import Change
from cms.settings import Settings
from tests.factories import Seeder

PRIMARY = os.environ.get("CMS_TEST_REPLICA_PRIMARY_URL")
STANDBY = os.environ.get("CMS_TEST_REPLICA_URL")
pytestmark = pytest.mark.skipif(
    not (PRIMARY and STANDBY),
    reason="needs a streaming replica: scripts/pg-replica-clusters.sh, then CMS_TEST_REPLICA_PRIMARY_URL "
    "and CMS_TEST_REPLICA_URL",
)
_change = Change.__table__  # type: ignore[attr-defined]
ARTICLE = "query($slug: String!) { article(slug: $slug) { title } }"


def _url(base: str, database: str) -> str:
    return Settings.from_env(
        {"CMS_DATABASE_URL": make_url(base).set(database=database).render_as_string(False)}
    ).database_url


def _seq(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.coalesce(func.max(_change.c.seq), 0))).scalar_one())


def _wait_for(engine: Engine, seq: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while _seq(engine) < seq:
        if time.monotonic() > deadline:
            raise AssertionError(f"the standby did not reach sequence {seq} in {timeout} s")
        time.sleep(0.05)


@pytest.fixture
def clusters(tmp_path: Path) -> Iterator[tuple[Settings, Engine]]:
    assert PRIMARY is not None
    assert STANDBY is not None
    name = f"cms_stream_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PRIMARY, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))  # replicated to the standby like any change
    upgrade(_url(PRIMARY, name))
    settings = Settings(
        database_url=_url(PRIMARY, name),
        database_replica_url=_url(STANDBY, name),
        media_root=tmp_path / "media",
        secret_key="test-secret",
        worker=False,
    )
    standby = create_engine(_url(STANDBY, name))
    try:
        yield settings, standby
    finally:
        with standby.connect() as conn:
            conn.execute(text("SELECT pg_wal_replay_resume()"))
        standby.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _title(http: TestClient) -> str:
    body = http.post("/graphql", json={"query": ARTICLE, "variables": {"slug": "the-story"}}).json()
    assert "errors" not in body, body
    return str(body["data"]["article"]["title"])


def test_a_lagging_standby_is_read_only_once_it_has_replayed_the_newest_change(
    clusters: tuple[Settings, Engine],
) -> None:
    settings, standby = clusters
    db = Database.from_settings(replace(settings, database_replica_url=None))
    seed = Seeder(db)
    article = seed.article("First version", slug="the-story", author_ids=[seed.author()])
    _wait_for(standby, _seq(db.engine))

    app = create_app(settings)
    state = app.state.cms
    seen: dict[str, list[str]] = {"primary": [], "replica": []}
    for key, engine in (("primary", state.db.engine), ("replica", state.db.replica)):
        event.listen(engine, "before_cursor_execute", lambda *a, key=key: seen[key].append(a[2]))

    def reset() -> dict[str, Any]:
        for statements in seen.values():
            statements.clear()
        return seen

    with TestClient(app) as http:
        reset()
        assert _title(http) == "First version"
        assert len(seen["primary"]) == 1  # its newest sequence, nothing more
        assert len(seen["replica"]) >= 2  # the sequence, then the article and its relations

        with standby.connect() as conn:
            conn.execute(text("SELECT pg_wal_replay_pause()"))
        seed.update_article(article, title="Second version")
        time.sleep(0.3)  # the WAL reaches the standby, which does not replay it
        assert _seq(standby) < _seq(db.engine)

        reset()
        assert _title(http) == "Second version"  # read on the primary: the standby is behind
        assert len(seen["replica"]) == 1

        with standby.connect() as conn:
            conn.execute(text("SELECT pg_wal_replay_resume()"))
        _wait_for(standby, _seq(db.engine))
        reset()
        assert _title(http) == "Second version"
        assert len(seen["primary"]) == 1
        assert len(seen["replica"]) >= 2
    db.dispose()
