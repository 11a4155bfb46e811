"""Sitemaps: the index and its pages (tiny pages here; 100,000 articles in bench/sitemap.py), the
Google News sitemap of the last 48 hours, robots.txt, and conditional GET."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from lxml import etree
from starlette.testclient import TestClient

from cms.app import create_app
from cms.models import utcnow
from cms.settings import Settings

from .factories import Seeder

NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


@pytest.fixture
def small(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(replace(settings, sitemap_page_size=2))) as client:
        yield client


def _xml(client: TestClient, path: str) -> etree._Element:
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    return etree.fromstring(response.content)


def _published(seed: Seeder, count: int) -> list[int]:
    section = seed.section("World", "world")
    author = seed.author()
    return [
        seed.article(
            f"Story {n}", slug=f"story-{n}", section_id=section, author_ids=[author],
            published_at=utcnow() - timedelta(days=10 - n),
        )
        for n in range(count)
    ]  # fmt: skip


def test_index_lists_pages_and_news(small: TestClient, seed: Seeder) -> None:
    _published(seed, 5)
    seed.article("A draft", state="draft")
    root = _xml(small, "/sitemap.xml")
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    locs = root.xpath("//s:sitemap/s:loc/text()", namespaces=NS)
    assert locs == [
        "https://cms.example.org/sitemaps/articles-1.xml",
        "https://cms.example.org/sitemaps/articles-2.xml",
        "https://cms.example.org/sitemaps/articles-3.xml",
        "https://cms.example.org/sitemaps/news.xml",
    ]
    lastmods = root.xpath("//s:sitemap/s:lastmod/text()", namespaces=NS)
    assert len(lastmods) == 3  # the News sitemap has nothing from the last 48 hours
    assert all(datetime.fromisoformat(value).tzinfo is not None for value in lastmods)


def test_pages_list_every_public_article_once_at_its_canonical_url(small: TestClient, seed: Seeder) -> None:
    _published(seed, 5)
    seed.article("A draft", state="draft")
    seed.article("Scheduled", published_at=utcnow() + timedelta(hours=1))
    urls = []
    for page in (1, 2, 3):
        root = _xml(small, f"/sitemaps/articles-{page}.xml")
        assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
        entries = root.xpath("//s:url", namespaces=NS)
        assert len(entries) <= 2
        for entry in entries:
            urls.append(entry.xpath("s:loc/text()", namespaces=NS)[0])
            assert datetime.fromisoformat(entry.xpath("s:lastmod/text()", namespaces=NS)[0])
    assert urls == [f"https://example.org/world/story-{n}" for n in range(5)]  # by id: stable pages


def test_page_lastmod_is_the_newest_of_its_articles(small: TestClient, seed: Seeder) -> None:
    ids = _published(seed, 3)
    time.sleep(1.1)
    seed.update_article(ids[1], title="Edited")
    root = _xml(small, "/sitemap.xml")
    first, second = root.xpath("//s:sitemap/s:lastmod/text()", namespaces=NS)
    assert datetime.fromisoformat(first) > datetime.fromisoformat(second)
    page = _xml(small, "/sitemaps/articles-1.xml")
    lastmods = page.xpath("//s:url/s:lastmod/text()", namespaces=NS)
    assert max(lastmods, key=datetime.fromisoformat) == first


@pytest.mark.parametrize("path", ["/sitemaps/articles-4.xml", "/sitemaps/articles-0.xml", "/sitemaps/x.xml"])
def test_pages_past_the_last_are_404(small: TestClient, seed: Seeder, path: str) -> None:
    _published(seed, 5)
    assert small.get(path).status_code == 404


def test_with_nothing_published(client: TestClient) -> None:
    locs = _xml(client, "/sitemap.xml").xpath("//s:loc/text()", namespaces=NS)
    assert locs == [
        "https://cms.example.org/sitemaps/articles-1.xml",
        "https://cms.example.org/sitemaps/news.xml",
    ]
    assert _xml(client, "/sitemaps/articles-1.xml").xpath("//s:url", namespaces=NS) == []
    assert client.get("/sitemaps/articles-2.xml").status_code == 404


def test_news_sitemap_lists_the_last_48_hours(settings: Settings, seed: Seeder) -> None:
    author = seed.author()
    seed.article("Old news", author_ids=[author], published_at=utcnow() - timedelta(hours=49))
    seed.article(
        "Fresh \x07 ]]> שלום", slug="fresh", author_ids=[author], published_at=utcnow() - timedelta(hours=2)
    )
    seed.article("Fresher", slug="fresher", author_ids=[author], published_at=utcnow() - timedelta(hours=1))
    seed.article("Scheduled", author_ids=[author], published_at=utcnow() + timedelta(hours=1))
    custom = replace(settings, site_name="The Peninsula Post", site_language="en-GB")
    with TestClient(create_app(custom)) as client:
        root = _xml(client, "/sitemaps/news.xml")
    entries = root.xpath("//s:url", namespaces=NS)
    assert [e.xpath("s:loc/text()", namespaces=NS)[0] for e in entries] == [
        "https://example.org/articles/fresher",
        "https://example.org/articles/fresh",
    ]
    news = entries[1].xpath("news:news", namespaces=NS)[0]
    assert news.xpath("news:publication/news:name/text()", namespaces=NS) == ["The Peninsula Post"]
    assert news.xpath("news:publication/news:language/text()", namespaces=NS) == ["en"]
    assert news.xpath("news:title/text()", namespaces=NS) == ["Fresh  ]]> שלום"]
    assert datetime.fromisoformat(news.xpath("news:publication_date/text()", namespaces=NS)[0])


def test_robots_txt_points_at_the_index(client: TestClient) -> None:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "Sitemap: https://cms.example.org/sitemap.xml" in response.text.splitlines()
    assert "User-agent: *" in response.text


def test_conditional_get_and_keys(small: TestClient, seed: Seeder) -> None:
    _published(seed, 3)
    first = small.get("/sitemap.xml")
    assert set(first.headers["surrogate-key"].split()) == {"articles", "sections"}
    assert small.get("/sitemap.xml", headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    page = small.get("/sitemaps/articles-2.xml")
    assert (
        small.get("/sitemaps/articles-2.xml", headers={"If-None-Match": page.headers["etag"]}).status_code
        == 304
    )
    seed.article("New")
    assert small.get("/sitemap.xml", headers={"If-None-Match": first.headers["etag"]}).status_code == 200
