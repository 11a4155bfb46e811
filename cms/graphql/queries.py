"""The public read API (the contract's Query type)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import strawberry
from strawberry.types import Info

from cms.errors import BadInput, Forbidden, Unauthenticated
from cms.graphql.context import Context
from cms.graphql.relay import Node, PageInfo, expect_global_id, from_global_id
from cms.graphql.selection import selected_names
from cms.graphql.types.article import (
    Article,
    ArticleConnection,
    ArticleOrder,
    ArticleStatus,
    Author,
    Category,
    Section,
    author_type,
    build_articles,
    connection,
    image_types,
    taxonomy_types,
)
from cms.graphql.types.image import Image, License
from cms.graphql.types.search import FacetCount, SearchConnection, SearchEdge, SearchFacets, Stats
from cms.search import parse, render_snippet
from cms.services import articles as article_service
from cms.services import authors as author_service
from cms.services import preview as preview_links
from cms.services.pagination import decode_cursor, encode_cursor, page_request


@strawberry.input(description="Narrow a list of articles. Slugs name sections, categories and authors.")
class ArticleFilter:
    section: str | None = None
    category: str | None = None
    author: str | None = None
    published_after: datetime | None = strawberry.field(default=None, description="Inclusive.")
    published_before: datetime | None = strawberry.field(default=None, description="Exclusive.")
    status: ArticleStatus | None = strawberry.field(default=None, description="Editors only.")


@strawberry.type
class ImageEdge:
    cursor: str
    node: Image


@strawberry.type
class ImageConnection:
    edges: list[ImageEdge]
    page_info: PageInfo
    total_count: int

    @strawberry.field
    def nodes(self) -> list[Image]:
        return [edge.node for edge in self.edges]


@strawberry.type
class AuthorEdge:
    cursor: str
    node: Author


@strawberry.type
class AuthorConnection:
    edges: list[AuthorEdge]
    page_info: PageInfo
    counter: strawberry.Private[Any]

    @strawberry.field
    def total_count(self) -> int:
        return int(self.counter())

    @strawberry.field
    def nodes(self) -> list[Author]:
        return [edge.node for edge in self.edges]


def _ctx(info: Info) -> Context:
    return info.context  # type: ignore[no-any-return]


def _resolve_filter(ctx: Context, flt: ArticleFilter | None) -> article_service.Filter:
    if flt is None:
        return article_service.Filter(public=ctx.is_public)
    if flt.status is not None and ctx.is_public and flt.status is not ArticleStatus.PUBLISHED:
        raise Forbidden("filtering by status other than PUBLISHED needs an editor's token", field="status")
    status = flt.status.value if flt.status is not None and not ctx.is_public else None
    bounds: dict[str, datetime | None] = {}
    for name in ("published_after", "published_before"):
        value = getattr(flt, name)
        if value is not None and value.tzinfo is None:
            raise BadInput(f"`{name}` needs a time zone offset, such as 2024-05-01T00:00:00Z", field=name)
        try:
            bounds[name] = value.astimezone(UTC) if value is not None else None
        except OverflowError:
            raise BadInput(f"`{name}` is outside the range of dates in UTC", field=name) from None
    taxonomy = ctx.taxonomy()
    nothing = False
    section_id = category_id = author_id = None
    if flt.section is not None:
        section_id = taxonomy.section_ids.get(flt.section)
        nothing |= section_id is None
    if flt.category is not None:
        category_id = taxonomy.category_ids.get(flt.category)
        nothing |= category_id is None
    if flt.author is not None:
        row = author_service.get(ctx.conn, slug=flt.author)
        author_id = row.id if row is not None else None
        nothing |= author_id is None
    return article_service.Filter(
        public=ctx.is_public,
        section_id=section_id,
        category_id=category_id,
        author_id=author_id,
        published_after=bounds["published_after"],
        published_before=bounds["published_before"],
        status=status,
        nothing=nothing,
    )


def _count(ctx: Context, flt: article_service.Filter) -> int:
    return ctx.app.snapshot.count(
        ctx.conn,
        ctx.seq,
        ("articles", *flt.cache_key()),
        ctx.now,
        lambda: article_service.count(ctx.conn, flt, now=ctx.now),
    )


def _one_article(ctx: Context, names: frozenset[str], **where: Any) -> Article | None:
    row = article_service.get_one(ctx.conn, public=ctx.is_public, now=ctx.now, **where)
    return build_articles(ctx, [row], names)[0] if row is not None else None


@strawberry.type
class Query:
    @strawberry.field(description="Any object by its global ID.")
    def node(self, info: Info, id: strawberry.ID) -> Node | None:
        ctx = _ctx(info)
        type_name, pk = from_global_id(id)
        if type_name == "Article":
            return _one_article(ctx, selected_names(info), article_id=pk)
        if type_name == "Image":
            return image_types(ctx, [pk]).get(pk)
        if type_name == "Author":
            row = author_service.get(ctx.conn, author_id=pk)
            return _author_with_photo(ctx, row, selected_names(info)) if row is not None else None
        sections, categories = taxonomy_types(ctx.taxonomy())
        if type_name == "Section":
            return sections.get(pk)
        if type_name == "Category":
            return categories.get(pk)
        return None

    @strawberry.field(description="One article by slug (former slugs still resolve) or by ID.")
    def article(
        self,
        info: Info,
        slug: str | None = None,
        id: strawberry.ID | None = None,
        preview: bool | None = False,
        preview_token: str | None = None,
    ) -> Article | None:
        ctx = _ctx(info)
        if preview and ctx.is_public:
            raise Unauthenticated("`preview: true` needs an editor's token")
        if preview_token is not None:
            article_id = preview_links.check(ctx.settings.secret_key, preview_token, now=ctx.now)
            row = article_service.get_one(ctx.conn, article_id=article_id, public=False, now=ctx.now)
            return build_articles(ctx, [row], selected_names(info))[0] if row is not None else None
        if (slug is None) == (id is None):
            raise BadInput("give exactly one of `slug` or `id`", field="slug")
        names = selected_names(info)
        if id is not None:
            return _one_article(ctx, names, article_id=expect_global_id(id, "Article"))
        return _one_article(ctx, names, slug=slug)

    @strawberry.field(description="Articles, newest first unless ordered otherwise. Relay pagination.")
    def articles(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: ArticleFilter | None = None,
        order_by: ArticleOrder | None = article_service.Order.PUBLISHED_AT_DESC,  # type: ignore[valid-type]
    ) -> ArticleConnection:
        ctx = _ctx(info)
        settings = ctx.settings
        page = page_request(
            first=first,
            after=after,
            last=last,
            before=before,
            default_size=settings.default_page_size,
            max_size=settings.max_page_size,
        )
        flt = _resolve_filter(ctx, filter)
        order = article_service.Order(order_by or article_service.Order.PUBLISHED_AT_DESC)
        names = selected_names(info)
        rows, more = article_service.list_page(
            ctx.conn,
            flt,
            order=order,
            page=page,
            now=ctx.now,
            with_body="bodyHtml" in names or "bodyText" in names,
        )
        items = build_articles(ctx, rows, names)
        return connection(
            items,
            order=order,
            more=more,
            forward=page.forward,
            had_cursor=page.cursor is not None,
            counter=lambda: _count(ctx, flt),
        )

    @strawberry.field(description='Search all site content: words, "phrases", -exclusions, OR.')
    def search(
        self,
        info: Info,
        query: str,
        first: int | None = None,
        after: str | None = None,
        filter: ArticleFilter | None = None,
    ) -> SearchConnection:
        ctx = _ctx(info)
        settings = ctx.settings
        page = page_request(
            first=first,
            after=after,
            last=None,
            before=None,
            default_size=settings.default_page_size,
            max_size=settings.max_page_size,
        )
        offset = 0
        if after is not None:
            parts = decode_cursor(after, argument="after")
            if (
                len(parts) != 2
                or parts[0] != "search"
                or not isinstance(parts[1], int)
                or not 0 <= parts[1] < 2**31
            ):
                raise BadInput("`after` is not a cursor of a search", field="after")
            offset = parts[1] + 1
        parsed = parse(query)
        flt = _resolve_filter(ctx, filter)
        where = article_service.where_clauses(flt, ctx.now)
        backend = ctx.app.search
        hits = backend.hits(ctx.conn, parsed, where, limit=page.limit + 1, offset=offset)
        more = len(hits) > page.limit
        hits = hits[: page.limit]
        names = selected_names(info)
        by_id = article_service.rows_by_ids(
            ctx.conn, [h.article_id for h in hits], with_body="bodyHtml" in names or "bodyText" in names
        )
        rows = [by_id[h.article_id] for h in hits]
        built = build_articles(ctx, rows, names)
        edges = [
            SearchEdge(
                cursor=encode_cursor("search", offset + i),
                node=node,
                rank=hit.rank,
                snippet=render_snippet(hit.snippet),
            )
            for i, (hit, node) in enumerate(zip(hits, built, strict=True))
        ]
        page_info = PageInfo.of([e.cursor for e in edges], more=more, forward=True, had_cursor=offset > 0)

        def facets() -> SearchFacets:
            found = backend.facets(ctx.conn, parsed, where)
            taxonomy = ctx.taxonomy()

            def labelled(pairs: list[tuple[int, int]], rows: dict[int, Any]) -> list[FacetCount]:
                known = [(rows[pk], n) for pk, n in pairs if pk in rows]
                known.sort(key=lambda item: (-item[1], item[0].name))
                return [FacetCount(value=row.slug, label=row.name, count=n) for row, n in known]

            return SearchFacets(
                sections=labelled(found.sections, taxonomy.sections),
                categories=labelled(found.categories, taxonomy.categories),
                years=[
                    FacetCount(value=str(year), label=str(year), count=n)
                    for year, n in sorted(found.years, reverse=True)
                ],
            )

        return SearchConnection(
            edges=edges,
            page_info=page_info,
            counter=lambda: ctx.app.snapshot.count(
                ctx.conn,
                ctx.seq,
                ("search", parsed.websearch(), *flt.cache_key()),
                ctx.now,
                lambda: backend.count(ctx.conn, parsed, where),
            ),
            facet_maker=facets,
        )

    @strawberry.field
    def section(self, info: Info, slug: str) -> Section | None:
        taxonomy = _ctx(info).taxonomy()
        pk = taxonomy.section_ids.get(slug)
        return taxonomy_types(taxonomy)[0].get(pk) if pk is not None else None

    @strawberry.field(description="Every section, by name.")
    def sections(self, info: Info) -> list[Section]:
        return list(taxonomy_types(_ctx(info).taxonomy())[0].values())

    @strawberry.field
    def category(self, info: Info, slug: str) -> Category | None:
        taxonomy = _ctx(info).taxonomy()
        pk = taxonomy.category_ids.get(slug)
        return taxonomy_types(taxonomy)[1].get(pk) if pk is not None else None

    @strawberry.field(description="Every category, by name.")
    def categories(self, info: Info) -> list[Category]:
        return list(taxonomy_types(_ctx(info).taxonomy())[1].values())

    @strawberry.field
    def author(self, info: Info, slug: str) -> Author | None:
        ctx = _ctx(info)
        row = author_service.get(ctx.conn, slug=slug)
        return _author_with_photo(ctx, row, selected_names(info)) if row is not None else None

    @strawberry.field(description="Authors, alphabetically. Relay pagination.")
    def authors(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> AuthorConnection:
        ctx = _ctx(info)
        page = page_request(
            first=first,
            after=after,
            last=last,
            before=before,
            default_size=ctx.settings.default_page_size,
            max_size=ctx.settings.max_page_size,
        )
        rows, more = author_service.list_page(ctx.conn, page=page)
        photos = image_types(ctx, [r.photo_id for r in rows]) if "photo" in selected_names(info) else {}
        items = [author_type(r, photos.get(r.photo_id) if r.photo_id is not None else None) for r in rows]
        edges = [
            AuthorEdge(cursor=author_service.cursor_for(r), node=a) for r, a in zip(rows, items, strict=True)
        ]
        had_cursor = page.cursor is not None
        page_info = PageInfo.of(
            [e.cursor for e in edges], more=more, forward=page.forward, had_cursor=had_cursor
        )
        counter = lambda: ctx.app.snapshot.count(  # noqa: E731
            ctx.conn, ctx.seq, ("authors",), ctx.now, lambda: author_service.count(ctx.conn)
        )
        return AuthorConnection(edges=edges, page_info=page_info, counter=counter)

    @strawberry.field(description="The image library, newest first. Relay pagination.")
    def images(self, info: Info, first: int | None = None, after: str | None = None) -> ImageConnection:
        ctx = _ctx(info)
        page = page_request(
            first=first, after=after, last=None, before=None,
            default_size=ctx.settings.default_page_size, max_size=ctx.settings.max_page_size,
        )  # fmt: skip
        before_id = None
        if after is not None:
            parts = decode_cursor(after, argument="after")
            if len(parts) != 2 or parts[0] != "image" or not isinstance(parts[1], int):
                raise BadInput("`after` is not a cursor of the image library", field="after")
            before_id = parts[1]
        ids, more, total = article_service.image_page(ctx.conn, limit=page.limit, before_id=before_id)
        images = image_types(ctx, ids)
        edges = [ImageEdge(cursor=encode_cursor("image", pk), node=images[pk]) for pk in ids if pk in images]
        page_info = PageInfo.of(
            [e.cursor for e in edges], more=more, forward=True, had_cursor=after is not None
        )
        return ImageConnection(edges=edges, page_info=page_info, total_count=total)

    @strawberry.field
    def image(self, info: Info, id: strawberry.ID) -> Image | None:
        pk = expect_global_id(id, "Image")
        return image_types(_ctx(info), [pk]).get(pk)

    @strawberry.field(description="Every licence and rights statement the CMS knows.")
    def licenses(self, info: Info) -> list[License]:
        return [License.from_row(row) for row in _ctx(info).licenses().values()]

    @strawberry.field
    def stats(self, info: Info) -> Stats:
        ctx = _ctx(info)
        return Stats(total_publications=_count(ctx, article_service.Filter(public=True)))


def _author_with_photo(ctx: Context, row: Any, names: frozenset[str]) -> Author:
    photo = None
    if row.photo_id is not None and "photo" in names:
        photo = image_types(ctx, [row.photo_id]).get(row.photo_id)
    return author_type(row, photo)


__all__ = ["ArticleFilter", "Query"]
