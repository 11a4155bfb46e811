"""The cost model: computed before execution, limited per role, reported on every answer."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import build_schema, get_introspection_query, parse
from graphql.execution.values import get_variable_values
from starlette.testclient import TestClient

import cms.services.authors
from cms.db import Database
from cms.graphql.cost import FIELD_COSTS, CostCalculator, FieldCost, page_argument, register
from cms.settings import Settings
from tests.conftest import GraphQLClient
from tests.factories import Seeder
from tests.test_editorial_api import token_for

GRAPHQL_RESPONSE = "application/graphql-response+json"
FRONT_PAGE = """query W1 { articles(first: 20) { totalCount edges { node {
  title slug summary publishedAt section { name } category { name slug } authors { name slug }
  leadImage { credit { creator license { code } } } } } } }"""
# Authors x their articles x those articles' authors x theirs: 1-16 s and 90-200 MB on a real corpus.
ABUSE = """{ authors(first: 100) { edges { node { articles(first: 100) { edges { node {
  authors { articles(first: 100) { edges { node { title } } } } } } } } } } }"""
# 100 authors x 100 articles x their bylines: more than a partner may ask, within staff's limit.
WIDE = """{ authors(first: 100) { edges { node {
  articles(first: 100) { edges { node { authors { name } } } } } } } }"""


def _token(db: Database, role: str) -> str:
    return token_for(db, role, f"a {role}")


def _post(client: TestClient, query: str, token: str | None = None, **extra: Any) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    headers.update(extra.pop("headers", {}))
    return client.post("/graphql", json={"query": query, **extra}, headers=headers)


def test_every_answer_carries_its_cost_and_the_limit(client: TestClient) -> None:
    answers = {
        "ok": _post(client, FRONT_PAGE),
        "parse error": _post(client, "{ articles("),
        "validation error": _post(client, "{ nope }"),
        "bad variable": _post(client, "query($n: Int!) { articles(first: $n) { totalCount } }"),
        "field error": _post(client, '{ node(id: "garbage") { id } }'),
        "too costly": _post(client, ABUSE),
        "transport error": client.post(
            "/graphql", content=b"[]", headers={"content-type": "application/json"}
        ),
    }
    costs = {name: answer.json()["extensions"]["cost"] for name, answer in answers.items()}
    assert costs == {
        "ok": {"requested": 341, "limit": 10_000},
        "parse error": {"requested": 0, "limit": 10_000},
        "validation error": {"requested": 0, "limit": 10_000},
        "bad variable": {"requested": 0, "limit": 10_000},
        "field error": {"requested": 1, "limit": 10_000},  # the node itself
        "too costly": {"requested": 20_220_301, "limit": 10_000},
        "transport error": {"requested": 0, "limit": 10_000},
    }


def test_the_known_abuse_is_refused_for_anonymous_callers_before_any_resolver_runs(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Any] = []
    monkeypatch.setattr(cms.services.authors, "list_page", lambda *a, **k: calls.append(a) or ([], False))
    for accept in ("application/json", GRAPHQL_RESPONSE):
        response = _post(client, ABUSE, headers={"accept": accept})
        assert response.status_code == (400 if accept == GRAPHQL_RESPONSE else 200)
        [error] = response.json()["errors"]
        assert error["extensions"].pop("requestId")  # every error names its request
        assert error["extensions"] == {
            "code": "QUERY_TOO_COMPLEX",
            "cost": {"requested": 20_220_301, "limit": 10_000},
        }
        assert "smaller pages" in error["message"]
    assert calls == []


def test_limits_rise_from_anonymous_to_partners_to_staff(client: TestClient, db: Database) -> None:
    partner, editor = _token(db, "partner"), _token(db, "editor")
    assert _post(client, WIDE).json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert _post(client, WIDE, partner).json()["errors"][0]["extensions"]["cost"] == {
        "requested": 120_301,
        "limit": 100_000,
    }
    staff = _post(client, WIDE, editor).json()
    assert "errors" not in staff
    assert staff["extensions"]["cost"] == {"requested": 120_301, "limit": 200_000}
    # Nobody may send the abuse.
    for token in (partner, editor):
        assert _post(client, ABUSE, token).json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


def test_the_cost_follows_the_variables(client: TestClient) -> None:
    query = "query($n: Int) { articles(first: $n) { edges { node { title section { name } } } } }"
    costs = [
        _post(client, query, variables=v).json()["extensions"]["cost"]["requested"]
        for v in ({"n": 5}, {"n": 50}, {})
    ]
    assert costs == [1 + 5 * 3, 1 + 50 * 3, 1 + 20 * 3]  # connection + edges x (edge, node, section)


def test_a_page_past_the_maximum_gets_the_page_size_error_not_the_cost_one(gql: GraphQLClient) -> None:
    assert gql.codes(
        "{ articles(first: 5000) { edges { node { authors { articles { totalCount } } } } } }"
    ) == ["BAD_USER_INPUT"]


def test_fragments_are_counted_where_they_are_spread(client: TestClient) -> None:
    inline = "{ articles(first: 10) { edges { node { section { name } } } } }"
    spread = "{ articles(first: 10) { ...F } }"
    spread += " fragment F on ArticleConnection { edges { node { section { name } } } }"
    costs = [_post(client, q).json()["extensions"]["cost"]["requested"] for q in (inline, spread)]
    assert costs == [31, 31]


def test_a_fragment_spread_exponentially_is_refused_quickly(client: TestClient) -> None:
    # Each fragment spreads the next twice: 2^30 copies of the innermost selection.
    fragments = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(30))
    query = "{ ...F0 } " + fragments + " fragment F30 on Query { stats { totalPublications } }"
    response = _post(client, query)
    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert response.json()["extensions"]["cost"]["requested"] == 2**30


def test_introspection_costs_a_fixed_amount_and_is_never_refused_for_depth(client: TestClient) -> None:
    full = _post(client, get_introspection_query(descriptions=True)).json()
    assert "errors" not in full
    assert full["extensions"]["cost"]["requested"] == 1000
    deep = "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType {"
    deep += " ofType { ofType { name } } } } } } } } } } } } }"
    answer = _post(client, deep).json()
    assert "errors" not in answer, answer
    assert answer["extensions"]["cost"]["requested"] == 1000


def test_a_mutation_field_costs_ten_on_top_of_its_payload(client: TestClient, db: Database) -> None:
    editor = _token(db, "editor")
    mutation = 'mutation { createAuthor(input: {name: "Ann"}) { author { name } userErrors { code } } }'
    body = _post(client, mutation, editor).json()
    assert body["data"]["createAuthor"]["author"] == {"name": "Ann"}
    # payload 1 + author 1 + userErrors 10 (a plain list) + 10 for the mutation
    assert body["extensions"]["cost"]["requested"] == 22


def test_a_real_front_page_is_served_at_its_cost(seed: Seeder, gql: GraphQLClient) -> None:
    seed.article("One")
    assert gql.data(FRONT_PAGE)["articles"]["totalCount"] == 1


# --- The registry, for fields that return a page of their own (e.g. `changes`) --------------------

MIRROR_SCHEMA = build_schema("""
type Query { changes(since: String, first: Int = 100): ChangeSet! }
type ChangeSet { items: [ChangeItem!]!  tombstones: [Tombstone!]!  nextToken: String!  hasMore: Boolean! }
type ChangeItem { kind: String!  entityId: ID!  at: String!  article: Article }
type Tombstone { entityId: ID!  at: String!  reason: String! }
type Article { title: String!  slug: String!  bodyHtml: String!  section: Named  category: Named
  authors: [Author!]!  leadImage: Image }
