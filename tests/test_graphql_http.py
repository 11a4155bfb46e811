"""GraphQL over HTTP: methods, media types, status codes, limits and error masking.

Some tests go through a real uvicorn server (the ``server`` fixture), so that headers, body
limits and status codes are what a client on the network gets; the rest use the in-process
client.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

import cms.services.articles
from cms.app import create_app
from cms.settings import Settings
from tests.factories import Seeder

GRAPHQL_RESPONSE = "application/graphql-response+json"
STATS = "{ stats { totalPublications } }"


def _media_type(response: Any) -> str:
    return str(response.headers.get("content-type", "")).split(";")[0].strip()


def _answer(response: Any) -> dict[str, Any]:
    """The body without its cost, which every answer carries (tested in test_query_cost.py)."""
    body = dict(response.json())
    assert set(body.pop("extensions")) == {"cost"}
    return body


def _codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body["errors"]]


@pytest.fixture
def http(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=30) as client:
        yield client


# --- Methods and transports ---------------------------------------------------------------------


def test_post_with_a_json_body_answers_a_query(seed: Seeder, http: httpx.Client) -> None:
    seed.article("One")
    response = http.post("/graphql", json={"query": STATS})
    assert response.status_code == 200
    assert _media_type(response) == "application/json"
    assert _answer(response) == {"data": {"stats": {"totalPublications": 1}}}


def test_post_with_variables_and_operation_name(seed: Seeder, http: httpx.Client) -> None:
    seed.article("One", slug="one")
    seed.article("Two", slug="two")
    response = http.post(
        "/graphql",
        json={
            "query": "query A($s: String) { article(slug: $s) { title } }"
            " query B { stats { totalPublications } }",
            "variables": {"s": "two"},
            "operationName": "A",
        },
    )
    assert response.status_code == 200
    assert _answer(response) == {"data": {"article": {"title": "Two"}}}


def test_get_with_a_query_string_answers_a_query(seed: Seeder, http: httpx.Client) -> None:
    seed.article("One", slug="one")
    response = http.get(
        "/graphql",
        params={"query": "query($s: String) { article(slug: $s) { title } }", "variables": '{"s": "one"}'},
    )
    assert response.status_code == 200
    assert _answer(response) == {"data": {"article": {"title": "One"}}}


def test_a_mutation_over_get_is_refused_as_method_not_allowed(http: httpx.Client) -> None:
    response = http.get("/graphql", params={"query": "mutation { __typename }"})
    assert response.status_code == 405
    assert "POST" in response.headers["allow"]
    body = response.json()
    assert "data" not in body
    assert _codes(body) == ["METHOD_NOT_ALLOWED"]


def test_a_mutation_over_post_is_executed(client: TestClient) -> None:
    response = client.post("/graphql", json={"query": "mutation { __typename }"})
    assert response.status_code == 200
    assert _answer(response) == {"data": {"__typename": "Mutation"}}


def test_a_browser_opening_the_endpoint_gets_graphiql(client: TestClient) -> None:
    response = client.get(
        "/graphql", headers={"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    )
    assert response.status_code == 200
    assert _media_type(response) == "text/html"
    assert "graphiql" in response.text.lower()


def test_get_without_a_query_from_a_program_is_a_bad_request(client: TestClient) -> None:
    response = client.get("/graphql", headers={"accept": "application/json"})
    assert response.status_code == 400
    assert _codes(response.json()) == ["BAD_REQUEST"]


def test_get_with_variables_that_are_not_json_is_a_bad_request(client: TestClient) -> None:
    response = client.get("/graphql", params={"query": "{ __typename }", "variables": "{not json"})
    assert response.status_code == 400
    assert _codes(response.json()) == ["BAD_REQUEST"]


def test_graphql_response_media_type_is_honoured(http: httpx.Client) -> None:
    response = http.post("/graphql", json={"query": STATS}, headers={"accept": GRAPHQL_RESPONSE})
    assert response.status_code == 200
    assert _media_type(response) == GRAPHQL_RESPONSE
    assert _answer(response) == {"data": {"stats": {"totalPublications": 0}}}
    preferred = http.get(
        "/graphql", params={"query": STATS}, headers={"accept": f"application/json;q=0.9, {GRAPHQL_RESPONSE}"}
    )
    assert _media_type(preferred) == GRAPHQL_RESPONSE


# --- Request errors: 400 for graphql-response+json, classic 200 for application/json -------------

REQUEST_ERRORS = [
    pytest.param("{ articles(", None, "GRAPHQL_PARSE_FAILED", id="parse-error"),
    pytest.param(
        "{ articles { edges { node { nope } } } }", None, "GRAPHQL_VALIDATION_FAILED", id="unknown-field"
    ),
    pytest.param(
        "query($n: Int!) { articles(first: $n) { totalCount } }",
        {"n": "x"},
        "BAD_USER_INPUT",
        id="variable-not-int",
    ),
    pytest.param(
        "query($n: Int!) { articles(first: $n) { totalCount } }", {}, "BAD_USER_INPUT", id="variable-missing"
    ),
    pytest.param(
        "query($d: DateTime) { articles(filter: {publishedAfter: $d}) { totalCount } }",
        {"d": "yesterday"},
        "BAD_USER_INPUT",
        id="variable-not-a-date",
    ),
]


@pytest.mark.parametrize(("query", "variables", "code"), REQUEST_ERRORS)
def test_request_errors_are_400_without_data_for_graphql_response_clients(
    http: httpx.Client, query: str, variables: dict[str, Any] | None, code: str
) -> None:
    response = http.post(
        "/graphql", json={"query": query, "variables": variables}, headers={"accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 400
    assert _media_type(response) == GRAPHQL_RESPONSE
    body = response.json()
    assert "data" not in body
    assert _codes(body) == [code]


@pytest.mark.parametrize("accept", [None, "application/json"])
@pytest.mark.parametrize(("query", "variables", "code"), REQUEST_ERRORS)
def test_request_errors_are_200_with_null_data_for_json_clients(
    client: TestClient, query: str, variables: dict[str, Any] | None, code: str, accept: str | None
) -> None:
    headers = {"accept": accept} if accept else {}
    response = client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200
    assert _media_type(response) == "application/json"
    body = response.json()
    assert body["data"] is None
    assert _codes(body) == [code]


def test_request_errors_over_get_follow_the_same_rules(client: TestClient) -> None:
    modern = client.get("/graphql", params={"query": "{ nope }"}, headers={"accept": GRAPHQL_RESPONSE})
    assert modern.status_code == 400
    assert "data" not in modern.json()
    classic = client.get("/graphql", params={"query": "{ nope }"})
    assert classic.status_code == 200
    assert classic.json()["data"] is None
    assert _codes(classic.json()) == ["GRAPHQL_VALIDATION_FAILED"]


def test_a_field_error_keeps_status_200_and_data_for_graphql_response_clients(http: httpx.Client) -> None:
    # Execution began, so this is a partial result, not a request error.
    response = http.post(
        "/graphql",
        json={"query": '{ stats { totalPublications } node(id: "garbage") { id } }'},
        headers={"accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"stats": {"totalPublications": 0}, "node": None}
    assert _codes(body) == ["BAD_USER_INPUT"]


# --- Transport-level refusals -------------------------------------------------------------------


def _assert_json_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert _media_type(response) in {"application/json", GRAPHQL_RESPONSE}
    body = response.json()
    assert "data" not in body
    assert _codes(body) == [code]


def test_a_client_accepting_only_text_is_answered_406(http: httpx.Client) -> None:
    response = http.post("/graphql", json={"query": STATS}, headers={"accept": "text/plain"})
    _assert_json_error(response, 406, "NOT_ACCEPTABLE")


def test_a_text_plain_body_is_refused_as_unsupported_media(http: httpx.Client) -> None:
    # A form-like content type is how cross-site requests avoid a CORS preflight.
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        response = http.post(
            "/graphql", content=b'{"query": "{ __typename }"}', headers={"content-type": content_type}
        )
        _assert_json_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"query": "{ __typename }"', id="malformed-json"),
        pytest.param(b"", id="empty-body"),
        pytest.param(b'[{"query": "{ __typename }"}, {"query": "{ __typename }"}]', id="batch"),
        pytest.param(b'"{ __typename }"', id="json-string"),
        pytest.param(b'{"query": 5}', id="query-not-a-string"),
        pytest.param(b'{"query": ["{ __typename }"]}', id="query-a-list"),
        pytest.param(b'{"query": "{ __typename }", "variables": "x"}', id="variables-not-an-object"),
        pytest.param(b'{"variables": {}}', id="no-query"),
    ],
)
def test_malformed_request_bodies_are_400(http: httpx.Client, body: bytes) -> None:
    response = http.post("/graphql", content=body, headers={"content-type": "application/json"})
    _assert_json_error(response, 400, "BAD_REQUEST")


def test_a_body_over_the_limit_is_refused_with_413(http: httpx.Client) -> None:
    padding = "#" * 70_000  # a GraphQL comment: the document itself would be fine
    response = http.post("/graphql", json={"query": f"{padding}\n{{ __typename }}"})
    _assert_json_error(response, 413, "PAYLOAD_TOO_LARGE")


def test_a_streamed_body_over_the_limit_is_refused_with_413(http: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"query": "{ __typename }", "pad": "'
        for _ in range(70):
            yield b"x" * 1000
        yield b'"}'

    # No Content-Length: the server must count what arrives.
    response = http.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
    _assert_json_error(response, 413, "PAYLOAD_TOO_LARGE")


def test_a_body_just_under_the_limit_is_served(http: httpx.Client) -> None:
    response = http.post("/graphql", json={"query": "{ __typename }", "extensions": {"pad": "x" * 60_000}})
    assert response.status_code == 200
    assert _answer(response) == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_other_methods_are_refused_with_405(http: httpx.Client, method: str) -> None:
    response = http.request(method, "/graphql", json={"query": STATS})
    _assert_json_error(response, 405, "METHOD_NOT_ALLOWED")
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}


# --- Limits -------------------------------------------------------------------------------------


def test_a_query_nested_too_deep_is_too_complex(client: TestClient) -> None:
    query = '{ article(slug: "x") { authors { articles { edges { node { authors { articles { edges { node {'
    query += " authors { articles { edges { node { title } } } } } } } } } } } } } }"
    response = client.post("/graphql", json={"query": query}, headers={"accept": GRAPHQL_RESPONSE})
    assert response.status_code == 400
    assert _codes(response.json()) == ["QUERY_TOO_COMPLEX"]


def test_depth_and_aliases_hidden_in_fragments_still_count(client: TestClient) -> None:
    deep = """{ article(slug: "x") { ...A } }
    fragment A on Article { authors { ...B } }
    fragment B on Author { articles { edges { node { ...C } } } }
    fragment C on Article { authors { articles { edges { node { authors { articles { edges { node {
      title } } } } } } } } }"""
    aliases = "{ ...F } fragment F on Query { " + " ".join(
        f"a{i}: stats {{ totalPublications }}" for i in range(16)
    )
    for query in (deep, aliases + " }"):
        response = client.post("/graphql", json={"query": query}, headers={"accept": GRAPHQL_RESPONSE})
        assert response.status_code == 400
        assert _codes(response.json()) == ["QUERY_TOO_COMPLEX"]


def test_a_query_of_ordinary_depth_is_served(seed: Seeder, client: TestClient) -> None:
    author = seed.author("Ann Lee")
    seed.article("One", slug="one", author_ids=[author])
    query = '{ article(slug: "one") { authors { articles { edges { node { authors { name } } } } } } }'
    response = client.post("/graphql", json={"query": query})
    assert _answer(response) == {
        "data": {
            "article": {"authors": [{"articles": {"edges": [{"node": {"authors": [{"name": "Ann Lee"}]}}]}}]}
        }
    }


def test_sixteen_aliases_are_too_complex_fifteen_are_fine(client: TestClient) -> None:
    def aliased(count: int) -> str:
        return "{ " + " ".join(f"a{i}: stats {{ totalPublications }}" for i in range(count)) + " }"

    ok = client.post("/graphql", json={"query": aliased(15)})
    assert ok.status_code == 200
    assert "errors" not in ok.json()
    response = client.post("/graphql", json={"query": aliased(16)}, headers={"accept": GRAPHQL_RESPONSE})
    assert response.status_code == 400
    assert _codes(response.json()) == ["QUERY_TOO_COMPLEX"]


def test_a_document_of_over_a_thousand_tokens_is_too_complex(client: TestClient) -> None:
    query = "{ stats { " + "totalPublications " * 1100 + "} }"
    response = client.post("/graphql", json={"query": query}, headers={"accept": GRAPHQL_RESPONSE})
    assert response.status_code == 400
    assert _codes(response.json()) == ["QUERY_TOO_COMPLEX"]
    classic = client.post("/graphql", json={"query": query})
    assert classic.status_code == 200
    assert _codes(classic.json()) == ["QUERY_TOO_COMPLEX"]


# --- Unexpected failures ------------------------------------------------------------------------


def test_an_unexpected_failure_is_masked(monkeypatch: pytest.MonkeyPatch, http: httpx.Client) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("db password is hunter2")

    monkeypatch.setattr(cms.services.articles, "list_page", broken)
    for accept in ("application/json", GRAPHQL_RESPONSE):
        response = http.post(
            "/graphql",
            json={"query": "{ articles { edges { node { title } } } }"},
            headers={"accept": accept},
        )
        assert response.status_code != 500
        assert response.status_code == 200
        assert "hunter2" not in response.text
        assert "Traceback" not in response.text
        body = response.json()
        assert body["data"] is None
        assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == [
            ("Internal server error", "INTERNAL_SERVER_ERROR")
        ]
    # The rest of the API is unaffected.
    assert _answer(http.post("/graphql", json={"query": STATS})) == {
        "data": {"stats": {"totalPublications": 0}}
    }


def test_an_unexpected_failure_in_a_nullable_field_keeps_the_rest(
    monkeypatch: pytest.MonkeyPatch, seed: Seeder, client: TestClient
) -> None:
    seed.article("One", slug="one")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("db password is hunter2")

    monkeypatch.setattr(cms.services.articles, "get_one", broken)
    response = client.post(
        "/graphql", json={"query": '{ stats { totalPublications } article(slug: "one") { title } }'}
    )
    assert response.status_code == 200
    assert "hunter2" not in response.text
    body = response.json()
    assert body["data"] == {"stats": {"totalPublications": 1}, "article": None}
    assert body["errors"][0]["path"] == ["article"]
    assert _codes(body) == ["INTERNAL_SERVER_ERROR"]


# --- Health -------------------------------------------------------------------------------------


def test_health_and_readiness(http: httpx.Client) -> None:
    health = http.get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    ready = http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ok"
    assert ready.json()["database"] == "ok"


def test_readiness_fails_when_the_database_is_not_migrated(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}", media_root=tmp_path / "media")
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["status"] != "ok"
