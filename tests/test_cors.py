"""CORS over HTTP: which origins may call the API from a browser, and what caches see."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx2 as httpx
import pytest
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from cms.app import create_app
from cms.errors import ConfigError
from cms.settings import Settings
from cms.web.cors import CorsMiddleware, CorsPolicy, _add_vary, allowed_origins

QUERY = {"query": "{ __typename }"}


def _preflight(
    client: Any,
    origin: str,
    method: str = "POST",
    headers: str = "authorization, content-type",
    path: str = "/graphql",
) -> Any:
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers,
        },
    )


def _cors_headers(response: Any) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("access-control-")}


def _vary(response: Any) -> set[str]:
    return {v.strip().lower() for v in response.headers.get("vary", "").split(",") if v.strip()}


@pytest.fixture
def client_with(settings: Settings) -> Iterator[Any]:
    """A client for an app built with other CORS origins."""
    clients: list[TestClient] = []

    def make(origins: tuple[str, ...] | None) -> TestClient:
        test_client = TestClient(create_app(replace(settings, cors_origins=origins)))
        clients.append(test_client.__enter__())
        return test_client

    yield make
    for test_client in clients:
        test_client.__exit__(None, None, None)


@pytest.mark.parametrize(
    "origin",
    ["https://example.org", "http://localhost:5173", "http://localhost", "http://127.0.0.1:3000"],
)
def test_a_preflight_from_the_site_or_a_local_dev_server_is_allowed_by_default(
    client: TestClient, origin: str
) -> None:
    response = _preflight(client, origin)
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == origin
    assert response.headers["access-control-allow-credentials"] == "true"
    assert {"GET", "POST"} <= set(response.headers["access-control-allow-methods"].split(", "))
    assert {"authorization", "content-type", "apollo-require-preflight", "x-apollo-operation-name"} <= set(
        response.headers["access-control-allow-headers"].split(", ")
    )
    assert response.headers["access-control-max-age"] == "7200"
    assert "origin" in _vary(response)


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "https://example.org.evil.example",  # a lookalike suffix
        "http://example.org",  # the site, but another scheme
        "https://localhost:5173",  # http only for the development default
        "http://localhost.evil.example:3000",
        "http://localhost:3000.evil.example",
        "null",  # sandboxed iframes and file:// pages
    ],
)
def test_a_preflight_from_another_origin_is_refused_without_cors_headers(
    client: TestClient, origin: str
) -> None:
    response = _preflight(client, origin)
    assert response.status_code == 403
    assert "not allowed" in response.text
    assert "CMS_CORS_ORIGINS" in response.text
    assert _cors_headers(response) == {}
    assert "origin" in _vary(response)


def test_a_preflight_for_a_method_or_header_outside_the_list_is_refused_and_says_which(
    client: TestClient,
) -> None:
    response = _preflight(client, "https://example.org", method="DELETE")
    assert response.status_code == 403
    assert "method DELETE" in response.text
    response = _preflight(client, "https://example.org", headers="authorization, x-secret-sauce")
    assert response.status_code == 403
    assert "x-secret-sauce" in response.text
    assert _cors_headers(response) == {}


def test_apollo_clients_headers_pass_a_preflight_whatever_their_case(client: TestClient) -> None:
    headers = "Content-Type, Apollo-Require-Preflight, X-Apollo-Operation-Name, apollographql-client-name"
    assert _preflight(client, "https://example.org", headers=headers).status_code == 204


def test_an_allowed_origin_reads_the_answer_and_its_etag_and_auth_headers(client: TestClient) -> None:
    response = client.post("/graphql", json=QUERY, headers={"Origin": "https://example.org"})
    assert response.json()["data"] == {"__typename": "Query"}
    assert response.headers["access-control-allow-origin"] == "https://example.org"
    assert response.headers["access-control-allow-credentials"] == "true"
    exposed = {h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")}
    assert {"etag", "www-authenticate", "ratelimit-remaining"} <= exposed
    assert "origin" in _vary(response)


def test_a_refused_token_from_an_allowed_origin_is_a_401_the_page_can_read(client: TestClient) -> None:
    response = client.post(
        "/graphql",
        json=QUERY,
        headers={"Origin": "http://localhost:5173", "Authorization": "Bearer cms_wrong"},
    )
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_disallowed_origin_gets_no_cors_headers_but_varies_on_origin(client: TestClient) -> None:
    response = client.post("/graphql", json=QUERY, headers={"Origin": "https://evil.example"})
    assert response.status_code == 200  # answered: it is the browser that withholds it from the page
    assert _cors_headers(response) == {}
    assert "origin" in _vary(response)


def test_a_request_without_origin_still_varies_on_origin_so_caches_keep_them_apart(
    client: TestClient,
) -> None:
    response = client.get("/graphql", params=QUERY)
    assert response.status_code == 200
    assert _cors_headers(response) == {}
    assert "origin" in _vary(response)


def test_media_urls_are_covered_and_the_admin_page_is_not(client: TestClient) -> None:
    media = client.get("/media/r/bad/sig/x.jpg", headers={"Origin": "https://example.org"})
    assert media.headers["access-control-allow-origin"] == "https://example.org"
    assert _preflight(client, "https://example.org", method="GET", path="/media/r/a/b/c").status_code == 204
    admin = client.get("/admin", headers={"Origin": "https://example.org"})
    assert _cors_headers(admin) == {}
    assert "origin" not in _vary(admin)
    assert _preflight(client, "https://example.org", path="/admin").status_code == 405  # not answered here


def test_a_star_policy_allows_every_origin_without_credentials_and_needs_no_vary(client_with: Any) -> None:
    client = client_with(("*",))
    for headers in ({"Origin": "https://anyone.example"}, {}):
        response = client.post("/graphql", json=QUERY, headers=headers)
        assert response.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in response.headers
        assert "origin" not in _vary(response)
    preflight = _preflight(client, "https://anyone.example")
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in preflight.headers


def test_configured_origins_replace_the_default(client_with: Any) -> None:
    client = client_with(("https://www.publisher.example", "http://localhost:*"))
    assert _preflight(client, "https://www.publisher.example").status_code == 204
    assert _preflight(client, "http://localhost:8080").status_code == 204
    assert _preflight(client, "https://example.org").status_code == 403  # CMS_BASE_URL's origin is not added
    assert _preflight(client, "http://127.0.0.1:8080").status_code == 403


def test_cors_turned_off_refuses_every_preflight(client_with: Any) -> None:
    client = client_with(())
    assert _preflight(client, "http://localhost:5173").status_code == 403
    response = client.post("/graphql", json=QUERY, headers={"Origin": "http://localhost:5173"})
    assert _cors_headers(response) == {}


def test_the_middleware_covers_the_paths_it_is_given() -> None:
    async def hello(request: Any) -> PlainTextResponse:
        return PlainTextResponse("hi", headers={"Vary": "Accept-Encoding"})

    app = Starlette(
        routes=[Route("/feeds/atom", hello), Route("/other", hello)],
        middleware=[
            Middleware(CorsMiddleware, policy=CorsPolicy.of(["https://a.example"]), paths=["/feeds/"])
        ],
    )
    with TestClient(app) as client:
        feed = client.get("/feeds/atom", headers={"Origin": "https://a.example"})
        assert feed.headers["access-control-allow-origin"] == "https://a.example"
        assert feed.headers["vary"] == "Accept-Encoding, Origin"
        other = client.get("/other", headers={"Origin": "https://a.example"})
        assert _cors_headers(other) == {}


def test_vary_is_added_once() -> None:
    headers = MutableHeaders({"vary": "Accept, origin"})
    _add_vary(headers, "Origin", "Access-Control-Request-Method")
    assert headers["vary"] == "Accept, origin, Access-Control-Request-Method"
    star = MutableHeaders({"vary": "*"})
    _add_vary(star, "Origin")
    assert star["vary"] == "*"


def test_a_real_server_answers_preflights(server: str) -> None:
    response = _preflight(httpx, "http://localhost:3000", path=f"{server}/graphql")
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "http://localhost:3000"
    posted = httpx.post(f"{server}/graphql", json=QUERY, headers={"Origin": "http://localhost:3000"})
    assert posted.headers["access-control-allow-origin"] == "http://localhost:3000"


# --- the setting ---------------------------------------------------------------------------------


def test_by_default_the_sites_origin_and_local_dev_servers_are_allowed() -> None:
    settings = Settings.from_env({"CMS_BASE_URL": "https://News.Example:8443/blog/"})
    assert settings.cors_origins is None
    assert allowed_origins(settings) == (
        "https://news.example:8443",
        "http://localhost:*",
        "http://127.0.0.1:*",
    )
    # No publisher's site yet: local development servers only (the CMS's own pages are same-origin).
    assert allowed_origins(Settings.from_env({})) == ("http://localhost:*", "http://127.0.0.1:*")


def test_origins_are_read_as_browsers_write_them() -> None:
    settings = Settings.from_env(
        {"CMS_CORS_ORIGINS": " https://Publisher.example/ , https://cdn.example:443,http://localhost:*,, "}
    )
    assert settings.cors_origins == ("https://publisher.example", "https://cdn.example", "http://localhost:*")
    assert Settings.from_env({"CMS_CORS_ORIGINS": "none"}).cors_origins == ()
    assert Settings.from_env({"CMS_CORS_ORIGINS": "*"}).cors_origins == ("*",)


@pytest.mark.parametrize(
    "value",
    [
        "https://example.org/path",
        "example.org",
        "null",
        "https://*.example.org",
        "http://host:99999",
        "http://u@h",
    ],
)
def test_a_value_that_is_not_an_origin_fails_naming_the_setting(value: str) -> None:
    with pytest.raises(ConfigError, match="CMS_CORS_ORIGINS"):
        Settings.from_env({"CMS_CORS_ORIGINS": f"https://ok.example,{value}"})
