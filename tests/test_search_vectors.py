"""An import computes PostgreSQL's search rows in Python: exactly the trigger's rows, or none.

cms/search/vectors.py computes ``article_search``'s vector, head and token count for
plain ASCII text, and leaves everything else to the server. The tests on PostgreSQL
compare its rows with ``cms_search_row()`` (what the trigger stores) for generated
text and for whole imports; the others check the layout and what it refuses.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, text

from cms.db import Database
from cms.errors import CMSError
from cms.search import vectors
from cms.services.corpus import read
from cms.services.importer import import_corpus
from tests.conftest import GraphQLClient
from tests.test_import_export import sample, write_corpus


def on_postgresql(db: Database) -> bool:
    return db.engine.dialect.name == "postgresql"


def test_positions_run_through_title_summary_and_body_one_gap_apart() -> None:
    found = vectors.row("War and Peace", "A summary", "Body text: war!")
    assert found is not None
    assert vectors.as_text(found.vector) == (
        "'a':5B 'and':2A 'bodi':8C 'peac':3A 'summari':6B 'text':9C 'war':1A,10C '|':4,7"
    )
    assert vectors.as_text(found.head) == "'a':5B 'and':2A 'peac':3A 'summari':6B 'war':1A '|':4"
    assert found.tokens == 8


def test_search_text_rewrites_reach_the_stemmer() -> None:
    # -logy and -bly as FTS5 stems them, short words ending in s kept apart from their stems.
    assert [vectors.lexeme(w) for w in ("analogies", "terribly", "is", "as", "running", "2024")] == [
        "analog",
        "terribl",
        "issss",
        "assss",
        "run",
        "2024",
    ]


@pytest.mark.parametrize(
    ("title", "body"),
    [
        ("Café society", "plain"),  # not ASCII: the server folds accents
        ("Plain", "a measured 12e3x gain"),  # the parser reads 12e3 as a number
        ("Plain", "a" * 1001),  # stored unstemmed by the server
        ("Plain", "the " * 257),  # one lexeme past 256 positions
        ("Plain", "word " * 16382),  # positions past 16,383
    ],
)
def test_text_the_rules_do_not_cover_is_left_to_the_server(title: str, body: str) -> None:
    assert vectors.row(title, "summary", body) is None


# What editors type: words with the endings the rewrites handle, numbers, punctuation, spacing.
_EDITORS_WORDS = """
    the a is as us by key says analogies apology ecology agreeably humbly terribly ably running ran runs
    2024 007 3d co2 x1 b52s 1e 10e e10 i o y ys ies ying UPPER MiXeD
