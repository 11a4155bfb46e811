"""Feeds: Atom and RSS parsed with feedparser, JSON Feed checked against its 1.1 shape; lead images
with licence and credit; conditional GET; limits; unknown slugs; scheduled articles at their time."""

from __future__ import annotations

import json
import re
import time
from dataclasses import replace
from datetime import timedelta
from typing import Any

import feedparser
import jsonschema
import pytest
from starlette.testclient import TestClient

from cms.app import create_app
from cms.db import Database
from cms.errors import ConfigError
from cms.models import utcnow
from cms.settings import Settings

from .factories import Seeder
from .test_editorial_api import CREATE, AuthClient, token_for

HOSTILE_TITLE = "Control \x01\x08 chars, emoji 🎉, RTL שלום עליכם and ]]> too"
TASL = (
    '"Harbour at Dusk" by Jane Example on Flickr (https://www.flickr.com/photos/jane/1) is '
    "licensed under CC BY-NC-ND 2.0 (https://creativecommons.org/licenses/by-nc-nd/2.0/)."
)
HOSTILE_BODY = "<p>Body with ]]&gt; and ]]> inside, \x0b a vertical tab, مرحبا and 🚀.</p>"

JSON_FEED_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["version", "title", "items", "home_page_url", "feed_url"],
    "properties": {
        "version": {"const": "https://jsonfeed.org/version/1.1"},
        "title": {"type": "string"},
        "home_page_url": {"type": "string"},
        "feed_url": {"type": "string"},
        "language": {"type": "string"},
        "authors": {"type": "array", "items": {"type": "object", "required": ["name"]}},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "url", "title", "date_published", "date_modified"],
                "anyOf": [{"required": ["content_html"]}, {"required": ["content_text"]}],
                "properties": {
                    "id": {"type": "string", "pattern": "^tag:"},
                    "image": {"type": "string"},
                    "authors": {"type": "array", "items": {"type": "object", "required": ["name"]}},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "_image_rights": {
                        "type": "object",
                        "required": ["url", "license_code", "license_name", "credit_line", "attribution"],
                    },
                },
            },
        },
    },
}


@pytest.fixture
def content(seed: Seeder) -> dict[str, int]:
    section = seed.section("The Peninsula", "peninsula")
    other = seed.section("Elsewhere", "elsewhere")
    category = seed.category("North Korea", "north-korea")
    author = seed.author("Ana Ré", "ana")
    second = seed.author("Bo Li", "bo")
    image = seed.image(
        license="CC-BY-NC-ND-2.0", title="Harbour at Dusk", creator="Jane Example", alt="Boats at dusk"
    )
    lead = seed.article(
        HOSTILE_TITLE,
        body=HOSTILE_BODY,
        summary="Sanctions, explained.",
        section_id=section,
        category_id=category,
        author_ids=[author, second],
        lead_image_id=image,
        slug="lead-story",
    )
    older = seed.article(
        "Older story", section_id=other, author_ids=[second], published_at=utcnow() - timedelta(days=3)
    )
    draft = seed.article("A draft", state="draft", section_id=section, author_ids=[author])
    return {"lead": lead, "older": older, "draft": draft, "image": image}


def _parse(client: TestClient, path: str) -> Any:
    response = client.get(path)
    assert response.status_code == 200, response.text
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception  # well-formed, whatever the content
    return parsed


