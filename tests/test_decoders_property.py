"""Any id or cursor a client sends decodes into a result or BAD_USER_INPUT, never a crash.

Property-based: hypothesis generates ids and cursors, from plain noise to well-formed
shells around hostile contents (huge and negative numbers, deep nesting, wrong types,
times out of range), and every argument that decodes one is attacked with them. The
seed is fixed (derandomize) and the examples capped, so runs repeat exactly.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from cms.db import Database
from cms.services import tokens
from tests.factories import Seeder

EXAMPLES = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ORDERS = ["PUBLISHED_AT_DESC", "PUBLISHED_AT_ASC", "UPDATED_AT_DESC", "TITLE_ASC"]
TYPES = ["Article", "Author", "Image", "Section", "Category", "Revision", "article", "Nope", ""]

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(
        ["2024-05-01T00:00:00+00:00", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2024-05-01"]
    ),
)
_json_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
)
_parts = st.lists(
    st.one_of(st.sampled_from([*ORDERS, "search", "image", "revision", "NAME_ASC"]), _scalars), max_size=5
)


def _b64(raw: bytes, urlsafe: bool) -> str:
    encoded = base64.urlsafe_b64encode(raw) if urlsafe else base64.b64encode(raw)
    return encoded.decode().rstrip("=" if urlsafe else "")


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


cursors = st.one_of(
    st.text(max_size=60),
    st.binary(max_size=80).map(lambda raw: _b64(raw, urlsafe=True)),
    _json_values.map(lambda v: _b64(_json_bytes(v), urlsafe=True)),
    _parts.map(lambda v: _b64(_json_bytes(v), urlsafe=True)),
    st.integers(min_value=1, max_value=6000).map(lambda n: _b64(b"[" * n + b"]" * n, urlsafe=True)),
    st.integers(min_value=1, max_value=6000).map(lambda n: _b64(b"[" * n, urlsafe=True)),
    st.integers(min_value=0, max_value=20000).map(lambda n: "A" * n),
)
ids = st.one_of(
    st.text(max_size=60),
    st.binary(max_size=60).map(lambda raw: _b64(raw, urlsafe=False)),
    st.tuples(st.sampled_from(TYPES), st.integers(min_value=-(2**80), max_value=2**80)).map(
        lambda t: _b64(f"{t[0]}:{t[1]}".encode(), urlsafe=False)
    ),
    st.tuples(st.sampled_from(TYPES), st.text(max_size=20)).map(
        lambda t: _b64(f"{t[0]}:{t[1]}".encode(), urlsafe=False)
    ),
    st.integers(min_value=0, max_value=5000).map(lambda n: "QQ==" * n),
)

ID_QUERIES = [
    "query($v: ID!) { node(id: $v) { id } }",
    "query($v: ID) { article(id: $v) { title } }",
    "query($v: ID!) { image(id: $v) { title } }",
    'mutation($v: ID!) { updateArticle(id: $v, input: {title: "x"}, expectedVersion: 1) {'
    " userErrors { code } } }",
]
CURSOR_QUERIES = [
    *(f"query($v: String) {{ articles(after: $v, orderBy: {o}) {{ totalCount }} }}" for o in ORDERS),
    *(f"query($v: String) {{ articles(before: $v, orderBy: {o}) {{ totalCount }} }}" for o in ORDERS),
    "query($v: String) { authors(after: $v) { totalCount } }",
    "query($v: String) { authors(last: 2, before: $v) { totalCount } }",
    "query($v: String) { images(after: $v) { totalCount } }",
    'query($v: String) { search(query: "harbour", after: $v) { totalCount } }',
    'query($v: String) { author(slug: "ann") { articles(after: $v) { totalCount } } }',
    'query($v: String) { section(slug: "world") { articles(last: 1, before: $v) { totalCount } } }',
    'query($v: String) { category(slug: "analysis") { articles(after: $v) { totalCount } } }',
    'query($v: String) { article(slug: "one") { revisions(after: $v) { totalCount } } }',
]


@pytest.fixture
def editor(client: TestClient, db: Database, seed: Seeder) -> TestClient:
    """An editor's client over a small newsroom, so that nested cursors are reached."""
    author, section, category = (
        seed.author("Ann", slug="ann"),
        seed.section("World", slug="world"),
        seed.category("Analysis", slug="analysis"),
    )
    seed.article("One", slug="one", author_ids=[author], section_id=section, category_id=category)
    with db.write() as session:
        _, token = tokens.create(session, name="attacker", role="editor")
    client.headers["authorization"] = f"Bearer {token}"
    return client


def _assert_handled(client: TestClient, query: str, value: str) -> None:
    response = client.post("/graphql", json={"query": query, "variables": {"v": value}})
    assert response.status_code != 500, response.text
    codes = [e["extensions"]["code"] for e in response.json().get("errors", ())]
    assert "INTERNAL_SERVER_ERROR" not in codes, (value, response.text)
    assert set(codes) <= {"BAD_USER_INPUT", "NOT_FOUND"}, (value, response.text)


@pytest.mark.parametrize("query", ID_QUERIES)
def test_any_id_is_a_result_or_bad_user_input(editor: TestClient, query: str) -> None:
    @EXAMPLES
    @given(value=ids)
    def attack(value: str) -> None:
        _assert_handled(editor, query, value)

    attack()


@pytest.mark.parametrize("query", CURSOR_QUERIES)
def test_any_cursor_is_a_result_or_bad_user_input(editor: TestClient, query: str) -> None:
    @EXAMPLES
    @given(value=cursors)
    def attack(value: str) -> None:
        _assert_handled(editor, query, value)

    attack()


@pytest.mark.parametrize(
    "value",
    [
        base64.b64encode(f"Article:{2**70}".encode()).decode(),
        base64.b64encode(f"Article:{2**31}".encode()).decode(),
        base64.b64encode(b"Article:0").decode(),
        base64.b64encode(b"Article:-1").decode(),
        base64.b64encode("Article:١٢".encode()).decode(),  # Arabic-Indic digits: int() would take them
        base64.b64encode(b"Article: 12").decode(),
    ],
)
def test_the_ids_that_used_to_crash_are_bad_user_input(editor: TestClient, value: str) -> None:
    response = editor.post("/graphql", json={"query": ID_QUERIES[0], "variables": {"v": value}})
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["BAD_USER_INPUT"]


def test_a_cursor_nested_five_thousand_deep_is_bad_user_input(editor: TestClient) -> None:
    cursor = _b64(b"[" * 5000 + b"]" * 5000, urlsafe=True)
    response = editor.post("/graphql", json={"query": CURSOR_QUERIES[0], "variables": {"v": cursor}})
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["BAD_USER_INPUT"]
