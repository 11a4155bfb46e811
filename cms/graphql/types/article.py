from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from cms.errors import BadInput
from cms.graphql.relay import Node, PageInfo, to_global_id
from cms.graphql.types.image import Image
from cms.models import State
from cms.services import articles as article_service
from cms.services import editorial
from cms.services.articles import Parent
from cms.services.pagination import decode_cursor, encode_cursor, page_request
from cms.services.snapshot import Taxonomy

if TYPE_CHECKING:
    from cms.graphql.context import Context
    from cms.graphql.types.revision import RevisionConnection


@strawberry.enum(description="Where an article is in its life. SCHEDULED is PUBLISHED with a future time.")
class ArticleStatus(Enum):
    DRAFT = "DRAFT"
    SCHEDULED = "SCHEDULED"
    PUBLISHED = "PUBLISHED"
    ARCHIVED = "ARCHIVED"
    TRASHED = "TRASHED"


ArticleOrder = strawberry.enum(article_service.Order, name="ArticleOrder")


def status_of(state: str, published_at: datetime | None, now: datetime) -> ArticleStatus:
    if state == State.PUBLISHED.value and published_at is not None and published_at > now:
        return ArticleStatus.SCHEDULED
    return ArticleStatus[state.upper()]


def _articles_of(kind: Parent) -> Any:
    """The `articles` connection of a section, category or author (batched across a list)."""

    def articles(
        self: Any,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> ArticleConnection:
        from cms.graphql.loaders import nested_articles

        return nested_articles(  # type: ignore[return-value]  # awaited by graphql-core
            info, kind, self.pk, first=first, after=after, last=last, before=before
        )

    return strawberry.field(resolver=articles, description="Published articles, newest first.")


@strawberry.type
class Section(Node):
    name: str
    slug: str
    description: str
    pk: strawberry.Private[int]

    articles: ArticleConnection = _articles_of("section")


@strawberry.type
class Category(Node):
    name: str
    slug: str
    pk: strawberry.Private[int]

    articles: ArticleConnection = _articles_of("category")


@strawberry.type
class Author(Node):
    name: str
    slug: str
    bio: str
    affiliation: str
    photo: Image | None
    pk: strawberry.Private[int]

    articles: ArticleConnection = _articles_of("author")


@strawberry.type
class Article(Node):
    title: str
    slug: str
    summary: str
    body_html: str
    body_text: str
    published_at: datetime | None
    updated_at: datetime
    status: ArticleStatus
    version: int
    section: Section | None
    category: Category | None
    authors: list[Author] = strawberry.field(description="The byline, in order.")
    lead_image: Image | None
    url: str = strawberry.field(description="Canonical URL on the publisher's site.")
    reading_time_minutes: int
    pk: strawberry.Private[int]
    row: strawberry.Private[Any]

    @strawberry.field(description="Every saved state, newest first. Editors only.")
    def revisions(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> Annotated[RevisionConnection, strawberry.lazy("cms.graphql.types.revision")]:
        from cms.graphql.types.revision import Revision, RevisionConnection, RevisionEdge

        ctx = info.context
        ctx.caller.require("read revisions")
        page = page_request(
            first=first, after=after, last=None, before=None,
            default_size=ctx.settings.default_page_size, max_size=ctx.settings.max_page_size,
        )  # fmt: skip
        before_version = None
        if after is not None:
            parts = decode_cursor(after, argument="after")
            if len(parts) != 2 or parts[0] != "revision" or not isinstance(parts[1], int):
                raise BadInput("`after` is not a cursor of revisions", field="after")
            before_version = parts[1]
        rows, more, total = editorial.revisions(
            ctx.conn, self.pk, limit=page.limit, before_version=before_version
        )
        edges = [
            RevisionEdge(cursor=encode_cursor("revision", r.version), node=Revision.from_row(r)) for r in rows
        ]
        page_info = PageInfo.of(
            [e.cursor for e in edges], more=more, forward=True, had_cursor=after is not None
        )
        return RevisionConnection(edges=edges, page_info=page_info, total_count=total)


@strawberry.type
class ArticleEdge:
    cursor: str
    node: Article


@strawberry.type
class ArticleConnection:
    edges: list[ArticleEdge]
    page_info: PageInfo
    counter: strawberry.Private[Callable[[], int | Awaitable[int]]]

    @strawberry.field(description="Exact number of articles in the whole list, not just this page.")
    def total_count(self) -> int:
        # Nested connections count through a batching loader and hand back an awaitable;
        # graphql-core awaits it, so one resolver serves both.
        return self.counter()  # type: ignore[return-value]

    @strawberry.field
    def nodes(self) -> list[Article]:
        return [edge.node for edge in self.edges]


def section_type(row: Any) -> Section:
    return Section(
        id=to_global_id("Section", row.id),
        name=row.name,
        slug=row.slug,
        description=row.description,
        pk=row.id,
    )


def category_type(row: Any) -> Category:
    return Category(id=to_global_id("Category", row.id), name=row.name, slug=row.slug, pk=row.id)


def author_type(row: Any, photo: Image | None = None) -> Author:
    return Author(
        id=to_global_id("Author", row.id),
        name=row.name,
        slug=row.slug,
        bio=row.bio,
        affiliation=row.affiliation,
        photo=photo,
        pk=row.id,
    )


def taxonomy_types(taxonomy: Taxonomy) -> tuple[dict[int, Section], dict[int, Category]]:
    """Section and category objects, made once per taxonomy snapshot and shared by requests."""
    made = taxonomy.memo.get("graphql")
    if made is None:
        made = taxonomy.memo["graphql"] = (
            {pk: section_type(row) for pk, row in taxonomy.sections.items()},
            {pk: category_type(row) for pk, row in taxonomy.categories.items()},
        )
    return made


def image_types(ctx: Context, image_ids: Sequence[int | None]) -> dict[int, Image]:
    licenses = ctx.licenses()
    rows = article_service.images_by_id(ctx.conn, image_ids)
    return {pk: Image.from_row(row, licenses[row.license_code]) for pk, row in rows.items()}


def build_articles(ctx: Context, rows: Sequence[Any], names: frozenset[str]) -> list[Article]:
    """Turn a page of rows into articles, fetching each wanted relation in one statement."""
    if not rows:
        return []
    taxonomy = ctx.taxonomy()
    ids = [row.id for row in rows]
    bylines = article_service.authors_of(ctx.conn, ids) if "authors" in names else {}
    image_ids: list[int | None] = []
    if "leadImage" in names:
        image_ids += [row.lead_image_id for row in rows]
    if "photo" in names:
        image_ids += [a.photo_id for byline in bylines.values() for a in byline]
    images = image_types(ctx, image_ids) if image_ids else {}
    sections, categories = taxonomy_types(taxonomy)
    base_url = ctx.settings.base_url
    now = ctx.now
    result = []
    for row in rows:
        section = sections.get(row.section_id) if row.section_id is not None else None
        mapping = row._mapping
        result.append(
            Article(
                id=to_global_id("Article", row.id),
                title=row.title,
                slug=row.slug,
                summary=row.summary,
                body_html=mapping.get("body_html", ""),
                body_text=mapping.get("body_text", ""),
                published_at=row.published_at,
                updated_at=row.updated_at,
                status=status_of(row.state, row.published_at, now),
                version=row.version,
                section=section,
                category=categories.get(row.category_id) if row.category_id is not None else None,
                authors=[
                    author_type(a, images.get(a.photo_id) if a.photo_id is not None else None)
                    for a in bylines.get(row.id, ())
                ],
                lead_image=images.get(row.lead_image_id) if row.lead_image_id is not None else None,
                url=row.canonical_url or f"{base_url}/{section.slug if section else 'articles'}/{row.slug}",
                reading_time_minutes=row.reading_time_minutes,
                pk=row.id,
                row=row,
            )
        )
    return result


def connection(
    articles: list[Article],
    *,
    order: article_service.Order,
    more: bool,
    forward: bool,
    had_cursor: bool,
    counter: Callable[[], int | Awaitable[int]],
) -> ArticleConnection:
    edges = [ArticleEdge(cursor=article_service.cursor_for(a.row, order), node=a) for a in articles]
    page_info = PageInfo.of([e.cursor for e in edges], more=more, forward=forward, had_cursor=had_cursor)
    return ArticleConnection(edges=edges, page_info=page_info, counter=counter)
