"""Sitemaps (sitemaps.org 0.9) and robots.txt.

/sitemap.xml is an index of /sitemaps/articles-N.xml (CMS_SITEMAP_PAGE_SIZE URLs each, at most
50,000) and /sitemaps/news.xml (Google News: the last 48 hours). The URLs listed are the
publisher's canonical article URLs, so search engines accept this sitemap only when the
publisher's own robots.txt names it (cross-host submission); see "Sitemaps" in the README.
Image licences travel in JSON-LD, not here: search engines no longer read image:license.
"""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from cms.errors import NotFound
from cms.services import sitemaps
from cms.services.site import Site, site
from cms.services.text import xml_safe
from cms.services.views import ArticleLocation, ArticleView
from cms.web.documents import Document, Prepared, PublicDocuments, Reading

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
_XML = "application/xml; charset=utf-8"
#: A change to any article or to a section (whose slug is in URLs) touches every sitemap.
_KEYS = {"articles", "sections"}


def _w3c(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds")


def _xml(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def news_language(language: str) -> str:
    """Google News wants an ISO 639 code (``en``), except ``zh-cn`` and ``zh-tw``."""
    tag = language.lower()
    return tag if tag in ("zh-cn", "zh-tw") else tag.split("-", 1)[0]


def index(public_url: str, pages: list[sitemaps.SitemapPage], news_lastmod: datetime | None) -> bytes:
    root = etree.Element(f"{{{SITEMAP}}}sitemapindex", nsmap={None: SITEMAP})
    entries = [(f"{public_url}/sitemaps/articles-{p.number}.xml", p.lastmod) for p in pages]
    entries.append((f"{public_url}/sitemaps/news.xml", news_lastmod))
    for loc, lastmod in entries:
        entry = etree.SubElement(root, f"{{{SITEMAP}}}sitemap")
        etree.SubElement(entry, f"{{{SITEMAP}}}loc").text = loc
        if lastmod is not None:
            etree.SubElement(entry, f"{{{SITEMAP}}}lastmod").text = _w3c(lastmod)
    return _xml(root)


def urlset(views: list[ArticleLocation]) -> bytes:
    root = etree.Element(f"{{{SITEMAP}}}urlset", nsmap={None: SITEMAP})
    loc, lastmod, url = f"{{{SITEMAP}}}loc", f"{{{SITEMAP}}}lastmod", f"{{{SITEMAP}}}url"
    sub = etree.SubElement
    for view in views:
        entry = sub(root, url)
        sub(entry, loc).text = view.url
        sub(entry, lastmod).text = _w3c(view.modified_at)
    return _xml(root)


def news_urlset(views: list[ArticleView], identity: Site) -> bytes:
    root = etree.Element(f"{{{SITEMAP}}}urlset", nsmap={None: SITEMAP, "news": NEWS})
    name, language = xml_safe(identity.name), news_language(identity.language)
    for view in views:
        entry = etree.SubElement(root, f"{{{SITEMAP}}}url")
        etree.SubElement(entry, f"{{{SITEMAP}}}loc").text = view.url
        news = etree.SubElement(entry, f"{{{NEWS}}}news")
        publication = etree.SubElement(news, f"{{{NEWS}}}publication")
        etree.SubElement(publication, f"{{{NEWS}}}name").text = name
        etree.SubElement(publication, f"{{{NEWS}}}language").text = language
        published = view.published_at or view.updated_at
        etree.SubElement(news, f"{{{NEWS}}}publication_date").text = _w3c(published)
        etree.SubElement(news, f"{{{NEWS}}}title").text = xml_safe(view.title)
    return _xml(root)


class SitemapEndpoints:
    def __init__(self, documents: PublicDocuments) -> None:
        self.documents = documents

    def routes(self) -> list[Route]:
        return [
            Route("/sitemap.xml", self.index, methods=["GET"]),
            Route("/sitemaps/articles-{number:int}.xml", self.page, methods=["GET"]),
            Route("/sitemaps/news.xml", self.news, methods=["GET"]),
            Route("/robots.txt", self.robots, methods=["GET"]),
        ]

    async def index(self, request: Request) -> Response:
        def prepare(reading: Reading) -> Prepared:
            def render() -> Document:
                size = reading.settings.sitemap_page_size
                found = sitemaps.pages(reading.reader, size=size)
                newest = sitemaps.news(reading.reader)
                news_lastmod = max((v.modified_at for v in newest), default=None)
                body = index(reading.settings.public_url, found, news_lastmod)
                return Document(body, _XML)

            return set(_KEYS), render

        return await self.documents.serve(request, prepare)

    async def page(self, request: Request) -> Response:
        number = int(request.path_params["number"])

        def prepare(reading: Reading) -> Prepared:
            size = reading.settings.sitemap_page_size
            if not sitemaps.page_exists(reading.reader, number, size=size):
                raise NotFound(f"there is no sitemap page {number}; /sitemap.xml lists them", field="number")

            def render() -> Document:
                return Document(urlset(sitemaps.page(reading.reader, number, size=size)), _XML)

            return set(_KEYS), render

        return await self.documents.serve(request, prepare)

    async def news(self, request: Request) -> Response:
        def prepare(reading: Reading) -> Prepared:
            def render() -> Document:
                views = sitemaps.news(reading.reader)
                return Document(news_urlset(views, site(reading.settings)), _XML)

            return set(_KEYS), render

        return await self.documents.serve(request, prepare)

    async def robots(self, request: Request) -> Response:
        settings = self.documents.state.settings
        lines = [
            "# This CMS serves the publisher's sitemaps; the publisher's own robots.txt should name",
            "# the index too (Sitemap: line below), since the URLs it lists are on the publisher's site.",
            "User-agent: *",
            "Disallow: /graphql",
            "Disallow: /admin",
            "",
            f"Sitemap: {settings.public_url}/sitemap.xml",
            "",
        ]
        return PlainTextResponse(
            "\n".join(lines), headers={"Cache-Control": f"public, max-age={settings.feed_max_age}"}
        )
