"""Reading content: articles, search, sections, categories, authors, images, licences, stats."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from cms.errors import BadInput, Forbidden
from cms.graphql.arguments import PAGE_COST, After, AfterOnly, Before, First, FirstOnly, Last
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
    taxonomy_types,
)
from cms.graphql.types.image import Image, License
from cms.graphql.types.search import (
    FacetCount,
    SearchConnection,
    SearchEdge,
    SearchFacets,
    Stats,
    search_cursor,
)
from cms.search import parse
from cms.services import articles as article_service
from cms.services import authors as author_service
from cms.services import library, tokens
from cms.services import preview as preview_links
from cms.services.pagination import decode_cursor, encode_cursor, page_request
from cms.services.permissions import Action


@strawberry.input(description="Narrow a list of articles. Slugs name sections, categories and authors.")
class ArticleFilter:
    section: str | None = strawberry.field(
        default=None,
        description="Only the section with this slug; a slug that names none gives an empty list.",
    )
    category: str | None = strawberry.field(
        default=None,
        description="Only the category with this slug; a slug that names none gives an empty list.",
    )
    author: str | None = strawberry.field(
        default=None,
        description="Only articles with the author of this slug in the byline; a slug that names none gives "
        "an empty list.",
    )
    published_after: datetime | None = strawberry.field(
        default=None, description="Published at or after this time (inclusive)."
    )
    published_before: datetime | None = strawberry.field(
        default=None, description="Published before this time (exclusive)."
    )
    status: ArticleStatus | None = strawberry.field(
        default=None,
        description="Only articles in this state, among those the caller may read. Without a staff token "
        "only PUBLISHED (else FORBIDDEN); staff lists show TRASHED only when asked for.",
    )


@strawberry.type(description="One image in a page, with its cursor.")
class ImageEdge:
    cursor: str = strawberry.field(description="Opaque position in the library: pass as `after`.")
    node: Image = strawberry.field(description="The image.")


@strawberry.type(description=f"A page of the image library, newest first (Relay, forwards only). {PAGE_COST}")
class ImageConnection:
    edges: list[ImageEdge] = strawberry.field(description="The page's images, newest first, with cursors.")
    page_info: PageInfo = strawberry.field(description="Whether more lie beyond this page, and its cursors.")
    total_count: int = strawberry.field(
        description="Exact number of images in the library the caller may see."
    )

    @strawberry.field(description="The page's images without cursors (the same as edges { node }).")
    def nodes(self) -> list[Image]:
        return [edge.node for edge in self.edges]


@strawberry.type(description="One author in a page, with its cursor.")
class AuthorEdge:
    cursor: str = strawberry.field(
        description="Opaque position in the authors list: pass as `after` or `before`."
    )
    node: Author = strawberry.field(description="The author.")


@strawberry.type(description=f"A page of authors, by name (Relay). {PAGE_COST}")
class AuthorConnection:
    edges: list[AuthorEdge] = strawberry.field(description="The page's authors, by name, with cursors.")
    page_info: PageInfo = strawberry.field(description="Whether more lie beyond this page, and its cursors.")
    counter: strawberry.Private[Any]

    @strawberry.field(description="Exact number of authors.")
    def total_count(self) -> int:
        return int(self.counter())

    @strawberry.field(description="The page's authors without cursors (the same as edges { node }).")
    def nodes(self) -> list[Author]:
        return [edge.node for edge in self.edges]


def _ctx(info: Info) -> Context:
    return info.context  # type: ignore[no-any-return]


def _resolve_filter(ctx: Context, flt: ArticleFilter | None) -> article_service.Filter:
    if flt is None:
        return article_service.Filter(
            public=ctx.is_public, owner=ctx.draft_owner, sections=ctx.caller.scope_sections
        )
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
        owner=ctx.draft_owner,
        sections=ctx.caller.scope_sections,
        section_id=section_id,
        category_id=category_id,
        author_id=author_id,
        published_after=bounds["published_after"],
        published_before=bounds["published_before"],
        status=status,
        nothing=nothing,
    )


def _list_keys(ctx: Context, flt: ArticleFilter | None) -> None:
    """The list keys of a list or search: narrowed to a section, category or author, or all articles."""
    narrowed = [
        f"{kind}:{slug}"
        for kind, slug in (
            ("section", flt.section if flt else None),
            ("category", flt.category if flt else None),
            ("author", flt.author if flt else None),
        )
        if slug is not None
    ]
    ctx.shows(*(narrowed or ["articles"]))


def _count(ctx: Context, flt: article_service.Filter) -> int:
    return ctx.app.snapshot.count(
        ctx.conn,
        ctx.seq,
        ("articles", *flt.cache_key()),
        ctx.now,
        lambda: article_service.count(ctx.conn, flt, now=ctx.now),
    )


def _one_article(
    ctx: Context, names: frozenset[str], *, preview: bool = False, **where: Any
) -> Article | None:
    row = article_service.get_one(ctx.conn, public=ctx.is_public, owner=ctx.draft_owner, now=ctx.now, **where)
    if row is None or (
        ctx.caller.partner is not None and not ctx.caller.partner.takes_section(row.section_id)
    ):
        ctx.shows("articles")  # an article with this slug or id may be published later
        return None
    # Pending changes only for those who may read this article's drafts.
    pending = preview and (ctx.caller.sees_all_drafts or ctx.caller.owns(_creator(ctx, row)))
    return build_articles(ctx, [row], names, pending=pending)[0]


def _creator(ctx: Context, row: Any) -> str | None:
    return tokens.name_of(ctx.conn, row.created_by) if row.created_by is not None else None


def _image_public(ctx: Context) -> bool:
    """Whether the caller sees only public images (no token, a partner, or a role without the right)."""
    return not ctx.caller.may(Action.IMAGE_READ_PRIVATE)


def _images(ctx: Context, ids: list[int]) -> dict[int, Image]:
    views = ctx.reader().images(ids, public=_image_public(ctx))
    ctx.shows("images", *(f"Image:{pk}" for pk in views))  # a missing one may be published later
    return {pk: Image.from_view(view) for pk, view in views.items()}


def _authors(ctx: Context, rows: list[Any], names: frozenset[str]) -> list[Author]:
    views = ctx.reader().authors(rows, photos="photo" in names, public=_image_public(ctx))
    for view in views:
        ctx.shows(f"Author:{view.id}", *([f"Image:{view.photo.id}"] if view.photo else []))
    return [author_type(view) for view in views]


def _author(ctx: Context, row: Any, names: frozenset[str]) -> Author:
    return _authors(ctx, [row], names)[0]


_LIST_OF = {
    "Article": "articles",
    "Image": "images",
    "Author": "authors",
    "Section": "sections",
    "Category": "categories",
}


@strawberry.type
class ContentQueries:
    @strawberry.field(
        description="An article, image, author, section or category by its global ID; null if there is none "
        "the caller may see (or it is of another type)."
    )
    def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global ID (an object's `id`).")],
    ) -> Node | None:
        ctx = _ctx(info)
        type_name, pk = from_global_id(id)
        ctx.shows(f"{type_name}:{pk}", _LIST_OF.get(type_name, "articles"))
        if type_name == "Article":
            return _one_article(ctx, selected_names(info), article_id=pk)
        if type_name == "Image":
            return _images(ctx, [pk]).get(pk)
        if type_name == "Author":
            row = author_service.get(ctx.conn, author_id=pk)
            return _author(ctx, row, selected_names(info)) if row is not None else None
        sections, categories = taxonomy_types(ctx.taxonomy())
        if type_name == "Section":
            return sections.get(pk)
        if type_name == "Category":
            return categories.get(pk)
        return None

    @strawberry.field(
        description="One article by slug (former slugs still resolve) or by ID; null if there is none the "
        "caller may see."
    )
    def article(
        self,
        info: Info,
        slug: Annotated[
            str | None,
            strawberry.argument(description="Its slug, or a former one; give `slug` or `id`, not both."),
        ] = None,
        id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Its global ID (Article.id); give `id` or `slug`, not both."),
        ] = None,
        preview: Annotated[
            bool | None,
            strawberry.argument(
                description="Show its pending changes (the latest save), not the live version: needs a staff "
                "token (authors get them for their own articles only); none is UNAUTHENTICATED, a partner's "
                "FORBIDDEN."
            ),
        ] = False,
        preview_token: Annotated[
            str | None,
            strawberry.argument(
                description="A token from createPreviewLink: shows that article's latest save to anyone, "
                "`slug` and `id` aside. Invalid, expired or revoked: FORBIDDEN."
            ),
        ] = None,
    ) -> Article | None:
        ctx = _ctx(info)
        if preview:
            ctx.caller.require(Action.ARTICLE_READ_DRAFT, own=True)
        if preview_token is not None:
            ctx.cacheable = False  # a revoked link must stop working at once
            article_id, generation = preview_links.check(ctx.settings.secret_key, preview_token, now=ctx.now)
            row = article_service.get_one(ctx.conn, article_id=article_id, public=False, now=ctx.now)
            if row is None or row.preview_generation != generation or row.state == "trashed":
                raise preview_links.refused()
            return build_articles(ctx, [row], selected_names(info), pending=True)[0]
        if (slug is None) == (id is None):
            raise BadInput("give exactly one of `slug` or `id`", field="slug")
        names = selected_names(info)
        if id is not None:
            return _one_article(ctx, names, preview=bool(preview), article_id=expect_global_id(id, "Article"))
        return _one_article(ctx, names, preview=bool(preview), slug=slug)

    @strawberry.field(
        description="Articles the caller may see (the public: published ones; partners: those of their "
        "sections; authors: also their own; editors and admins: all but the trash), newest first unless "
        "ordered otherwise. Relay pagination both ways."
    )
    def articles(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[
            ArticleFilter | None,
            strawberry.argument(description="Narrow the list; all conditions must hold."),
        ] = None,
        order_by: Annotated[
            ArticleOrder | None,  # type: ignore[valid-type]
            strawberry.argument(description="Sort order; null means PUBLISHED_AT_DESC."),
        ] = article_service.Order.PUBLISHED_AT_DESC,
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
        _list_keys(ctx, filter)
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

    @strawberry.field(
        description='Search the articles the caller may see: words, "phrases", -exclusions, OR. Best match '
        "first (titles weigh most, then summaries, then bodies). Relay pagination, forwards only."
    )
    def search(
        self,
        info: Info,
        query: Annotated[
            str,
            strawberry.argument(
                description='What to find: every word must match; "a phrase", -word or NOT word, a OR b. '
                "At most 500 characters and 32 terms; very common words count only inside quotes."
            ),
        ],
        first: FirstOnly = None,
        after: AfterOnly = None,
        filter: Annotated[
            ArticleFilter | None, strawberry.argument(description="Narrow the hits, as in articles(filter:).")
        ] = None,
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
        _list_keys(ctx, filter)
        where = article_service.where_clauses(flt, ctx.now)
        backend = ctx.app.search
        hits = backend.hits(
            ctx.conn,
            parsed,
            where,
            limit=page.limit + 1,
            offset=offset,
            memo=lambda key, compute: ctx.app.snapshot.count(ctx.conn, ctx.seq, key, ctx.now, compute),
        )
        more = len(hits) > page.limit
        hits = hits[: page.limit]
        names = selected_names(info)
        by_id = article_service.rows_by_ids(
            ctx.conn, [h.article_id for h in hits], with_body="bodyHtml" in names or "bodyText" in names
        )
        rows = [by_id[h.article_id] for h in hits]
        built = build_articles(ctx, rows, names)
        edges = [
            SearchEdge(node=node, rank=hit.rank, snippet=hit.snippet, position=offset + i)
            for i, (hit, node) in enumerate(zip(hits, built, strict=True))
        ]
        page_info = PageInfo.around(edges, search_cursor, more=more, forward=True, had_cursor=offset > 0)

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
                ("search", parsed.key(), *flt.cache_key()),
                ctx.now,
                lambda: backend.count(ctx.conn, parsed, where),
            ),
            facet_maker=facets,
        )

    @strawberry.field(description="One section by slug; null if none has it.")
    def section(
        self, info: Info, slug: Annotated[str, strawberry.argument(description="The section's slug.")]
    ) -> Section | None:
        ctx = _ctx(info)
        taxonomy = ctx.taxonomy()
        pk = taxonomy.section_ids.get(slug)
        ctx.shows("sections")
        return taxonomy_types(taxonomy)[0].get(pk) if pk is not None else None

    @strawberry.field(description="Every section, by name (for a partner: the sections it may take).")
    def sections(self, info: Info) -> list[Section]:
        ctx = _ctx(info)
        ctx.shows("sections")
        found = taxonomy_types(ctx.taxonomy())[0].values()
        partner = ctx.caller.partner
        return [s for s in found if partner is None or partner.takes_section(s.pk)]

    @strawberry.field(description="One category by slug; null if none has it.")
    def category(
        self, info: Info, slug: Annotated[str, strawberry.argument(description="The category's slug.")]
    ) -> Category | None:
        ctx = _ctx(info)
        taxonomy = ctx.taxonomy()
        pk = taxonomy.category_ids.get(slug)
        ctx.shows("categories")
        return taxonomy_types(taxonomy)[1].get(pk) if pk is not None else None

    @strawberry.field(description="Every category, by name.")
    def categories(self, info: Info) -> list[Category]:
        ctx = _ctx(info)
        ctx.shows("categories")
        return list(taxonomy_types(ctx.taxonomy())[1].values())

    @strawberry.field(description="One author by slug; null if none has it.")
    def author(
        self, info: Info, slug: Annotated[str, strawberry.argument(description="The author's slug.")]
    ) -> Author | None:
        ctx = _ctx(info)
        ctx.shows("authors")
        row = author_service.get(ctx.conn, slug=slug)
        return _author(ctx, row, selected_names(info)) if row is not None else None

    @strawberry.field(description="Every author, by name. Relay pagination both ways.")
    def authors(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Only authors whose name, slug or affiliation contains this text (any case).",
            ),
        ] = None,
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
        rows, more = author_service.list_page(ctx.conn, page=page, search=search)
        ctx.shows("authors")
        items = _authors(ctx, list(rows), selected_names(info))
        edges = [
            AuthorEdge(cursor=author_service.cursor_for(r), node=a) for r, a in zip(rows, items, strict=True)
        ]
        had_cursor = page.cursor is not None
        page_info = PageInfo.of(
            [e.cursor for e in edges], more=more, forward=page.forward, had_cursor=had_cursor
        )
        counter = lambda: ctx.app.snapshot.count(  # noqa: E731
            ctx.conn, ctx.seq, ("authors", search or ""), ctx.now,
            lambda: author_service.count(ctx.conn, search=search),
        )  # fmt: skip
        return AuthorConnection(edges=edges, page_info=page_info, counter=counter)

    @strawberry.field(
        description="The image library, newest first (the public and partners: public images only). Relay "
        "pagination, forwards only."
    )
    def images(
        self,
        info: Info,
        first: FirstOnly = None,
        after: AfterOnly = None,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Only images whose title, alt, creator or source contains this text (any case).",
            ),
        ] = None,
    ) -> ImageConnection:
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
        public = _image_public(ctx)
        ids, more, total = library.page(
            ctx.conn, limit=page.limit, before_id=before_id, public=public, now=ctx.now, search=search
        )
        images = _images(ctx, ids)
        edges = [ImageEdge(cursor=encode_cursor("image", pk), node=images[pk]) for pk in ids if pk in images]
        page_info = PageInfo.of(
            [e.cursor for e in edges], more=more, forward=True, had_cursor=after is not None
        )
        return ImageConnection(edges=edges, page_info=page_info, total_count=total)

    @strawberry.field(description="One image by global ID; null if there is none the caller may see.")
    def image(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Its global ID (Image.id).")],
    ) -> Image | None:
        pk = expect_global_id(id, "Image")
        return _images(_ctx(info), [pk]).get(pk)

    @strawberry.field(description="Every licence and rights statement the CMS knows.")
    def licenses(self, info: Info) -> list[License]:
        ctx = _ctx(info)
        ctx.shows("licenses")
        return [License.from_row(row) for row in ctx.licenses().values()]

    @strawberry.field(description="Figures about the publication, as the public sees it.")
    def stats(self, info: Info) -> Stats:
        ctx = _ctx(info)
        ctx.shows("articles")
        return Stats(total_publications=_count(ctx, article_service.Filter(public=True)))


__all__ = ["ArticleFilter", "ContentQueries"]
