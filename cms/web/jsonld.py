"""GET /articles/{slug}.jsonld: an article's schema.org NewsArticle (the same as Article.jsonLd),
for pages that include it with <script type="application/ld+json" src=...> or fetch it."""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cms.errors import NotFound
from cms.services import articles as article_reads
from cms.services import jsonld
from cms.services.views import Want
from cms.web.documents import Document, Prepared, PublicDocuments, Reading

MEDIA_TYPE = "application/ld+json"
_WANT = Want(authors=True, lead_image=True, photos=False)


class JsonLdEndpoint:
    def __init__(self, documents: PublicDocuments) -> None:
        self.documents = documents

    def routes(self) -> list[Route]:
        return [Route("/articles/{slug}.jsonld", self.article, methods=["GET"])]

    async def article(self, request: Request) -> Response:
        slug = request.path_params["slug"]

        def prepare(reading: Reading) -> Prepared:
            row = article_reads.get_one(reading.conn, slug=slug, public=True, now=reading.now)
            if row is None:
                raise NotFound(f"no published article has the slug {slug!r}", field="slug")
            view = reading.reader.articles([row], _WANT)[0]
            keys = {f"Article:{view.id}", *(f"Author:{a.id}" for a in view.authors)}
            if view.section is not None:
                keys.add(f"Section:{view.section.id}")
            if view.lead_image is not None:
                keys.add(f"Image:{view.lead_image.id}")

            def render() -> Document:
                return Document(orjson.dumps(jsonld.news_article(reading.settings, view)), MEDIA_TYPE)

            return keys, render

        return await self.documents.serve(request, prepare)