"""
_WORDS = st.sampled_from(_EDITORS_WORDS.split()) | st.text(alphabet="abcdeilosuy0123", min_size=1, max_size=9)
_GLUE = st.sampled_from([" ", "  ", ", ", ". ", "-", "'", "\n", "\t", " & ", "/", "_", "(", ") ", ";"])
_TEXT = st.lists(st.tuples(_WORDS, _GLUE), max_size=40).map(lambda parts: "".join(w + g for w, g in parts))


@settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(title=_TEXT, summary=_TEXT, body=_TEXT)
def test_rows_computed_here_are_the_servers(db: Database, title: str, summary: str, body: str) -> None:
    if not on_postgresql(db):
        pytest.skip("compares with PostgreSQL's cms_search_row()")
    if vectors.row(title, summary, body) is None:
        return
    with db.connect() as conn:
        assert vectors.same_as_server(conn, title, summary, body)


def test_the_probe_agrees_with_the_server(db: Database) -> None:
    if not on_postgresql(db):
        pytest.skip("compares with PostgreSQL")
    with db.connect() as conn:
        assert vectors.agrees(conn)


def _mismatched(conn: Connection) -> list[str]:
    """Articles whose stored search row is not what the trigger would store."""
    return list(
        conn.execute(
            text(
                "SELECT a.slug FROM article a LEFT JOIN article_search s ON s.article_id = a.id "
                "LEFT JOIN LATERAL cms_search_row(a.title, a.summary, a.body_text) r ON true "
                "WHERE s.article_id IS NULL OR s.vector <> r.vector OR s.head <> r.head "
                "OR s.tokens <> r.tokens"
            )
        ).scalars()
    )


def _corpus_with_text_left_to_the_server() -> dict[str, list[dict[str, Any]]]:
    corpus = sample()
    corpus["articles"][1]["title"] = "Séoul: une ville à deux vitesses"
    corpus["articles"][4]["body"] = "<p>Growth of 12e3x percent, said nobody.</p>"
    return corpus


@pytest.mark.parametrize("helper_process", [False, True])
def test_an_import_stores_the_triggers_search_rows(
    db: Database, gql: GraphQLClient, tmp_path: Path, helper_process: bool
) -> None:
    folder = write_corpus(tmp_path / "corpus", _corpus_with_text_left_to_the_server())
    with db.write() as session:
        import_corpus(session, read(folder), helper_process=helper_process, batch_size=3)
    if on_postgresql(db):
        with db.connect() as conn:
            assert _mismatched(conn) == []
    hits = gql.data('{ search(query: "seoul vitesses") { edges { node { slug } } } }')["search"]["edges"]
    assert [edge["node"]["slug"] for edge in hits] == [sample()["articles"][1]["slug"]]


def test_a_reimport_reindexes_what_it_changes_and_the_trigger_works_after_it(
    db: Database, gql: GraphQLClient, tmp_path: Path
) -> None:
    corpus = sample()
    with db.write() as session:
        import_corpus(session, read(write_corpus(tmp_path / "first", corpus)))
    corpus["articles"][0]["body"] = "<p>Quokkas everywhere.</p>"
    with db.write() as session:
        import_corpus(session, read(write_corpus(tmp_path / "second", corpus)))
    slug = corpus["articles"][0]["slug"]
    with db.write() as session:  # an editor's write, after the import: the trigger indexes it again
        session.execute(text("UPDATE article SET title = 'Wombats' WHERE slug = :slug"), {"slug": slug})
    if on_postgresql(db):
        with db.connect() as conn:
            assert _mismatched(conn) == []
    for word in ("quokkas", "wombats"):
        hits = gql.data(f'{{ search(query: "{word}") {{ edges {{ node {{ slug }} }} }} }}')["search"]["edges"]
        assert [edge["node"]["slug"] for edge in hits] == [slug], word


def _pending(conn: Connection) -> dict[str, int]:
    """Entries in each search index's pending list, not yet merged into the index."""
    conn.execute(text("CREATE EXTENSION IF NOT EXISTS pgstattuple"))
    return {
        index: int(conn.execute(text(f"SELECT pending_tuples FROM pgstatginindex('{index}')")).scalar_one())
        for index in ("ix_article_search_match", "ix_article_search_head")
    }


def _found(gql: GraphQLClient, words: str) -> list[str]:
    hits = gql.data(f'{{ search(query: "{words}") {{ edges {{ node {{ slug }} }} }} }}')["search"]["edges"]
    return [edge["node"]["slug"] for edge in hits]


def _definitions(conn: Connection) -> dict[str, str | None]:
    return {
        index: conn.execute(text(f"SELECT pg_get_indexdef(to_regclass('{index}'))")).scalar_one()
        for index in ("ix_article_search_match", "ix_article_search_head")
    }


@pytest.fixture
def indexes_before(db: Database) -> dict[str, str | None]:
    """The search indexes' definitions as the test starts (PostgreSQL's alone)."""
    if not on_postgresql(db):
        pytest.skip("GIN indexes are PostgreSQL's")
    with db.connect() as conn:
        return _definitions(conn)


