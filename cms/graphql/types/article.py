from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON

from cms.errors import BadInput
from cms.graphql.arguments import PAGE_COST, After, AfterOnly, Before, First, FirstOnly, Last, describe_values
from cms.graphql.execution import plain
from cms.graphql.relay import Node, PageInfo, to_global_id
from cms.graphql.types.image import Image
from cms.services import articles as article_service
from cms.services import editorial, jsonld
from cms.services.articles import Parent
from cms.services.pagination import decode_cursor, encode_cursor, page_request
from cms.services.permissions import Action
from cms.services.snapshot import Taxonomy
from cms.services.views import (
    ArticleView,
    AuthorView,
    CategoryView,
    SectionView,
    Want,
    taxonomy_views,
)

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


describe_values(
    ArticleStatus,
    {
        "DRAFT": "Not public: new, unpublished, or restored from the trash.",
        "SCHEDULED": "Published with a future publishedAt: it goes public by itself then.",
        "PUBLISHED": "Public since publishedAt.",
        "ARCHIVED": "Out of public view, kept for the record (publishedAt is kept).",
        "TRASHED": "In the trash: out of public view, and out of staff lists unless filtered by this status.",
    },
)


ArticleOrder = strawberry.enum(
    article_service.Order,
    name="ArticleOrder",
    description="How a list of articles is sorted; ties go by ID, so pages never overlap or skip.",
)
describe_values(
    ArticleOrder,
    {
        "PUBLISHED_AT_DESC": "Newest publication first (the default). Staff lists leave out never-published "
        "drafts: find those with UPDATED_AT_DESC or TITLE_ASC.",
        "PUBLISHED_AT_ASC": "Oldest publication first; staff lists leave out never-published drafts.",
        "UPDATED_AT_DESC": "Most recently saved or changed first.",
        "TITLE_ASC": "By title, alphabetically.",
    },
)


@strawberry.enum(description="Why an image is left out of a partner's copy (it comes back as null).")
class WithheldReason(Enum):
    NONCOMMERCIAL_LICENSE = strawberry.enum_value(
        "NONCOMMERCIAL_LICENSE",
        description="Its licence forbids commercial use, and the partner is commercial.",
    )
    ALL_RIGHTS_RESERVED = strawberry.enum_value(
        "ALL_RIGHTS_RESERVED",
        description="Used with the rights holder's permission, which was given to the publisher alone.",
    )


