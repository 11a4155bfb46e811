"""CMS_DATABASE_REPLICA_URL: public reads go to a replica that has the newest change; everything
else, and every read while the replica is behind, goes to the primary.

The replica here is a copy of the primary's database (a second database on the same PostgreSQL
server, or a second SQLite file) whose content differs on purpose, without a change-log entry: an
answer shows which database gave it, and statements are counted per database as well.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, func, insert, select, text, update
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from cms.app import create_app
from cms.db import Database
from cms.graphql.context import Context
from cms.models import Article, Change, utcnow
from cms.services import routing
from cms.services.tokens import PUBLIC
from cms.settings import Settings
from tests.conftest import PG_URL, _pg_admin_url
from tests.factories import Seeder
from tests.test_editorial_api import token_for

_article = Article.__table__  # type: ignore[attr-defined]
_change = Change.__table__  # type: ignore[attr-defined]

ARTICLE = "query($slug: String!) { article(slug: $slug) { title } }"
CHANGES = "{ changes(first: 10) { items { article { slug title } } } }"


def _copy_database(url: str) -> str:
    """A copy of the database at ``url`` (nothing may be connected to it); returns the copy's URL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        copy = f"{parsed.database}.replica"
        with sqlite3.connect(parsed.database) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        return f"sqlite:///{copy}"
    assert PG_URL is not None
    name = f"cms_replica_{uuid.uuid4().hex[:10]}"
    admin = create_engine(_pg_admin_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def _drop_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" or PG_URL is None:
        return
    admin = create_engine(_pg_admin_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def newsroom(seed: Seeder, db: Database) -> dict[str, Any]:
    article = seed.article("Told by the primary", slug="the-story", author_ids=[seed.author()])
    seed.revision(article)  # what the editorial API saves with every article: the base of an edit
    return {"article": article, "editor": token_for(db, "editor"), "partner": token_for(db, "partner")}


@pytest.fixture
def replica(newsroom: dict[str, Any], db: Database, settings: Settings) -> Iterator[Engine]:
    """A replica at the primary's sequence whose copy of the story reads differently."""
    db.dispose()  # PostgreSQL copies only a database nobody is connected to
    url = _copy_database(settings.database_url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            update(_article).where(_article.c.id == newsroom["article"]).values(title="Told by the replica")
        )
    yield engine
    engine.dispose()
    _drop_database(url)


class Counted:
    """Statements each database was sent, by the app under test."""

    def __init__(self, db: Database) -> None:
        self.primary: list[str] = []
        self.replica: list[str] = []
        assert db.replica is not None
        for engine, seen in ((db.engine, self.primary), (db.replica, self.replica)):
            # SQLite's BEGIN is in process; everything else is a statement the database answers.
            event.listen(
                engine,
                "before_cursor_execute",
                lambda *a, seen=seen: None if a[2] == "BEGIN" else seen.append(a[2]),
            )

    def clear(self) -> None:
        self.primary.clear()
        self.replica.clear()


@pytest.fixture
def app(settings: Settings, replica: Engine) -> Iterator[tuple[TestClient, Counted]]:
    # Nodes reading a replica must share a key they were given (DECISIONS: secrets across nodes).
    with_replica = replace(
        settings, database_replica_url=replica.url.render_as_string(False), secret_key_source="env"
    )
    application = create_app(with_replica)
    counted = Counted(application.state.cms.db)
    with TestClient(application) as http:
        counted.clear()
        yield http, counted


def _title(http: TestClient, token: str | None = None) -> str:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = http.post("/graphql", json={"query": ARTICLE, "variables": {"slug": "the-story"}}, headers=headers)
    assert body.status_code == 200, body.text
    data = body.json()
    assert "errors" not in data, data
    return str(data["data"]["article"]["title"])


def _catch_up(replica: Engine, primary: Database) -> None:
    """What replication would do for the change log: bring the replica to the primary's sequence."""
    with primary.connect() as conn:
        newest = conn.execute(select(func.max(_change.c.seq))).scalar_one()
    with replica.begin() as conn:
        have = conn.execute(select(func.max(_change.c.seq))).scalar_one()
        rows = [
            {
                "seq": seq,
                "entity": "article",
                "entity_id": 0,
                "kind": "update",
                "at": utcnow(),
                "public": True,
            }
            for seq in range(have + 1, newest + 1)
        ]
        if rows:
            conn.execute(insert(_change), rows)


def test_public_reads_go_to_the_replica_and_staff_reads_to_the_primary(
    app: tuple[TestClient, Counted], newsroom: dict[str, Any]
) -> None:
    http, counted = app
    assert _title(http) == "Told by the replica"
    # The primary is asked only for its newest change sequence, to know the replica has it.
    assert len(counted.primary) == 1, counted.primary
    assert "change_log" in counted.primary[0]
    assert len(counted.replica) >= 2

    assert _title(http, newsroom["partner"]) == "Told by the replica"
    counted.clear()
    assert _title(http, newsroom["editor"]) == "Told by the primary"
    assert counted.replica == []


def test_changes_reads_the_primary_even_for_a_partner(
    app: tuple[TestClient, Counted], newsroom: dict[str, Any]
) -> None:
    http, counted = app
    headers = {"Authorization": f"Bearer {newsroom['partner']}"}
    body = http.post("/graphql", json={"query": CHANGES}, headers=headers).json()
    assert "errors" not in body, body
    assert [i["article"]["title"] for i in body["data"]["changes"]["items"]] == ["Told by the primary"]
    # Fields resolved after it read the primary too (those before it read a replica that was current).
    counted.clear()
    both = "{ changes(first: 10) { items { article { title } } } articles(first: 5) { nodes { title } } }"
    body = http.post("/graphql", json={"query": both}, headers=headers).json()
    assert "errors" not in body, body
    assert body["data"]["articles"]["nodes"] == [{"title": "Told by the primary"}]


def test_a_replica_behind_the_newest_change_is_not_read_until_it_catches_up(
    app: tuple[TestClient, Counted], newsroom: dict[str, Any], db: Database, replica: Engine
) -> None:
    http, counted = app
    assert _title(http) == "Told by the replica"
    # An editor's edit goes live on the primary (through this node or any other); the replica
    # has not replayed it.
    edit = """mutation($id: ID!, $v: Int!) { updateArticle(id: $id, expectedVersion: $v, publish: true,
      input: {title: "Corrected by the primary"}) { article { title } userErrors { code message } } }"""
    with db.connect() as conn:
        version = conn.execute(
            select(_article.c.version).where(_article.c.id == newsroom["article"])
        ).scalar()
    gid = http.post(
        "/graphql",
        json={
            "query": "query($slug: String!) { article(slug: $slug) { id } }",
            "variables": {"slug": "the-story"},
        },
    ).json()["data"]["article"]["id"]
    written = http.post(
        "/graphql",
        json={"query": edit, "variables": {"id": gid, "v": version}},
        headers={"Authorization": f"Bearer {newsroom['editor']}"},
    ).json()
    assert written["data"]["updateArticle"]["userErrors"] == [], written
    counted.clear()
    # The next anonymous read, on any node, must not come from the stale replica.
    assert _title(http) == "Corrected by the primary"
    assert len(counted.replica) == 1, counted.replica  # asked for its sequence, then left alone
    assert "change_log" in counted.replica[0]

    ready = http.get("/readyz").json()
    assert ready["replica"] == {"status": "ok", "changesBehind": 1, "reads": "primary"}

    _catch_up(replica, db)
    assert _title(http) == "Told by the replica"
    assert http.get("/readyz").json()["replica"]["reads"] == "replica"


def test_reads_after_a_write_in_the_same_request_go_to_the_primary(app: tuple[TestClient, Counted]) -> None:
    http, _ = app
    state = http.app.state.cms  # type: ignore[attr-defined]
    ctx = Context(app=state, now=utcnow(), caller=PUBLIC)
    try:
        _ = ctx.conn
        assert ctx.source == "replica"
        ctx.after_write()
        _ = ctx.conn
        assert ctx.source == "primary"
    finally:
        ctx.close()
    ctx = Context(app=state, now=utcnow(), caller=PUBLIC)
    try:
        _ = ctx.conn
        ctx.use_primary()
        _ = ctx.conn
        assert ctx.source == "primary"
    finally:
        ctx.close()


def test_an_unreachable_replica_leaves_reads_on_the_primary(
    settings: Settings, newsroom: dict[str, Any], tmp_path: Any
) -> None:
    if PG_URL:
        # A port nothing listens on: the connection is refused at once.
        broken = make_url(settings.database_url).set(port=1).render_as_string(hide_password=False)
    else:
        broken = f"sqlite:///{tmp_path}/no/such/dir/replica.db"
    with TestClient(
        create_app(replace(settings, database_replica_url=broken, secret_key_source="env"))
    ) as http:
        assert _title(http) == "Told by the primary"
        assert _title(http) == "Told by the primary"  # the replica rests: not tried again at once
        router = http.app.state.cms.router  # type: ignore[attr-defined]
        assert router._resting_until > 0
        ready = http.get("/readyz")
        assert ready.status_code == 200  # the primary answers: still ready
        assert ready.json()["replica"] == {"status": "unreachable", "reads": "primary"}


def test_a_replica_needs_an_explicit_secret_key(settings: Settings) -> None:
    from cms.settings import shared_secret_problem

    env = {"CMS_DATABASE_URL": settings.database_url, "CMS_DATABASE_REPLICA_URL": settings.database_url}
    problem = shared_secret_problem(Settings.from_env(env))
    assert problem is not None
    assert "CMS_DATABASE_REPLICA_URL" in problem
    assert shared_secret_problem(Settings.from_env({**env, "CMS_SECRET_KEY": "k"})) is None


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL only: pooled connections the server closed")
def test_pooled_connections_the_server_closed_are_replaced_without_a_ping(
    client: TestClient, newsroom: dict[str, Any], settings: Settings
) -> None:
    assert _title(client) == "Told by the primary"
    assert PG_URL is not None
    name = make_url(settings.database_url).database
    admin = create_engine(_pg_admin_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        ended = conn.execute(
            text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = :name"),
            {"name": name},
        ).scalar_one()
    admin.dispose()
    assert ended >= 1
    for _ in range(3):
        assert _title(client) == "Told by the primary"


def test_a_first_read_that_fails_other_than_by_a_disconnect_closes_its_connection(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    def cannot_read(conn: Any) -> int:
        conn.execute(text("SELECT 1"))  # a statement ran: the connection is now in reference cycles
        raise RuntimeError("not a DBAPIError: no retry, and no connection left behind either")

    monkeypatch.setattr(routing.changes, "current_seq", cannot_read)
    with pytest.raises(RuntimeError, match="no retry"):
        routing.first_read(db.connect)
    assert db.in_use() == 0