def test_an_import_merges_its_search_entries_into_the_indexes_before_it_commits(
    db: Database, gql: GraphQLClient, tmp_path: Path
) -> None:
    if not on_postgresql(db):
        pytest.skip("GIN's pending list is PostgreSQL's")
    corpus = sample()
    with db.write() as session:
        import_corpus(session, read(write_corpus(tmp_path / "first", corpus)))
    # Fewer new articles than there are: merged into the indexes, not built anew.
    extra = dict(corpus["articles"][0], id=999, slug="wombat-census", title="The wombat census")
    with db.write() as session:
        import_corpus(session, read(write_corpus(tmp_path / "second", dict(corpus, articles=[extra]))))
    with db.connect() as conn:
        assert _pending(conn) == {"ix_article_search_match": 0, "ix_article_search_head": 0}
    assert _found(gql, "wombat census") == ["wombat-census"]


def test_an_import_larger_than_the_site_builds_the_search_indexes_anew(
    db: Database, gql: GraphQLClient, tmp_path: Path, indexes_before: dict[str, str | None]
) -> None:
    with db.write() as session:
        import_corpus(session, read(write_corpus(tmp_path / "corpus", sample())))
    with db.connect() as conn:
        assert _definitions(conn) == indexes_before
        assert _pending(conn) == {"ix_article_search_match": 0, "ix_article_search_head": 0}
    assert _found(gql, "sanctions") == [sample()["articles"][0]["slug"]]


def test_an_import_refused_half_way_leaves_the_search_indexes_in_place(
    db: Database, gql: GraphQLClient, tmp_path: Path, indexes_before: dict[str, str | None]
) -> None:
    corpus = sample()
    corpus["articles"].append(dict(corpus["articles"][0], id=998, slug="broken", published_at="yesterday"))
    with pytest.raises(CMSError), db.write() as session:
        import_corpus(session, read(write_corpus(tmp_path / "corpus", corpus)), batch_size=2)
    with db.connect() as conn:
        assert _definitions(conn) == indexes_before
    assert _found(gql, "sanctions") == []


def test_a_role_that_does_not_own_the_indexes_imports_all_the_same(
    db: Database, gql: GraphQLClient, tmp_path: Path
) -> None:
    if not on_postgresql(db):
        pytest.skip("index ownership is PostgreSQL's")
    role = f"importer_{uuid.uuid4().hex[:8]}"
    with db.write() as session:
        session.execute(text(f"CREATE ROLE {role}"))
        session.execute(text(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}"))
        session.execute(text(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}"))
    try:
        with db.write() as session:
            session.execute(text(f"SET LOCAL ROLE {role}"))
            import_corpus(session, read(write_corpus(tmp_path / "corpus", sample())))
        with db.connect() as conn:
            assert sum(_pending(conn).values()) > 0  # left to be merged as GIN goes on
        assert _found(gql, "sanctions") == [sample()["articles"][0]["slug"]]
    finally:
        with db.write() as session:
            session.execute(text(f"DROP OWNED BY {role}"))
            session.execute(text(f"DROP ROLE {role}"))


def test_an_import_whose_indexing_process_dies_is_refused_whole(
    db: Database, gql: GraphQLClient, tmp_path: Path
) -> None:
    if not on_postgresql(db):
        pytest.skip("the importer computes search rows on PostgreSQL only")
    corpus = sample()
    first = corpus["articles"][0]
    corpus["articles"] = [
        dict(first, id=5000 + n, slug=f"long-{n}", body="<p>" + "Sanctions bite hard. " * 200 + "</p>")
        for n in range(3000)
    ]
    failure: list[BaseException] = []

    def run() -> None:
        try:
            with db.write() as session:
                import_corpus(session, read(write_corpus(tmp_path / "corpus", corpus)), helper_process=True)
        except BaseException as exc:
            failure.append(exc)

    importer = threading.Thread(target=run)
    importer.start()
    deadline = time.monotonic() + 60
    while not (found := [p for p in multiprocessing.active_children() if p.name == "cms-import-indexer"]):
        assert importer.is_alive(), "the import ended before an indexing process was seen"
        assert time.monotonic() < deadline, "no indexing process was started"
        time.sleep(0.01)
    os.kill(found[0].pid, signal.SIGKILL)
    importer.join(timeout=60)
    assert len(failure) == 1
    assert isinstance(failure[0], CMSError)
    assert "nothing was imported" in str(failure[0])
    assert _found(gql, "sanctions") == []
