from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from cms.graphql.relay import Node, PageInfo, to_global_id


@strawberry.type(description="A saved state of an article: who saved it, when, and its content then.")
class Revision(Node):
    version: int
    created_at: datetime
    saved_by: str = strawberry.field(description="The name of the token that saved it.")
    message: str = strawberry.field(
        description='What happened: "edited", "published", "reverted to version 3" ...'
    )
    title: str
    slug: str
    summary: str
    body_html: str

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


@strawberry.type
class RevisionEdge:
    cursor: str
    node: Revision


@strawberry.type
class RevisionConnection:
    edges: list[RevisionEdge]
    page_info: PageInfo
    total_count: int
