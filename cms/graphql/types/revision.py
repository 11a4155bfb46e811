from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from cms.graphql.arguments import PAGE_COST
from cms.graphql.relay import Node, PageInfo, to_global_id


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
