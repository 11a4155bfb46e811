"""cms.driver runs the read model's statements on the driver: every answer, every failure and
every statement listener must be what ``conn.execute`` gives, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, bindparam, event, insert, select, text
from sqlalchemy.exc import DBAPIError

from cms import driver
from cms.db import Database
from cms.models import Article, ArticleAuthor, ArticleSlug, Author, utcnow
from cms.services import articles, library, views
from cms.services.articles import Filter, Order
from cms.services.pagination import Page
from tests.factories import Seeder

_article = Article.__table__  # type: ignore[attr-defined]
_author = Author.__table__  # type: ignore[attr-defined]
_byline = ArticleAuthor.__table__  # type: ignore[attr-defined]


@pytest.fixture
def content(seed: Seeder, db: Database) -> dict[str, Any]:
    section = seed.section("The Peninsula")
    category = seed.category("North Korea")
    authors = [seed.author(f"Author {i}", bio=f"Bio {i}") for i in range(3)]
    images = [seed.image(license=code) for code in ("CC-BY-2.0", "CC-BY-NC-ND-2.0")]
    ids = [
        seed.article(
            f"Article {i} «ünïcode» שלום ]]> 100%",
            section_id=section,
            category_id=category,
            author_ids=[authors[i % 3], authors[(i + 1) % 3]],
            lead_image_id=images[i % 2],
            published_at=utcnow() - timedelta(hours=i),
        )
        for i in range(6)
    ]
    seed.article("A draft", state="draft", author_ids=[authors[0]])
    seed.article("Due tomorrow", published_at=utcnow() + timedelta(days=1))
    with db.write() as session:
        session.execute(insert(ArticleSlug.__table__).values(slug="the-old-name", article_id=ids[0]))  # type: ignore[attr-defined]
    return {"ids": ids, "authors": authors, "images": images, "category": category}


@pytest.fixture
def conn(db: Database) -> Iterator[Connection]:
    with db.connect() as connection:
        yield connection


def _statements(content: dict[str, Any], slug: str) -> list[tuple[str, Any, dict[str, Any]]]:
    now = utcnow()
    ids = content["ids"]
    page_flt = Filter(public=True, category_id=content["category"])
    list_stmt = articles._list_statement(
        articles._shape(page_flt),
        articles._representative(page_flt),
        articles._EPOCH,
        Order.PUBLISHED_AT_DESC,
        True,
        False,
        False,
    )
    after_stmt = articles._list_statement(
        articles._shape(page_flt),
        articles._representative(page_flt),
        articles._EPOCH,
        Order.PUBLISHED_AT_DESC,
        True,
        True,
        True,
    )
    return [
        ("one by id, public", articles._one_statement("id", "public"), {"key": ids[1], "now": now}),
        ("one by slug, all", articles._one_statement("slug", "all"), {"key": slug}),
        (
            "former slug",
            articles._one_statement("former_slug", "public"),
            {"key": "the-old-name", "now": now},
        ),
        ("no such slug", articles._one_statement("slug", "public"), {"key": "nothing-here", "now": now}),
        ("one byline", articles._BYLINES, {"ids": ids[:1]}),
        ("bylines", articles._BYLINES, {"ids": ids}),
        ("bylines of none", articles._BYLINES, {"ids": []}),
        ("articles by id", articles._BY_IDS_WITH_BODY, {"ids": list(reversed(ids))}),
        ("one image", library._BY_IDS, {"ids": content["images"][1:]}),
        ("images", library._BY_IDS, {"ids": content["images"]}),
        ("authors", views._AUTHORS_BY_ID, {"ids": content["authors"]}),
        ("a list page", list_stmt, {**articles._params(page_flt, now), "page_limit": 4}),
        (
            "a page after a cursor",
            after_stmt,
            {
                **articles._params(page_flt, now),
                "page_limit": 3,
                "cursor_value": now - timedelta(hours=1),
                "cursor_id": ids[1],
            },
        ),
    ]


def test_every_read_model_statement_answers_what_conn_execute_does(
    conn: Connection, content: dict[str, Any]
) -> None:
    slug = conn.execute(select(_article.c.slug).where(_article.c.id == content["ids"][0])).scalar_one()
    for name, statement, params in _statements(content, slug):
        expected = list(conn.execute(statement, params))
        got = driver.rows(conn, statement, params)
        assert got == expected, name
        assert [row._mapping for row in got] == [row._mapping for row in expected], name
        assert all(
            type(a) is type(b) for x, y in zip(got, expected, strict=True) for a, b in zip(x, y, strict=True)
        )
        if name != "no such slug" and not name.endswith("of none"):
            assert got, f"{name}: the comparison must cover rows"
    first = driver.first(conn, articles._one_statement("id", "all"), {"key": content["ids"][2]})
    assert first is not None
    assert first.published_at.tzinfo is not None  # read back through the column's type, as SQLAlchemy does
    assert first.title.startswith("Article 2 «ünïcode» שלום ]]> 100%")


def test_a_statement_is_announced_to_listeners_as_sent(
    db: Database, conn: Connection, content: dict[str, Any]
) -> None:
    seen: list[tuple[str, Any]] = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: seen.append((a[2], a[3])))
    driver.rows(conn, articles._BYLINES, {"ids": content["ids"][:3]})
    driver.rows(conn, library._BY_IDS, {"ids": content["images"][:1]})
    statements = [sql for sql, _ in seen if sql != "BEGIN"]
    assert len(statements) == 2
    assert "article_author" in statements[0]
    assert "FROM image" in statements[1]


def test_a_failing_statement_raises_what_conn_execute_raises(conn: Connection) -> None:
    missing = select(text("nothing")).select_from(text("no_such_table")).where(text("1 = :one"))
    with pytest.raises(DBAPIError) as through_sqlalchemy:
        conn.execute(missing, {"one": 1})
    conn.rollback()
    with pytest.raises(DBAPIError) as direct_error:
        driver.rows(conn, missing, {"one": 1})
    assert type(direct_error.value) is type(through_sqlalchemy.value)
    assert direct_error.value.connection_invalidated is False
    conn.rollback()
    assert conn.execute(text("SELECT 1")).scalar_one() == 1  # the connection is still good


def test_a_connection_the_server_dropped_is_invalidated(db: Database, conn: Connection) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite has no server to drop the connection")
    pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with db.engine.connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    with pytest.raises(DBAPIError) as failed:
        driver.rows(conn, library._BY_IDS, {"ids": [1]})
    assert failed.value.connection_invalidated is True


def test_columns_of_one_name_are_told_apart_as_sqlalchemy_does(
    conn: Connection, content: dict[str, Any]
) -> None:
    both = (
        select(_article.c.id, _author.c.id)
        .join_from(_article, _byline, _byline.c.article_id == _article.c.id)
        .join(_author, _author.c.id == _byline.c.author_id)
        .where(_author.c.id == content["authors"][0])
    )
    expected = conn.execute(both)
    got = driver.rows(conn, both, {})
    assert list(got[0]._mapping) == list(expected.keys()) == ["id", "id_1"]
    assert got == list(expected)


def test_statements_it_cannot_run_exactly_are_refused(conn: Connection) -> None:
    two_lists = select(_article.c.id).where(
        _article.c.id.in_(bindparam("a", expanding=True)), _article.c.slug.in_(bindparam("b", expanding=True))
    )
    with pytest.raises(driver.Unsupported, match="expanding"):
        driver.rows(conn, two_lists, {"a": [1], "b": ["x"]})


def test_lists_of_many_lengths_each_get_their_own_placeholders(
    conn: Connection, content: dict[str, Any]
) -> None:
    ids = content["ids"]
    for length in range(1, len(ids) + 1):
        got = driver.rows(conn, articles._BY_IDS, {"ids": ids[:length]})
        assert sorted(row.id for row in got) == sorted(ids[:length])


def test_a_list_page_read_directly_is_the_page_the_service_gives(
    conn: Connection, content: dict[str, Any]
) -> None:
    flt = Filter(public=True)
    rows, more = articles.list_page(
        conn,
        flt,
        order=Order.PUBLISHED_AT_DESC,
        page=Page(limit=4, forward=True),
        now=utcnow(),
        with_body=False,
    )
    assert [row.id for row in rows] == content["ids"][:4]
    assert more is True
    assert articles.count(conn, flt, now=utcnow()) == 6
