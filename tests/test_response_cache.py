"""The response cache and HTTP caching: public answers reused until what they show changes,
never for token holders, with ETags, Surrogate-Key, compression, persisted queries and purges."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import brotli
import httpx2 as httpx
import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from cms.app import create_app
from cms.db import Database
from cms.graphql.relay import to_global_id
from cms.services import changes
from cms.settings import Settings

from .conftest import serve
from .factories import Seeder
from .test_editorial_api import token_for
from .webhook_receiver import receiver

TITLES = "query Titles { articles(first: 10) { edges { node { id title section { slug } } } } }"


@pytest.fixture
def cached(settings: Settings) -> Settings:
    return replace(settings, response_cache=True, cache_poll=0.1, compress_min_bytes=200)


@pytest.fixture
def http(cached: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(cached)) as client:
        yield client


def _get(http: Any, query: str = TITLES, **headers: str) -> Any:
    return http.get("/graphql", params={"query": query}, headers={"accept": "application/json", **headers})


def _titles(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [edge["node"]["title"] for edge in response.json()["data"]["articles"]["edges"]]


def _edit(http: Any, token: str, pk: int, title: str) -> None:
    auth = {"authorization": f"Bearer {token}"}
    read = {
        "query": "query($id: ID!) { article(id: $id) { version } }",
        "variables": {"id": to_global_id("Article", pk)},
    }
    version = http.post("/graphql", json=read, headers=auth).json()["data"]["article"]["version"]
    mutation = """mutation($id: ID!, $title: String!, $v: Int!) {
      updateArticle(id: $id, input: {title: $title}, expectedVersion: $v, publish: true) {
        userErrors { code message } } }"""
    variables = {"id": to_global_id("Article", pk), "title": title, "v": version}
    response = http.post("/graphql", json={"query": mutation, "variables": variables},
                         headers=auth)  # fmt: skip
    assert response.json()["data"]["updateArticle"]["userErrors"] == []


def _article(seed: Seeder, title: str, **values: Any) -> int:
    """A published article that can be edited and republished (it has a byline)."""
    return seed.article(title, author_ids=[seed.author(f"Author of {title}")], **values)


def _behind_the_back(db: Database, pk: int, title: str) -> None:
    """A change with no change-log entry: only an answer computed afresh could show it."""
    with db.write() as session:
        session.execute(text("UPDATE article SET title = :title WHERE id = :id"), {"title": title, "id": pk})


def _eventually(check: Any, timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


# --- Hits and invalidation ------------------------------------------------------------------------


def test_a_public_answer_is_reused_and_a_write_through_the_api_shows_at_once(
    seed: Seeder, db: Database, http: TestClient
) -> None:
    pk = _article(seed, "Old title")
    first = _get(http)
    assert _titles(first) == ["Old title"]
    _behind_the_back(db, pk, "Written behind the cache's back")
    again = _get(http)
    assert again.headers["etag"] == first.headers["etag"]
    assert _titles(again) == ["Old title"]

    _edit(http, token_for(db, "editor"), pk, "New title")
    assert _titles(_get(http)) == ["New title"]


def test_a_write_by_another_process_is_seen_within_the_poll_interval(seed: Seeder, http: TestClient) -> None:
    seed.article("One")
    assert _titles(_get(http)) == ["One"]
    seed.article("Two")  # through the database, as `cms import` or another node would
    assert _eventually(lambda: len(_titles(_get(http))) == 2)


def test_an_answer_made_after_a_change_survives_hearing_of_that_change_late(
    seed: Seeder, db: Database, http: TestClient
) -> None:
    with db.connect() as conn:
        before = changes.current_seq(conn)
    pk = _article(seed, "Made after the change")  # through the database, as another node would
    first = _get(http)
    follower = http.app.state.cms.cache.follower  # type: ignore[attr-defined]
    with follower.lock:
        follower.seq = before  # this process hears of the article only now, after answering from it
    assert follower.catch_up()[0]
    _behind_the_back(db, pk, "Written behind the cache's back")
    again = _get(http)
    assert again.headers["etag"] == first.headers["etag"]
    assert _titles(again) == ["Made after the change"]


def test_token_holders_are_never_served_from_the_cache_and_get_private_answers(
    seed: Seeder, db: Database, http: TestClient
) -> None:
    pk = _article(seed, "Old title")
    editor = {"authorization": f"Bearer {token_for(db, 'editor')}"}
    assert _titles(_get(http)) == ["Old title"]
    _behind_the_back(db, pk, "Changed")
    answer = _get(http, **editor)
    assert _titles(answer) == ["Changed"]
    assert answer.headers["cache-control"] == "private, no-store"
    assert "surrogate-key" not in answer.headers


def test_a_cached_answer_never_outlives_the_next_scheduled_go_live(seed: Seeder, http: TestClient) -> None:
    seed.article("Now")
    seed.article("Soon", published_at=datetime.now(UTC) + timedelta(seconds=2))
    first = _get(http)
    assert _titles(first) == ["Now"]
    max_age = int(first.headers["cache-control"].split("max-age=")[1].split(",")[0])
    assert max_age <= 2
    time.sleep(2.2)
    assert sorted(_titles(_get(http))) == ["Now", "Soon"]


def test_partners_and_the_public_never_share_an_answer(seed: Seeder, db: Database, http: TestClient) -> None:
    image = seed.image(license="CC-BY-NC-2.0")
    seed.article("With an NC image", lead_image_id=image)
    query = "{ articles(first: 1) { edges { node { leadImage { id } leadImageWithheld } } } }"
    with db.write() as session:
        from .test_editorial_api import new_partner

        commercial = new_partner(session, "Shop", commercial=True)
    partner = {"authorization": f"Bearer {token_for(db, 'partner', partner_id=commercial)}"}
    node = lambda r: r.json()["data"]["articles"]["edges"][0]["node"]  # noqa: E731
    assert node(_get(http, query))["leadImage"] is not None
    withheld = node(_get(http, query, **partner))
    assert withheld == {"leadImage": None, "leadImageWithheld": "NONCOMMERCIAL_LICENSE"}
    assert node(_get(http, query))["leadImage"] is not None


# --- HTTP caching ---------------------------------------------------------------------------------


def test_public_get_answers_carry_cache_headers_and_if_none_match_gets_304(
    seed: Seeder, cached: Settings, http: TestClient
) -> None:
    section = seed.section("The Peninsula", slug="the-peninsula")
    pk = _article(seed, "Sanctions", section_id=section)
    answer = _get(http)
    control = answer.headers["cache-control"]
    assert control.startswith("public, ")
    assert f"s-maxage={cached.cache_s_maxage}" in control
    assert f"stale-while-revalidate={cached.cache_stale_while_revalidate}" in control
    keys = set(answer.headers["surrogate-key"].split())
    assert {f"Article:{pk}", "articles", f"Section:{section}"} <= keys
    assert "Accept-Encoding" in answer.headers["vary"]

    again = _get(http, **{"if-none-match": answer.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert _get(http, **{"if-none-match": '"something-else"'}).status_code == 200


def test_posted_queries_and_errors_are_not_stored_by_http_caches(seed: Seeder, http: TestClient) -> None:
    seed.article("One")
    posted = http.post("/graphql", json={"query": TITLES})
    assert posted.headers["cache-control"] == "no-store"
    broken = _get(http, "{ articles(first: 1) { nope } }")
    assert broken.headers["cache-control"] == "no-store"


def test_answers_are_compressed_for_clients_that_accept_it(seed: Seeder, http: TestClient) -> None:
    for number in range(8):
        seed.article(f"A title long enough to be worth compressing, number {number}")
    plain = _get(http, **{"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    for coding in ("br", "gzip"):
        for _ in range(2):  # stored, then served from the cache
            raw = http.get(
                "/graphql",
                params={"query": TITLES},
                headers={"accept-encoding": coding, "accept": "application/json"},
            )
            assert raw.headers["content-encoding"] == coding
            # The test client decodes gzip and br itself: what arrived is the same document.
            assert raw.json() == plain.json()
    small = _get(http, "{ __typename }", **{"accept-encoding": "br"})
    assert "content-encoding" not in small.headers


def test_compressed_bytes_on_the_wire_are_smaller_and_decode_to_the_answer(
    seed: Seeder, cached: Settings
) -> None:
    for number in range(8):
        seed.article(f"A title long enough to be worth compressing, number {number}")
    with serve(cached) as base:
        plain = httpx.get(
            base + "/graphql", params={"query": TITLES}, headers={"accept-encoding": "identity"}
        )
        with httpx.stream("GET", base + "/graphql", params={"query": TITLES},
                          headers={"accept-encoding": "br"}) as raw:  # fmt: skip
            wire = b"".join(raw.iter_raw())
            assert raw.headers["content-encoding"] == "br"
    assert len(wire) < len(plain.content)
    assert json.loads(brotli.decompress(wire)) == plain.json()


# --- Persisted queries ----------------------------------------------------------------------------


def _apq(digest: str) -> dict[str, str]:
    return {"extensions": json.dumps({"persistedQuery": {"version": 1, "sha256Hash": digest}})}


def test_automatic_persisted_queries_register_on_not_found_then_run_by_hash_over_get(
    seed: Seeder, http: TestClient
) -> None:
    seed.article("Persisted")
    digest = hashlib.sha256(TITLES.encode()).hexdigest()
    unknown = http.get("/graphql", params=_apq(digest), headers={"accept": "application/json"})
    assert [e["extensions"]["code"] for e in unknown.json()["errors"]] == ["PERSISTED_QUERY_NOT_FOUND"]
    registered = http.post(
        "/graphql", json={"query": TITLES, "extensions": json.loads(_apq(digest)["extensions"])}
    )
    assert _titles(registered) == ["Persisted"]
    by_hash = http.get("/graphql", params=_apq(digest), headers={"accept": "application/json"})
    assert _titles(by_hash) == ["Persisted"]
    assert by_hash.headers["cache-control"].startswith("public")


def test_a_persisted_query_whose_hash_is_not_its_own_is_refused(http: TestClient) -> None:
    wrong = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}
    answer = http.post("/graphql", json={"query": TITLES, "extensions": wrong})
    assert [e["extensions"]["code"] for e in answer.json()["errors"]] == ["BAD_USER_INPUT"]
    malformed = http.get(
        "/graphql", params={"extensions": '{"persistedQuery": {"version": 1, "sha256Hash": "x"}}'}
    )
    assert malformed.status_code in (200, 400)
    assert [e["extensions"]["code"] for e in malformed.json()["errors"]] == ["BAD_USER_INPUT"]


REGISTER = """mutation($q: String!, $p: ID) {
  registerPersistedQuery(query: $q, name: "titles", partnerId: $p) {
    persistedQuery { sha256 name } userErrors { field code message } } }"""
UNREGISTER = """mutation($h: String!) { unregisterPersistedQuery(sha256: $h) { userErrors { code } } }"""


def test_trusted_documents_mode_runs_only_registered_documents_for_callers_without_a_token(
    seed: Seeder, db: Database, cached: Settings
) -> None:
    seed.article("Trusted")
    admin = {"authorization": f"Bearer {token_for(db, 'admin')}"}
    editor = {"authorization": f"Bearer {token_for(db, 'editor')}"}
    with TestClient(create_app(replace(cached, trusted_documents=True))) as http:
        refused = _get(http)
        assert [e["extensions"]["code"] for e in refused.json()["errors"]] == ["DOCUMENT_NOT_TRUSTED"]
        assert _titles(_get(http, **editor)) == ["Trusted"]  # staff run anything

        made = http.post("/graphql", json={"query": REGISTER, "variables": {"q": TITLES}}, headers=admin)
        payload = made.json()["data"]["registerPersistedQuery"]
        assert payload["userErrors"] == []
        digest = payload["persistedQuery"]["sha256"]
        assert digest == hashlib.sha256(TITLES.encode()).hexdigest()
        assert _titles(_get(http)) == ["Trusted"]
        assert _titles(_get(http)) == ["Trusted"]  # now from the cache
        by_hash = http.get("/graphql", params=_apq(digest), headers={"accept": "application/json"})
        assert _titles(by_hash) == ["Trusted"]

        gone = http.post("/graphql", json={"query": UNREGISTER, "variables": {"h": digest}}, headers=admin)
        assert gone.json()["data"]["unregisterPersistedQuery"]["userErrors"] == []
        again = _get(http)  # cached before, but no longer trusted
        assert [e["extensions"]["code"] for e in again.json()["errors"]] == ["DOCUMENT_NOT_TRUSTED"]


def test_registering_checks_the_document_and_the_role(db: Database, http: TestClient) -> None:
    admin = {"authorization": f"Bearer {token_for(db, 'admin')}"}
    editor = {"authorization": f"Bearer {token_for(db, 'editor')}"}
    for bad in ("{ articles(first: 1) { nope } }", "{ unclosed", ""):
        answer = http.post("/graphql", json={"query": REGISTER, "variables": {"q": bad}}, headers=admin)
        assert answer.json()["data"]["registerPersistedQuery"]["userErrors"][0]["code"] == "INVALID"
    missing = http.post(
        "/graphql", json={"query": REGISTER, "variables": {"q": TITLES, "p": to_global_id("Partner", 999)}},
        headers=admin,
    )  # fmt: skip
    assert missing.json()["data"]["registerPersistedQuery"]["userErrors"][0]["code"] == "NOT_FOUND"
    forbidden = http.post("/graphql", json={"query": REGISTER, "variables": {"q": TITLES}}, headers=editor)
    assert [e["extensions"]["code"] for e in forbidden.json()["errors"]] == ["FORBIDDEN"]
    listing = http.post("/graphql", json={"query": "{ persistedQueries { sha256 } }"}, headers=admin)
    assert listing.json()["data"]["persistedQueries"] == []


# --- Several nodes through Redis ------------------------------------------------------------------


def test_a_write_on_one_node_drops_the_other_nodes_entries_through_redis(
    seed: Seeder, db: Database, cached: Settings, redis_url: str
) -> None:
    pk = _article(seed, "Old title")
    # Polling far apart, so only Redis can explain the other node hearing of the write in time.
    shared = replace(cached, redis_url=redis_url, cache_poll=30.0, secret_key="shared-secret")
    with TestClient(create_app(shared)) as one, TestClient(create_app(shared)) as two:
        assert _titles(_get(two)) == ["Old title"]
        _edit(one, token_for(db, "editor"), pk, "New title")
        assert _eventually(lambda: _titles(_get(two)) == ["New title"], timeout=3)


def test_a_node_shutting_down_ends_its_redis_listener_and_closes_its_redis_connections(
    cached: Settings, redis_url: str
) -> None:
    with TestClient(create_app(replace(cached, redis_url=redis_url))) as http:
        bridge = http.app.state.cms.cache.bridge  # type: ignore[attr-defined]
        assert _eventually(lambda: bridge._thread is not None and bridge._thread.is_alive(), timeout=3)
        listener = bridge._thread
    assert not listener.is_alive()  # joined at shutdown, not left to die a second later
    pool = bridge.client.connection_pool
    assert not pool._in_use_connections
    assert all(not c.is_connected for c in pool._available_connections)


# --- CDN purges -----------------------------------------------------------------------------------


def test_every_change_is_purged_at_the_configured_endpoint_with_its_keys_and_retried(
    seed: Seeder, db: Database, cached: Settings
) -> None:
    section = seed.section("The Peninsula", slug="the-peninsula")
    pk = _article(seed, "Before", section_id=section)
    with receiver(fail_first=1) as cdn:
        settings = replace(
            cached, worker=True, worker_interval=0.05, purge_url=cdn.url, purge_method="PURGE",
            purge_key_header="xkey-purge", purge_auth="X-Purge-Token: s3cret",
            webhook_retry_schedule=(0.1, 0.1),
        )  # fmt: skip
        with TestClient(create_app(settings)) as http:
            time.sleep(0.3)  # the purger starts from the present
            _edit(http, token_for(db, "editor"), pk, "After")
            answered = _eventually(lambda: [r for r in cdn.requests if r.headers.get("x-answered") == "ok"])
    assert answered, cdn.requests
    assert len(cdn.requests) >= 2  # the first attempt failed and was retried
    keys = set(answered[0].headers["xkey-purge"].split())
    assert {f"Article:{pk}", "articles", "section:the-peninsula"} <= keys
    assert answered[0].headers["x-purge-token"] == "s3cret"


def test_purges_queued_before_a_restart_are_sent_after_it(
    seed: Seeder, db: Database, cached: Settings
) -> None:
    pk = _article(seed, "Before")
    with receiver(status=503) as down:
        settings = replace(cached, worker=True, worker_interval=0.05, purge_url=down.url,
                           webhook_retry_schedule=(0.5,) * 5)  # fmt: skip
        with TestClient(create_app(settings)) as http:
            time.sleep(0.3)
            _edit(http, token_for(db, "editor"), pk, "After")
            assert _eventually(lambda: len(down.requests) >= 1)
    with receiver() as up, TestClient(create_app(replace(settings, purge_url=up.url))):
        assert _eventually(lambda: any(r.headers.get("x-answered") == "ok" for r in up.requests), timeout=10)
    assert f"Article:{pk}" in up.requests[0].headers["surrogate-key"].split()


def test_documents_are_registered_listed_and_removed_from_the_command_line(
    tmp_path: Path, settings: Settings
) -> None:
    from typer.testing import CliRunner

    from cms.cli import app

    env = {"CMS_DATABASE_URL": settings.database_url, "CMS_SECRET_KEY": "test-secret"}
    good, bad = tmp_path / "titles.graphql", tmp_path / "broken.graphql"
    good.write_text(TITLES)
    bad.write_text("{ articles(first: 1) { nope } }")
    runner = CliRunner()
    refused = runner.invoke(app, ["documents", "register", str(good), str(bad)], env=env)
    assert refused.exit_code == 1
    assert "broken.graphql" in refused.output
    listed = runner.invoke(app, ["documents", "list"], env=env)
    assert hashlib.sha256(TITLES.encode()).hexdigest() not in listed.output  # nothing half-written

    made = runner.invoke(app, ["documents", "register", str(good)], env=env)
    digest = hashlib.sha256(TITLES.encode()).hexdigest()
    assert (made.exit_code, made.output.strip().splitlines()[-1]) == (0, digest)
    assert "titles" in runner.invoke(app, ["documents", "list"], env=env).output
    assert runner.invoke(app, ["documents", "remove", digest], env=env).exit_code == 0
    again = runner.invoke(app, ["documents", "remove", digest], env=env)
    assert again.exit_code == 1
    assert "NOT_FOUND" in again.output or "no registered document" in again.output


def test_hits_and_misses_are_counted_and_a_hit_under_its_operation(
    seed: Seeder, db: Database, http: TestClient
) -> None:
    from .test_observability import delta, scrape

    _article(seed, "Counted")
    admin = token_for(db, "admin")
    before = scrape(http, admin)
    _get(http)
    _get(http)
    after = scrape(http, admin)
    assert delta(before, after, "cms_response_cache_misses_total") == 1
    assert delta(before, after, "cms_response_cache_hits_total") == 1
    assert delta(before, after, "cms_graphql_requests_total", operation="Titles") == 2
