"""JSON-LD NewsArticle (Article.jsonLd and /articles/{slug}.jsonld), shape checked with jsonschema;
partner callers get the read model's licence withholding; the `site` query."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import jsonschema
import pytest
from starlette.testclient import TestClient

from cms.app import create_app
from cms.db import Database
from cms.settings import Settings

from .conftest import GraphQLClient
from .factories import Seeder
from .test_editorial_api import AuthClient, new_partner, token_for

PERSON = {"type": "object", "required": ["@type", "name"], "properties": {"@type": {"const": "Person"}}}
IMAGE_OBJECT: dict[str, Any] = {
    "type": "object",
    "required": [
        "@type",
        "contentUrl",
        "license",
        "acquireLicensePage",
        "creditText",
        "creator",
        "copyrightNotice",
    ],
    "properties": {
        "@type": {"const": "ImageObject"},
        "contentUrl": {"type": "string", "pattern": "^https://cms\\.example\\.org/media/"},
        "license": {"type": "string", "format": "uri"},
        "acquireLicensePage": {"type": "string"},
        "creditText": {"type": "string"},
        "creator": PERSON,
        "copyrightNotice": {"type": "string"},
        "width": {"type": "integer"},
        "height": {"type": "integer"},
    },
}
NEWS_ARTICLE: dict[str, Any] = {
    "type": "object",
    "required": [
        "@context", "@type", "headline", "datePublished", "dateModified", "author", "publisher", "url",
        "mainEntityOfPage", "articleSection", "keywords", "inLanguage",
    ],
    "properties": {
        "@context": {"const": "https://schema.org"},
        "@type": {"const": "NewsArticle"},
        "headline": {"type": "string"},
        "datePublished": {"type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}T"},
        "dateModified": {"type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}T"},
        "author": {"type": "array", "minItems": 1, "items": PERSON},
        "articleSection": {"type": "string"},
        "keywords": {"type": "array", "items": {"type": "string"}},
        "url": {"type": "string"},
        "mainEntityOfPage": {"type": "object", "required": ["@type", "@id"]},
        "publisher": {
            "type": "object",
            "required": ["@type", "name", "url"],
            "properties": {
                "@type": {"const": "Organization"},
                "logo": {"type": "object", "required": ["url"]},
            },
        },
        "image": IMAGE_OBJECT,
    },
}  # fmt: skip

QUERY = "query($slug: String!) { article(slug: $slug) { jsonLd } }"


@pytest.fixture
def story(seed: Seeder) -> dict[str, Any]:
    section = seed.section("The Peninsula", "peninsula")
    category = seed.category("North Korea", "north-korea")
    author = seed.author("Ana Ré", "ana", bio="Ana covers the peninsula.")
    nc = seed.image(license="CC-BY-NC-ND-2.0", creator="Jane Example", creator_url="https://jane.example")
    arr = seed.image(license="ARR", creator="Agency", source_name="", source_url="")
    common = {"section_id": section, "category_id": category, "author_ids": [author]}
    seed.article("Sanctions and the alliance", slug="nc", lead_image_id=nc, **common)
    seed.article("With permission", slug="arr", lead_image_id=arr, **common)
    return {"section": section}


def test_json_ld_shape(gql: GraphQLClient, story: dict[str, Any]) -> None:
    document = gql.data(QUERY, {"slug": "nc"})["article"]["jsonLd"]
    jsonschema.validate(document, NEWS_ARTICLE, format_checker=jsonschema.FormatChecker())
    assert document["headline"] == "Sanctions and the alliance"
    assert document["url"] == "https://example.org/peninsula/nc"
    assert document["author"] == [
        {"@type": "Person", "name": "Ana Ré", "description": "Ana covers the peninsula."}
    ]
    assert document["articleSection"] == "The Peninsula"
    assert document["keywords"] == ["North Korea", "The Peninsula"]
    assert document["publisher"]["name"] == "Publications"
    image = document["image"]
    assert image["license"] == "https://creativecommons.org/licenses/by-nc-nd/2.0/"
    assert image["acquireLicensePage"] == "https://www.flickr.com/photos/jane/1"
    assert image["creditText"] == "Image from Jane Example's photostream on Flickr (CC BY-NC-ND 2.0)"
    assert image["creator"] == {"@type": "Person", "name": "Jane Example", "url": "https://jane.example"}
    assert image["copyrightNotice"] == "© Jane Example"


def test_endpoint_serves_the_same_document(
    client: TestClient, gql: GraphQLClient, story: dict[str, Any]
) -> None:
    response = client.get("/articles/nc.jsonld")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/ld+json"
    assert response.json() == gql.data(QUERY, {"slug": "nc"})["article"]["jsonLd"]
    assert (
        client.get("/articles/nc.jsonld", headers={"If-None-Match": response.headers["etag"]}).status_code
        == 304
    )
    assert "Article:1" in response.headers["surrogate-key"].split()


def test_unknown_or_unpublished_slug_is_404(client: TestClient, seed: Seeder, story: dict[str, Any]) -> None:
    seed.article("Draft", slug="draft", state="draft")
    for slug in ("nope", "draft"):
        response = client.get(f"/articles/{slug}.jsonld")
        assert response.status_code == 404
        assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_all_rights_reserved_image(gql: GraphQLClient, story: dict[str, Any]) -> None:
    image = gql.data(QUERY, {"slug": "arr"})["article"]["jsonLd"]["image"]
    assert "license" not in image  # no deed: nothing to point at
    assert image["copyrightNotice"] == "© Agency, all rights reserved"
    assert image["creditText"] == "Image © Agency, all rights reserved, used with permission"


def test_site_identity_in_publisher(settings: Settings, seed: Seeder, story: dict[str, Any]) -> None:
    custom = replace(settings, site_name="The Peninsula Post", site_logo_url="https://example.org/logo.png")
    with TestClient(create_app(custom)) as client:
        publisher = client.get("/articles/nc.jsonld").json()["publisher"]
    assert publisher == {
        "@type": "Organization", "name": "The Peninsula Post", "url": "https://example.org",
        "logo": {"@type": "ImageObject", "url": "https://example.org/logo.png"},
    }  # fmt: skip


def test_partners_get_the_readers_withholding(
    client: TestClient, db: Database, story: dict[str, Any]
) -> None:
    with db.write() as session:
        commercial = new_partner(session, "Commercial", commercial=True)
        nonprofit = new_partner(session, "Nonprofit", commercial=False)
    as_commercial = AuthClient(client, token_for(db, "partner", "c", partner_id=commercial))
    as_nonprofit = AuthClient(client, token_for(db, "partner", "n", partner_id=nonprofit))
    assert "image" not in as_commercial.data(QUERY, {"slug": "nc"})["article"]["jsonLd"]  # NC
    assert "image" in as_nonprofit.data(QUERY, {"slug": "nc"})["article"]["jsonLd"]
    for partner in (as_commercial, as_nonprofit):  # ARR reaches no partner
        assert "image" not in partner.data(QUERY, {"slug": "arr"})["article"]["jsonLd"]
    assert "image" in client.get("/articles/nc.jsonld").json()  # the public page keeps it


def test_json_ld_in_a_list(gql: GraphQLClient, story: dict[str, Any]) -> None:
    nodes = gql.data("{ articles(first: 5) { nodes { slug jsonLd } } }")["articles"]["nodes"]
    assert {n["slug"]: bool(n["jsonLd"]["author"]) for n in nodes} == {"nc": True, "arr": True}
    assert all("image" in n["jsonLd"] for n in nodes)


def test_site_query(settings: Settings) -> None:
    custom = replace(
        settings, site_name="The Peninsula Post", site_description="News from the peninsula",
        site_language="en-GB", site_time_zone="Asia/Seoul", site_logo_url="https://example.org/logo.png",
    )  # fmt: skip
    with TestClient(create_app(custom)) as client:
        site = GraphQLClient(client).data(
            "{ site { name description language timeZone logoUrl publisher homeUrl publicUrl"
            " feeds { atom rss json } sitemapUrl } }"
        )["site"]
    assert site == {
        "name": "The Peninsula Post", "description": "News from the peninsula", "language": "en-GB",
        "timeZone": "Asia/Seoul", "logoUrl": "https://example.org/logo.png",
        "publisher": "The Peninsula Post",
        "homeUrl": "https://example.org", "publicUrl": "https://cms.example.org",
        "feeds": {
            "atom": "https://cms.example.org/feeds/atom", "rss": "https://cms.example.org/feeds/rss",
            "json": "https://cms.example.org/feeds/json",
        },
        "sitemapUrl": "https://cms.example.org/sitemap.xml",
    }  # fmt: skip
