"""Where things live on the web: the one home of the canonical article URL rule.

Two addresses, never confused: the CMS's own public URL (``CMS_PUBLIC_URL``: media, feeds, the
API, links in mails and webhook bodies) and the publisher's site (``CMS_BASE_URL``), where
articles are read. Without a publisher's site, articles link to the example frontend this CMS
serves, so no default URL points at a page that answers 404.
"""

from __future__ import annotations

from urllib.parse import quote

from cms.settings import Settings

SITE_TEMPLATE = "{base}/{section}/{slug}"
EXAMPLE_TEMPLATE = "{public}/examples/peninsula/article.html?slug={slug}"


def article_template(settings: Settings) -> str:
    if settings.article_url:
        return settings.article_url
    return SITE_TEMPLATE if settings.base_url else EXAMPLE_TEMPLATE


def article_url(settings: Settings, *, slug: str, section_slug: str | None, canonical_url: str | None) -> str:
    """The canonical URL of an article: its own canonical URL when it lives elsewhere, else the template."""
    if canonical_url:
        return canonical_url
    return article_template(settings).format(
        base=settings.base_url or settings.public_url,
        public=settings.public_url,
        section=quote(section_slug or "articles"),
        slug=quote(slug),
    )


def public(settings: Settings, path: str) -> str:
    """An absolute URL on this CMS for ``path`` (which starts with a slash)."""
    return settings.public_url + path
