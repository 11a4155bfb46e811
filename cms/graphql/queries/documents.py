"""Reading the registered (trusted) documents (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from cms.graphql import persisted
from cms.graphql.context import Context
from cms.graphql.relay import to_global_id
from cms.services.permissions import Action


@strawberry.type(description="A GraphQL document registered for trusted-documents mode.")
class PersistedQuery:
    sha256: str = strawberry.field(description="SHA-256 of the document, as clients send it.")
    name: str = strawberry.field(description="What the admin called it (may be empty).")
    query: str = strawberry.field(description="The document itself.")
    partner_id: strawberry.ID | None = strawberry.field(
        description="The only partner that may run it; null: every caller."
    )
    created_at: datetime = strawberry.field(description="When it was registered.")


def persisted_query_type(row: Any) -> PersistedQuery:
    partner = to_global_id("Partner", row.partner_id) if row.partner_id is not None else None
    return PersistedQuery(
        sha256=row.sha256, name=row.name, query=row.document, partner_id=partner, created_at=row.created_at
    )


@strawberry.type
class DocumentQueries:
    @strawberry.field(description="Every registered document, by name (admins).")
    def persisted_queries(self, info: Info) -> list[PersistedQuery]:
        ctx: Context = info.context
        ctx.caller.require(Action.QUERY_REGISTER)
        return [persisted_query_type(row) for row in persisted.listing(ctx.conn)]
