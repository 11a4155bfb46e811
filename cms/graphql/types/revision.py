from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import select

from cms.graphql.arguments import PAGE_COST
from cms.graphql.relay import Node, PageInfo, to_global_id
from cms.models import Author

_author = Author.__table__  # type: ignore[attr-defined]


@strawberry.type(description="A saved state of an article: who saved it, when, and its content then.")
class Revision(Node):
    version: int = strawberry.field(description="The article's version this save made (Article.version).")
    created_at: datetime = strawberry.field(description="When it was saved.")
    saved_by: str = strawberry.field(description="The name of the token that saved it.")
    message: str = strawberry.field(
        description='What happened: "edited", "published", "reverted to version 3" ...'
    )
    title: str = strawberry.field(description="The title then.")
    slug: str = strawberry.field(description="The slug then.")
    summary: str = strawberry.field(description="The summary then.")
    body_html: str = strawberry.field(description="The sanitised body HTML then.")
    snapshot: strawberry.Private[dict[str, Any]]

    @strawberry.field(description="The section's slug then (null: none, or since deleted).")
    def section_slug(self, info: strawberry.Info) -> str | None:
        row = info.context.taxonomy().sections.get(self.snapshot.get("section_id"))
        return row.slug if row is not None else None

    @strawberry.field(description="The category's slug then (null: none, or since deleted).")
    def category_slug(self, info: strawberry.Info) -> str | None:
        row = info.context.taxonomy().categories.get(self.snapshot.get("category_id"))
        return row.slug if row is not None else None

    @strawberry.field(description="The byline then, in order, as author slugs (deleted authors left out).")
    def author_slugs(self, info: strawberry.Info) -> list[str]:
        ids = list(self.snapshot.get("author_ids") or [])
        if not ids:
            return []
        stmt = select(_author.c.id, _author.c.slug).where(_author.c.id.in_(ids))
        found: dict[int, str] = {row.id: row.slug for row in info.context.conn.execute(stmt)}
        return [found[pk] for pk in ids if pk in found]

    @strawberry.field(description="The lead image's ID then (null: none).")
    def lead_image_id(self) -> strawberry.ID | None:
        pk = self.snapshot.get("lead_image_id")
        return strawberry.ID(to_global_id("Image", pk)) if pk is not None else None

    @strawberry.field(description="The canonical URL override then (null: the default article URL).")
    def canonical_url(self) -> str | None:
        value: str | None = self.snapshot.get("canonical_url")
        return value

    @classmethod
    def from_row(cls, row: Any) -> Revision:
        snap = row.snapshot
        return cls(
            id=to_global_id("Revision", row.id),
            version=row.version,
            created_at=row.created_at,
            saved_by=row.author_name,
            message=row.message,
            title=snap.get("title", ""),
            slug=snap.get("slug", ""),
            summary=snap.get("summary", ""),
            body_html=snap.get("body_html", ""),
            snapshot=snap,
        )


@strawberry.type(description="One revision in a page, with its cursor.")
class RevisionEdge:
    cursor: str = strawberry.field(description="Opaque position in the revisions: pass as `after`.")
    node: Revision = strawberry.field(description="The revision.")


@strawberry.type(
    description=f"A page of an article's revisions, newest first (Relay, forwards only). {PAGE_COST}"
)
class RevisionConnection:
    edges: list[RevisionEdge] = strawberry.field(
        description="The page's revisions, newest first, with cursors."
    )
    page_info: PageInfo = strawberry.field(description="Whether more lie beyond this page, and its cursors.")
    total_count: int = strawberry.field(description="Exact number of the article's revisions.")

    @strawberry.field(description="The revisions of this page, without their cursors.")
    def nodes(self) -> list[Revision]:
        return [edge.node for edge in self.edges]