type Named { name: String!  slug: String! }
type Author { name: String!  slug: String!  photo: Image }
type Image { credit: Credit!  url: String! }
type Credit { line: String!  license: License! }
type License { code: String! }
""")
MIRROR = """query($first: Int) { changes(since: "x", first: $first) {
  items { kind entityId at article { title slug bodyHtml section { name slug } category { name slug }
    authors { name slug photo { url credit { line license { code } } } }
    leadImage { url credit { line license { code } } } } }
  tombstones { entityId at reason } nextToken hasMore } }"""


def _cost(schema: Any, query: str, variables: dict[str, Any]) -> int:
    document = parse(query)
    operation = document.definitions[0]
    values = get_variable_values(schema, operation.variable_definitions, variables)  # type: ignore[attr-defined]
    assert not isinstance(values, list)
    return CostCalculator(schema, {}, values, default_page=20, max_page=100).operation(operation)  # type: ignore[arg-type]


def test_a_registered_page_sizes_the_lists_inside_it_and_a_mirror_fits_a_partner(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(FIELD_COSTS, "Query.changes", FieldCost(page=page_argument("first", default=100)))
    register("Query.changes", FieldCost(page=page_argument("first", default=100)))
    # changeSet 1 + items and tombstones of 1000 each; an item holds its article (1), section,
    # category, lead image with credit and licence (5), and 10 authors with photo, credit, licence (40).
    per_item = 1 + 1 + 2 + 3 + 10 * 4
    assert _cost(MIRROR_SCHEMA, MIRROR, {"first": 1000}) == 1 + 1000 * per_item + 1000
    assert _cost(MIRROR_SCHEMA, MIRROR, {}) == 1 + 100 * per_item + 100
    settings = Settings()
    assert (
        settings.max_cost_anonymous
        < _cost(MIRROR_SCHEMA, MIRROR, {"first": 1000})
        <= settings.max_cost_partner
    )