def test_atom_feed_carries_entries_with_licence_and_credit(
    client: TestClient, content: dict[str, int]
) -> None:
    response = client.get("/feeds/atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed = _parse(client, "/feeds/atom")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "Publications"
    assert [link.href for link in parsed.feed.links if link.rel == "self"] == [
        "https://cms.example.org/feeds/atom"
    ]
    assert [e.id for e in parsed.entries] == [
        f"tag:example.org,2026:article:{content['lead']}",
        f"tag:example.org,2026:article:{content['older']}",
    ]  # newest first, drafts left out
    entry = parsed.entries[0]
    assert entry.title == "Control  chars, emoji 🎉, RTL שלום עליכם and ]]> too"  # controls dropped
    assert entry.link == "https://example.org/peninsula/lead-story"
    assert entry.summary == "Sanctions, explained."
    assert [a.name for a in entry.authors] == ["Ana Ré", "Bo Li"]
    assert {t.term for t in entry.tags} == {"peninsula", "north-korea"}
    assert entry.published_parsed
    assert entry.updated_parsed
    assert "content" not in entry  # full content is off by default
    rels = {link.rel: link for link in entry.links}
    assert rels["license"].href == "https://creativecommons.org/licenses/by-nc-nd/2.0/"
    assert rels["enclosure"].type == "image/jpeg"
    assert "/media/r/" in rels["enclosure"].href
    media = entry.media_content[0]
    assert media["url"] == rels["enclosure"].href
    assert media["medium"] == "image"
    assert entry.media_credit[0]["content"] == "Jane Example"
    assert entry.license == "https://creativecommons.org/licenses/by-nc-nd/2.0/"
    assert entry.media_copyright["url"] == "https://creativecommons.org/licenses/by-nc-nd/2.0/"
    assert TASL in response.text
    assert parsed.entries[1].get("media_content") is None  # no lead image, no media


def test_rss_feed_carries_items_with_licence_and_credit(client: TestClient, content: dict[str, int]) -> None:
    response = client.get("/feeds/rss")
    assert response.headers["content-type"].startswith("application/rss+xml")
    parsed = _parse(client, "/feeds/rss")
    assert parsed.version == "rss20"
    assert parsed.feed.link == "https://example.org"
    item = parsed.entries[0]
    assert item.id == f"tag:example.org,2026:article:{content['lead']}"
    assert item.guidislink is False
    assert item.link == "https://example.org/peninsula/lead-story"
    assert item.title.startswith("Control  chars, emoji 🎉")
    assert [a.name for a in item.authors] == ["Ana Ré", "Bo Li"]  # dc:creator
    assert [link.href for link in item.links if link.rel == "license"] == [
        "https://creativecommons.org/licenses/by-nc-nd/2.0/"
    ]  # creativeCommons:license
    assert item.enclosures[0].type == "image/jpeg"
    assert item.enclosures[0].href.startswith("https://cms.example.org/media/r/")
    assert item.media_credit[0]["content"] == "Jane Example"
    assert item.media_copyright["url"] == "https://creativecommons.org/licenses/by-nc-nd/2.0/"
    assert {t.term for t in item.tags} == {"The Peninsula", "North Korea"}
    assert TASL in response.text


def test_json_feed_carries_image_and_rights_extension(client: TestClient, content: dict[str, int]) -> None:
    response = client.get("/feeds/json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/feed+json")
    document = json.loads(response.content)
    jsonschema.validate(document, JSON_FEED_SCHEMA)
    item = document["items"][0]
    assert item["id"] == f"tag:example.org,2026:article:{content['lead']}"
    assert item["title"] == "Control  chars, emoji 🎉, RTL שלום עליכם and ]]> too"
    assert item["content_text"] == "Sanctions, explained."
    assert [a["name"] for a in item["authors"]] == ["Ana Ré", "Bo Li"]
    rights = item["_image_rights"]
    assert item["image"] == rights["url"]
    assert rights["license_url"] == "https://creativecommons.org/licenses/by-nc-nd/2.0/"
    assert rights["credit_line"] == "Image from Jane Example's photostream on Flickr (CC BY-NC-ND 2.0)"
    assert rights["attribution"].startswith('"Harbour at Dusk" by Jane Example on Flickr')
    assert rights["alt"] == "Boats at dusk"


def test_full_content_when_configured(settings: Settings, content: dict[str, int]) -> None:
    with TestClient(create_app(replace(settings, feed_full_content=True))) as client:
        atom = _parse(client, "/feeds/atom").entries[0]
        assert "]]&gt; inside" in atom.content[0].value
        assert "🚀" in atom.content[0].value
        assert "\x0b" not in atom.content[0].value
        rss = _parse(client, "/feeds/rss").entries[0]
        assert "مرحبا" in rss.content[0].value
        item = client.get("/feeds/json").json()["items"][0]
        assert "]]&gt; inside" in item["content_html"]


@pytest.mark.parametrize("fmt", ["atom", "rss", "json"])
def test_section_category_and_author_feeds(client: TestClient, content: dict[str, int], fmt: str) -> None:
    def ids(path: str) -> list[str]:
        response = client.get(path)
        assert response.status_code == 200, response.text
        if fmt == "json":
            return [i["id"] for i in response.json()["items"]]
        return [e.id for e in feedparser.parse(response.content).entries]

    lead, older = (f"tag:example.org,2026:article:{content[k]}" for k in ("lead", "older"))
    assert ids(f"/feeds/section/peninsula/{fmt}") == [lead]
    assert ids(f"/feeds/section/elsewhere/{fmt}") == [older]
    assert ids(f"/feeds/category/north-korea/{fmt}") == [lead]
    assert ids(f"/feeds/author/bo/{fmt}") == [lead, older]
    assert ids(f"/feeds/author/ana/{fmt}?limit=1") == [lead]


def test_scoped_feed_is_titled_and_identified_by_its_scope(
    client: TestClient, content: dict[str, int]
) -> None:
    parsed = _parse(client, "/feeds/section/peninsula/atom")
    assert parsed.feed.title == "Publications: The Peninsula"
    assert parsed.feed.id.startswith("tag:example.org,2026:feed:section:")


def test_limit(client: TestClient, seed: Seeder) -> None:
    author = seed.author()
    for n in range(25):
        seed.article(f"Story {n}", author_ids=[author], published_at=utcnow() - timedelta(minutes=n + 1))
    assert len(_parse(client, "/feeds/atom").entries) == 20  # the default
    assert len(_parse(client, "/feeds/rss?limit=3").entries) == 3
    assert [e.title for e in _parse(client, "/feeds/atom?limit=2").entries] == ["Story 0", "Story 1"]
    assert len(client.get("/feeds/json?limit=100").json()["items"]) == 25


@pytest.mark.parametrize("limit", ["0", "101", "1000", "-1", "abc", "2.5", "", "١٢"])
def test_bad_limit_is_400(client: TestClient, content: dict[str, int], limit: str) -> None:
    response = client.get(f"/feeds/atom?limit={limit}")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "`limit` must be a whole number from 1 to 100" in error["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/feeds/section/nope/atom",
        "/feeds/category/nope/rss",
        "/feeds/author/nope/json",
        "/feeds/tag/peninsula/atom",
        "/feeds/section/peninsula/xml",
        "/feeds/xml",
    ],
)
def test_unknown_feed_is_404(client: TestClient, content: dict[str, int], path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_unknown_slug_message(client: TestClient, content: dict[str, int]) -> None:
    message = client.get("/feeds/section/nope/atom").json()["errors"][0]["message"]
    assert message == "no section has the slug 'nope'"


def test_conditional_get(client: TestClient, db: Database, seed: Seeder, content: dict[str, int]) -> None:
    first = client.get("/feeds/atom")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert first.headers["cache-control"] == "public, max-age=60, s-maxage=60"
    again = client.get("/feeds/atom", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert client.get("/feeds/atom", headers={"If-None-Match": f'W/{etag}, "other"'}).status_code == 304
    assert client.get("/feeds/atom", headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get("/feeds/atom", headers={"If-None-Match": '"stale"'}).status_code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110).
    both = {"If-None-Match": '"stale"', "If-Modified-Since": modified}
    assert client.get("/feeds/atom", headers=both).status_code == 200
    assert client.get("/feeds/atom", headers={"If-Modified-Since": "yesterday"}).status_code == 200

    editor = AuthClient(client, token_for(db, "editor"))
    editor.data(CREATE, {"input": {"title": "A draft"}})  # not public: the version stays
    assert client.get("/feeds/atom", headers={"If-None-Match": etag}).status_code == 304

    time.sleep(1.1)  # Last-Modified has whole seconds
    seed.article("Breaking")
    changed = client.get("/feeds/atom", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert client.get("/feeds/atom", headers={"If-Modified-Since": modified}).status_code == 200


def test_surrogate_keys(client: TestClient, content: dict[str, int]) -> None:
    keys = client.get("/feeds/section/peninsula/rss").headers["surrogate-key"].split()
    assert {"section:peninsula", f"Article:{content['lead']}", f"Image:{content['image']}"} <= set(keys)
    assert "articles" in client.get("/feeds/atom").headers["surrogate-key"].split()


def test_entry_id_survives_a_new_title_and_slug(
    client: TestClient, seed: Seeder, content: dict[str, int]
) -> None:
    before = _parse(client, "/feeds/atom").entries[0]
    seed.update_article(content["lead"], title="A new title", slug="new-slug")
    after = _parse(client, "/feeds/atom").entries[0]
    assert after.title == "A new title"
    assert after.link.endswith("/new-slug")
    assert after.id == before.id


def test_scheduled_article_appears_at_its_time(client: TestClient, seed: Seeder) -> None:
    author = seed.author()
    seed.article("Already out", author_ids=[author])
    seed.article("Not yet", author_ids=[author], published_at=utcnow() + timedelta(seconds=3))
    first = client.get("/feeds/rss")
    assert [e.title for e in feedparser.parse(first.content).entries] == ["Already out"]
    assert int(first.headers["cache-control"].split("max-age=")[1].split(",")[0]) <= 3
    time.sleep(3.2)
    later = client.get("/feeds/rss", headers={"If-None-Match": first.headers["etag"]})
    assert later.status_code == 200  # the go-live is a change: the ETag moved
    assert [e.title for e in feedparser.parse(later.content).entries] == ["Not yet", "Already out"]
    assert later.headers["cache-control"] == "public, max-age=60, s-maxage=60"


def test_empty_feeds_are_valid(client: TestClient) -> None:
    assert _parse(client, "/feeds/atom").entries == []
    assert _parse(client, "/feeds/rss").entries == []
    jsonschema.validate(client.get("/feeds/json").json(), JSON_FEED_SCHEMA)


def test_arr_and_public_domain_images(client: TestClient, seed: Seeder) -> None:
    author = seed.author()
    arr = seed.image(license="ARR", creator="Agency Photographer", source_name="", source_url="")
    pd = seed.image(license="CC0-1.0", creator="", source_name="", source_url="")
    seed.article("ARR", author_ids=[author], lead_image_id=arr, published_at=utcnow() - timedelta(hours=1))
    seed.article("PD", author_ids=[author], lead_image_id=pd, published_at=utcnow() - timedelta(hours=2))
    entries = _parse(client, "/feeds/atom").entries
    arr_entry, pd_entry = entries
    assert not [link for link in arr_entry.links if link.rel == "license"]  # no deed to point at
    assert arr_entry.enclosures
    assert arr_entry.media_credit[0]["content"] == "Agency Photographer"
    assert [link.href for link in pd_entry.links if link.rel == "license"] == [
        "https://creativecommons.org/publicdomain/zero/1.0/"
    ]
    items = client.get("/feeds/json").json()["items"]
    assert items[0]["_image_rights"]["credit_line"].endswith("all rights reserved, used with permission")
    assert items[0]["_image_rights"]["license_url"] is None


def test_feeds_count_against_the_anonymous_rate_limit(settings: Settings, content: dict[str, int]) -> None:
    with TestClient(create_app(replace(settings, rate_limit_anonymous="2/minute"))) as client:
        assert client.get("/feeds/atom").headers["ratelimit-limit"] == "2"
        assert client.get("/feeds/rss").status_code == 200
        refused = client.get("/feeds/json")
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert int(refused.headers["retry-after"]) > 0


def test_tag_authority_setting(settings: Settings, content: dict[str, int]) -> None:
    with TestClient(create_app(replace(settings, feed_tag_authority="news.example,2021-03"))) as client:
        entry = _parse(client, "/feeds/atom").entries[0]
    assert entry.id == f"tag:news.example,2021-03:article:{content['lead']}"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CMS_FEED_TAG_AUTHORITY": "news.example"}, "`CMS_FEED_TAG_AUTHORITY` must be a domain"),
        ({"CMS_FEED_FULL_CONTENT": "sometimes"}, "CMS_FEED_FULL_CONTENT must be on or off"),
        ({"CMS_SITEMAP_PAGE_SIZE": "50001"}, "`CMS_SITEMAP_PAGE_SIZE` may be at most 50000"),
        ({"CMS_FEED_MAX_AGE": "0"}, "`CMS_FEED_MAX_AGE` must be positive"),
    ],
)
def test_bad_feed_settings_are_refused(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        Settings.from_env(env)
