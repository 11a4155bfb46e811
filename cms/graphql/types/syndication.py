"""Types partners read: the change feed, and partners themselves."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from cms.graphql.relay import Node
from cms.graphql.types.article import Article, Section


@strawberry.enum(description="What happened to an entity in the change feed.")
class ChangeKind(Enum):
    UPSERT = strawberry.enum_value("UPSERT", description="Created or changed: store this version.")


@strawberry.enum(description="Why an article left the partner's set; remove your copy.")
class TombstoneReason(Enum):
    UNPUBLISHED = strawberry.enum_value("UNPUBLISHED", description="Taken back to draft, or rescheduled.")
    ARCHIVED = strawberry.enum_value("ARCHIVED", description="Archived: out of public view.")
    TRASHED = strawberry.enum_value("TRASHED", description="Moved to the trash.")
    DELETED = strawberry.enum_value("DELETED", description="Deleted for good.")
    OUT_OF_SCOPE = strawberry.enum_value(
        "OUT_OF_SCOPE", description="Moved to a section the partner does not take."
    )


@strawberry.type(description="An article to store (or replace) in the partner's copy.")
class ChangeItem:
    kind: ChangeKind = strawberry.field(description="Always UPSERT: store this version.")
    entity_id: strawberry.ID = strawberry.field(description="The article's global ID.")
    at: datetime = strawberry.field(description="When it last changed.")
    article: Article | None = strawberry.field(
        description="The article as the partner may show it (licence-withheld images are null)."
    )


@strawberry.type(description="An article to remove from the partner's copy.")
class Tombstone:
    entity_id: strawberry.ID = strawberry.field(description="The article's global ID.")
    at: datetime = strawberry.field(description="When it left.")
    reason: TombstoneReason = strawberry.field(description="Why it left the partner's set.")


@strawberry.type(
    description="One page of the change feed. Apply items and tombstones, store nextToken, and call "
    "changes(since: nextToken) again; when hasMore is false you are up to date (call again later)."
)
class ChangeSet:
    items: list[ChangeItem] = strawberry.field(
        description="Articles to store or replace; each appears at most once per page."
    )
    tombstones: list[Tombstone] = strawberry.field(
        description="Articles to remove from your copy; ignore those you never had."
    )
    next_token: str = strawberry.field(description="Pass as `since` to continue from here.")
    has_more: bool = strawberry.field(description="More changes wait beyond this page: ask again at once.")


@strawberry.type(description="A site that syndicates our content. Admins only.")
class Partner(Node):
    name: str = strawberry.field(
        description="Display name, unique regardless of case (at most 200 characters)."
    )
    commercial_use: bool = strawberry.field(
        description="Uses content commercially: images whose licence forbids that are withheld."
    )
    contact: str = strawberry.field(description="Who to reach at the partner (free text).")
    requests_per_minute: int | None = strawberry.field(
        description="Its own rate limit for all its tokens together; null: the configured default."
    )
    sections: list[Section] = strawberry.field(description="The sections it may take; empty: every section.")
    created_at: datetime = strawberry.field(description="When it was created.")
