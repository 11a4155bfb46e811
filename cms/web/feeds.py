"""The feed endpoints: /feeds/{atom,rss,json} for the whole site and
/feeds/{section,category,author}/{slug}/{atom,rss,json} for one of them, ``?limit=`` 1 to 100."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cms.errors import NotFound
from cms.services import feeds
from cms.services.feeds import SITE, Scope
from cms.services.site import site
from cms.services.views import ArticleView
from cms.web import feed_json, feed_xml
from cms.web.documents import Document, Prepared, PublicDocuments, Reading, error
from cms.web.feed_model import FORMATS, MEDIA_TYPES, Feed, build

_WRITERS: dict[str, Callable[[Feed], bytes]] = {
    "atom": feed_xml.atom,
    "rss": feed_xml.rss,
    "json": feed_json.json_feed,
}


def _not_found() -> Response:
    return error(404, "NOT_FOUND", "no such feed; see /feeds/atom, /feeds/rss and /feeds/json")


def _shown_keys(feed_views: list[ArticleView]) -> set[str]:
    keys: set[str] = set()
    for view in feed_views:
        keys.add(f"Article:{view.id}")
        keys.update(f"Author:{a.id}" for a in view.authors)
        if view.section is not None:
            keys.add(f"Section:{view.section.id}")
        if view.category is not None:
            keys.add(f"Category:{view.category.id}")
        if view.lead_image is not None:
            keys.add(f"Image:{view.lead_image.id}")
    return keys


class FeedEndpoints:
    def __init__(self, documents: PublicDocuments) -> None:
        self.documents = documents

    def routes(self) -> list[Route]:
        return [
            Route("/feeds/{fmt}", self.site_feed, methods=["GET"]),
            Route("/feeds/{kind}/{slug}/{fmt}", self.scoped_feed, methods=["GET"]),
        ]

    async def site_feed(self, request: Request) -> Response:
        fmt = request.path_params["fmt"]
        if fmt not in FORMATS:
            return _not_found()
        return await self._serve(request, fmt, None, None)

    async def scoped_feed(self, request: Request) -> Response:
        fmt, kind = request.path_params["fmt"], request.path_params["kind"]
        if fmt not in FORMATS or kind not in feeds.KINDS:
            return _not_found()
        return await self._serve(request, fmt, kind, request.path_params["slug"])

    async def _serve(self, request: Request, fmt: str, kind: str | None, slug: str | None) -> Response:
        raw_limit = request.query_params.get("limit")

        def prepare(reading: Reading) -> Prepared:
            limit = feeds.parse_limit(raw_limit)
            found: Scope | None = SITE
            if kind is not None and slug is not None:
                found = feeds.scope_for(reading.reader, kind, slug)
            if found is None:
                raise NotFound(f"no {kind} has the slug {slug!r}", field="slug")
            scope = found

            def render() -> Document:
                settings = reading.settings
                full = settings.feed_full_content
                views = feeds.articles(reading.reader, scope, limit=limit, full_content=full)
                feed = build(
                    settings, site(settings), scope, views, full_content=full, as_of=reading.modified
                )
                return Document(_WRITERS[fmt](feed), MEDIA_TYPES[fmt], _shown_keys(views))

            keys = {scope.list_key}
            if scope.entity_id is not None:
                keys.add(f"{scope.kind.capitalize()}:{scope.entity_id}")
            return keys, render

        return await self.documents.serve(request, prepare)
