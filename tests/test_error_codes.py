"""Error codes come from where the error is raised; these are the cases clients hit first."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from cms.db import Database
from cms.services import tokens
from tests.conftest import GraphQLClient
from tests.factories import Seeder
from tests.test_editorial_api import new_partner

GRAPHQL_RESPONSE = "application/graphql-response+json"
CREATE = 'mutation { createAuthor(input: {name: "Ann"}) { author { name } } }'


def _errors(response: Any) -> list[dict[str, Any]]:
    return response.json()["errors"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        pytest.param("{ articles(", "GRAPHQL_PARSE_FAILED", id="syntax"),
        pytest.param('{ stats { totalPublications } "', "GRAPHQL_PARSE_FAILED", id="unterminated-string"),
        pytest.param("{ nope }", "GRAPHQL_VALIDATION_FAILED", id="unknown-field"),
        pytest.param(
            "{ stats(x: 1) { totalPublications } }", "GRAPHQL_VALIDATION_FAILED", id="unknown-argument"
        ),
        pytest.param('{ articles(first: "x") { totalCount } }', "GRAPHQL_VALIDATION_FAILED", id="wrong-type"),
        pytest.param(
            "{ " + "a { " * 250 + "b" + " }" * 251, "QUERY_TOO_COMPLEX", id="nested-past-the-parser"
        ),
        pytest.param("{ stats { " + "totalPublications " * 1100 + "} }", "QUERY_TOO_COMPLEX", id="tokens"),
        pytest.param("# x\n" * 1100 + "{ __typename }", "QUERY_TOO_COMPLEX", id="comment-tokens"),
    ],
)
def test_parse_and_validation_errors_carry_their_own_codes(gql: GraphQLClient, query: str, code: str) -> None:
    assert set(gql.codes(query)) == {code}


@pytest.mark.parametrize(
    "value",
    [
        "yesterday",
        "2026-05-01",
        "2026-05-01T09:00:00",
        "2026-13-01T09:00:00Z",
        "0001-01-01T00:00:00+01:00",
        "9" * 500,
    ],
)
def test_a_malformed_datetime_says_which_form_is_expected(gql: GraphQLClient, value: str) -> None:
    as_literal = gql.errors(f'{{ articles(filter: {{publishedAfter: "{value}"}}) {{ totalCount }} }}')
    as_variable = gql.errors(
        "query($d: DateTime) { articles(filter: {publishedAfter: $d}) { totalCount } }", {"d": value}
    )
    for [error] in (as_literal, as_variable):
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert "ISO 8601" in error["message"]
        assert "2026-05-01T09:00:00Z" in error["message"]


def test_a_datetime_that_is_not_a_string_is_bad_input_too(gql: GraphQLClient) -> None:
    assert gql.codes("{ articles(filter: {publishedAfter: 5}) { totalCount } }") == ["BAD_USER_INPUT"]
    assert gql.codes(
        "query($d: DateTime) { articles(filter: {publishedAfter: $d}) { totalCount } }", {"d": [1]}
    ) == ["BAD_USER_INPUT"]


def test_datetimes_with_any_offset_are_read_as_the_same_instant(seed: Seeder, gql: GraphQLClient) -> None:
    seed.article("One")
    counts = {
        value: gql.data(
            "query($d: DateTime) { articles(filter: {publishedBefore: $d}) { totalCount } }", {"d": value}
        )["articles"]["totalCount"]
        for value in ("2000-01-01T00:00:00Z", "2000-01-01T01:00:00+01:00", "2999-01-01T00:00:00.5-05:00")
    }
    assert counts == {
        "2000-01-01T00:00:00Z": 0,
        "2000-01-01T01:00:00+01:00": 0,
        "2999-01-01T00:00:00.5-05:00": 1,
    }


@pytest.mark.parametrize(
    "field",
    [
        "articles(first: 2, last: 2) { totalCount }",
        "authors(first: 2, last: 2) { totalCount }",
        'author(slug: "ann") { articles(first: 2, last: 2) { totalCount } }',
    ],
)
def test_first_and_last_together_are_refused(seed: Seeder, gql: GraphQLClient, field: str) -> None:
    seed.author("Ann", slug="ann")
    [error] = gql.errors("{ " + field + " }")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "`first` or `last`" in error["message"]


# --- Authentication: a missing and a wrong token answer alike --------------------------------------


def test_a_mutation_without_a_token_is_401_like_one_with_a_wrong_token(client: TestClient) -> None:
    for headers in ({}, {"authorization": "Bearer cms_wrong"}):
        for accept in ("application/json", GRAPHQL_RESPONSE):
            response = client.post("/graphql", json={"query": CREATE}, headers={**headers, "accept": accept})
            assert response.status_code == 401
            assert response.headers["www-authenticate"] == 'Bearer realm="cms"'
            assert [e["extensions"]["code"] for e in _errors(response)] == ["UNAUTHENTICATED"]


def test_a_query_needing_a_token_for_all_it_asks_is_401(client: TestClient) -> None:
    response = client.post("/graphql", json={"query": '{ article(slug: "x", preview: true) { title } }'})
    assert response.status_code == 401
    assert response.json()["data"] == {"article": None}


def test_a_partial_answer_keeps_200_and_marks_only_the_refused_field(client: TestClient) -> None:
    query = '{ stats { totalPublications } article(slug: "x", preview: true) { title } }'
    response = client.post("/graphql", json={"query": query})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"stats": {"totalPublications": 0}, "article": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


def test_a_forbidden_mutation_is_not_401(client: TestClient, db: Database) -> None:
    with db.write() as session:
        _, partner = tokens.create(
            session, name="wire", role="partner", partner_id=new_partner(session, "Wire")
        )
    response = client.post("/graphql", json={"query": CREATE}, headers={"authorization": f"Bearer {partner}"})
    assert response.status_code == 200
    assert [e["extensions"]["code"] for e in _errors(response)] == ["FORBIDDEN"]