def _articles_of(kind: Parent) -> Any:
    """The `articles` connection of a section, category or author (batched across a list)."""

    def articles(
        self: Any,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> ArticleConnection:
        from cms.graphql.loaders import nested_articles

        info.context.shows(f"{kind}:{self.slug}")
        return nested_articles(  # type: ignore[return-value]  # awaited by graphql-core
            info, kind, self.pk, first=first, after=after, last=last, before=before
        )

    return strawberry.field(
        resolver=articles,
        description=f"Articles of this {kind}, newest publication first: published ones for the public "
        "and partners; staff also see the unpublished ones they may read (not the trash).",
    )


@strawberry.type(
    description="A part of the publication (a desk, a blog, a series); an article is in one or none."
)
class Section(Node):
    name: str = strawberry.field(description="Display name (at most 200 characters).")
    slug: str = strawberry.field(
        description="URL name, unique among sections; ArticleFilter.section and feeds use it."
    )
    description: str = strawberry.field(description="What the section covers, plain text; empty when none.")
    pk: strawberry.Private[int]

    articles: ArticleConnection = _articles_of("section")


@strawberry.type(
    description="A kind of article (news, analysis, opinion ...) across sections; an article has one or none."
)
class Category(Node):
    name: str = strawberry.field(description="Display name (at most 200 characters).")
    slug: str = strawberry.field(
        description="URL name, unique among categories; ArticleFilter.category and feeds use it."
    )
    pk: strawberry.Private[int]

    articles: ArticleConnection = _articles_of("category")


@strawberry.type(description="A person in bylines, with a short biography and a portrait.")
class Author(Node):
    name: str = strawberry.field(description="Name as bylines print it (at most 200 characters).")
    slug: str = strawberry.field(
        description="URL name, unique among authors; ArticleFilter.author and "
        "ArticleInput.authorSlugs use it."
    )
    bio: str = strawberry.field(description="Short biography, plain text; empty when none.")
    affiliation: str = strawberry.field(
        description="Organisation or role shown with the name (at most 300 characters); empty when none."
    )
    photo: Image | None = strawberry.field(
        description="Portrait, or null: none set, not public yet (for callers who see only public "
        "images), or withheld from a partner."
    )
    photo_withheld: WithheldReason | None = strawberry.field(
        description="For partners: why the photo is null though the author has one."
    )
    pk: strawberry.Private[int]

    articles: ArticleConnection = _articles_of("author")


@strawberry.type(
    description="A story. The public and partners see it once published and its publishedAt has come, "
    "in its live version; staff see what their role allows (preview: true shows pending changes)."
)
class Article(Node):
    title: str = strawberry.field(description="Headline, plain text (at most 500 characters).")
    slug: str = strawberry.field(
        description="URL name, unique among articles; article(slug:) still finds it by its former slugs."
    )
    summary: str = strawberry.field(
        description="Standfirst, plain text; if none was given at creation, the body's first 280 or so "
        "characters."
    )
    body_html: str = strawberry.field(
        description="The body as sanitised HTML (an allow-list of tags and attributes), safe to insert."
    )
    body_text: str = strawberry.field(description="The body as plain text, without tags.")
    published_at: datetime | None = strawberry.field(
        description="When it went (or, scheduled, goes) public; kept when later changes are published. "
        "Null for drafts: unpublishing clears it."
    )
    updated_at: datetime = strawberry.field(description="When it was last saved or changed state.")
    status: ArticleStatus = strawberry.field(
        description="Where it is in its life; the public and partners only ever see PUBLISHED."
    )
    version: int = strawberry.field(
        description="Bumped by every save and workflow step; send it back as updateArticle's "
        "expectedVersion. "
        "Callers who see only published content get the live version."
    )
    live_version: int | None = strawberry.field(
        description="The version the public sees; null unless published (or scheduled)."
    )
    has_unpublished_changes: bool = strawberry.field(
        description="Saved changes wait above the live version for someone allowed to publish them "
        "(`preview: true` shows them). Always false for callers who see only published content."
    )
    section: Section | None = strawberry.field(description="Its section, or null.")
    category: Category | None = strawberry.field(description="Its category, or null.")
    authors: list[Author] = strawberry.field(description="The byline, in order.")
    lead_image: Image | None = strawberry.field(
        description="The picture shown with it, or null: none set, or withheld from a partner "
        "(see leadImageWithheld)."
    )
    lead_image_withheld: WithheldReason | None = strawberry.field(
        description="For partners: why leadImage is null though the article has one (its licence)."
    )
    url: str = strawberry.field(
        description="Canonical URL on the publisher's site: its own canonicalUrl if set, else "
        "CMS_ARTICLE_URL "
        "filled in."
    )
    reading_time_minutes: int = strawberry.field(
        description="Estimated reading time: words in bodyText / 230, rounded up, at least 1."
    )
    pk: strawberry.Private[int]
    view: strawberry.Private[ArticleView]

    @strawberry.field(
        description='schema.org NewsArticle as JSON-LD, for a <script type="application/ld+json"> '
        "on the article's page: headline, dates, authors as Person, section, keywords, the publisher "
        "(site identity), the canonical URL, and the lead image as an ImageObject with license, "
        "acquireLicensePage, creditText, creator and copyrightNotice. The same document as GET "
        "/articles/{slug}.jsonld; a partner's copy leaves out an image its licence withholds."
    )
    def json_ld(self, info: strawberry.Info) -> JSON:
        document: JSON = jsonld.news_article(info.context.settings, self.view)  # type: ignore[assignment]
        return document

    @strawberry.field(
        description="Every saved state, newest first. Editors and admins; authors for their own articles "
        "(others: FORBIDDEN; no token: UNAUTHENTICATED)."
    )
    def revisions(
        self, info: strawberry.Info, first: FirstOnly = None, after: AfterOnly = None
    ) -> Annotated[RevisionConnection, strawberry.lazy("cms.graphql.types.revision")]:
        from cms.graphql.types.revision import Revision, RevisionConnection, RevisionEdge

        ctx = info.context
        ctx.caller.require(Action.ARTICLE_READ_REVISIONS, own=ctx.owns_article(self.view))
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


@plain
def _article_cursor(root: ArticleEdge) -> str:
    # Made when asked for: a page that shows no cursors (most front pages) makes none.
    return article_service.cursor_for(root.node.view, root.order)


@strawberry.type(description="One article in a page, with its cursor.")
class ArticleEdge:
    cursor: str = strawberry.field(
        resolver=_article_cursor,
        description="Opaque position in this list and ordering: pass as `after` or `before`.",
    )
    node: Article = strawberry.field(description="The article.")
    order: strawberry.Private[article_service.Order]


@strawberry.type(description=f"A page of articles (Relay). {PAGE_COST}")
class ArticleConnection:
    edges: list[ArticleEdge] = strawberry.field(description="The page's articles in order, with cursors.")
    page_info: PageInfo = strawberry.field(description="Whether more lie beyond this page, and its cursors.")
    counter: strawberry.Private[Callable[[], int | Awaitable[int]]]

    @strawberry.field(description="Exact number of articles in the whole list, not just this page.")
    def total_count(self) -> int:
        # Nested connections count through a batching loader and hand back an awaitable;
        # graphql-core awaits it, so one resolver serves both.
        return self.counter()  # type: ignore[return-value]

    @strawberry.field(description="The page's articles without cursors (the same as edges { node }).")
    def nodes(self) -> list[Article]:
        return [edge.node for edge in self.edges]


def section_type(view: SectionView) -> Section:
    return Section(
        id=to_global_id("Section", view.id), name=view.name, slug=view.slug,
        description=view.description, pk=view.id,
    )  # fmt: skip


def category_type(view: CategoryView) -> Category:
    return Category(id=to_global_id("Category", view.id), name=view.name, slug=view.slug, pk=view.id)


def author_type(view: AuthorView) -> Author:
    return Author(
        id=to_global_id("Author", view.id), name=view.name, slug=view.slug, bio=view.bio,
        affiliation=view.affiliation, photo=Image.from_view(view.photo) if view.photo else None,
        photo_withheld=WithheldReason[view.photo_withheld] if view.photo_withheld else None, pk=view.id,
    )  # fmt: skip


def taxonomy_types(taxonomy: Taxonomy) -> tuple[dict[int, Section], dict[int, Category]]:
    """Section and category objects, made once per taxonomy snapshot and shared by requests."""
    made = taxonomy.memo.get("graphql")
    if made is None:
        sections, categories = taxonomy_views(taxonomy)
        made = taxonomy.memo["graphql"] = (
            {pk: section_type(view) for pk, view in sections.items()},
            {pk: category_type(view) for pk, view in categories.items()},
        )
    return made


_STATUS = {status.value.lower(): status for status in ArticleStatus}


def want_for(names: frozenset[str]) -> Want:
    """Which relations a selection shows."""
    document = "jsonLd" in names  # JSON-LD shows the byline and the lead image
    return Want(
        authors="authors" in names or document,
        lead_image="leadImage" in names or document,
        photos="photo" in names,
    )


def article_type(view: ArticleView, taxonomy: Taxonomy, *, public: bool) -> Article:
    sections, categories = taxonomy_types(taxonomy)
    return Article(
        id=to_global_id("Article", view.id), title=view.title, slug=view.slug, summary=view.summary,
        body_html=view.body_html, body_text=view.body_text, published_at=view.published_at,
        updated_at=view.updated_at, status=_STATUS[view.status],
        version=(view.live_version or view.version) if public else view.version,
        live_version=view.live_version,
        has_unpublished_changes=view.has_unpublished_changes and not public,
        section=sections.get(view.section.id) if view.section else None,
        category=categories.get(view.category.id) if view.category else None,
        authors=[author_type(a) for a in view.authors],
        lead_image=Image.from_view(view.lead_image) if view.lead_image else None,
        lead_image_withheld=WithheldReason[view.lead_image_withheld] if view.lead_image_withheld else None,
        url=view.url, reading_time_minutes=view.reading_time_minutes, pk=view.id, view=view,
    )  # fmt: skip


def build_articles(
    ctx: Context, rows: Sequence[Any], names: frozenset[str], *, pending: bool = False
) -> list[Article]:
    """A page of rows as articles: each wanted relation fetched in one statement for the page."""
    if not rows:
        return []
    views = ctx.reader().articles(rows, want_for(names), pending=pending)
    taxonomy, public = ctx.taxonomy(), ctx.is_public
    shown = ctx.shown
    for view in views:
        shown.add(f"Article:{view.id}")
        if view.section is not None:
            shown.add(f"Section:{view.section.id}")
        if view.category is not None:
            shown.add(f"Category:{view.category.id}")
        shown.update(f"Author:{a.id}" for a in view.authors)
        shown.update(f"Image:{a.photo.id}" for a in view.authors if a.photo is not None)
        if view.lead_image is not None:
            shown.add(f"Image:{view.lead_image.id}")
    return [article_type(view, taxonomy, public=public) for view in views]


def connection(
    articles: list[Article],
    *,
    order: article_service.Order,
    more: bool,
    forward: bool,
    had_cursor: bool,
    counter: Callable[[], int | Awaitable[int]],
) -> ArticleConnection:
    edges = [ArticleEdge(node=a, order=order) for a in articles]
    page_info = PageInfo.around(
        articles, lambda a: article_service.cursor_for(a.view, order), more=more, forward=forward,
        had_cursor=had_cursor,
    )  # fmt: skip
    return ArticleConnection(edges=edges, page_info=page_info, counter=counter)
