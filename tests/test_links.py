"""Canonical article URLs: the publisher's site when there is one, else the example frontend."""

from __future__ import annotations

from cms.services.links import article_url
from cms.settings import Settings


def test_without_a_publishers_site_articles_link_to_the_example_frontend() -> None:
    settings = Settings(public_url="http://127.0.0.1:8000")
    url = article_url(settings, slug="tea-and-talks", section_slug="the-peninsula", canonical_url=None)
    assert url == "http://127.0.0.1:8000/examples/peninsula/article.html?slug=tea-and-talks"


def test_with_a_site_articles_live_under_their_section() -> None:
    settings = Settings(public_url="https://cms.example.org", base_url="https://example.org")
    assert article_url(settings, slug="a", section_slug="the-peninsula", canonical_url=None) == (
        "https://example.org/the-peninsula/a"
    )
    assert (
        article_url(settings, slug="a", section_slug=None, canonical_url=None)
        == "https://example.org/articles/a"
    )


def test_a_template_and_an_own_canonical_url() -> None:
    settings = Settings(base_url="https://example.org", article_url="{base}/blog/{slug}/")
    assert (
        article_url(settings, slug="a b", section_slug="s", canonical_url=None)
        == "https://example.org/blog/a%20b/"
    )
    assert article_url(settings, slug="a", section_slug="s", canonical_url="https://elsewhere.org/x") == (
        "https://elsewhere.org/x"
    )
