"""Reading the audit log (admins): who did what, when, for every write that is not an article save."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from cms.graphql.arguments import PAGE_COST, AfterOnly, FirstOnly
from cms.graphql.context import Context
from cms.graphql.relay import PageInfo, to_global_id
from cms.services import audit, surrogates
from cms.services.pagination import decode_row_cursor, encode_cursor, page_request
from cms.services.permissions import Action


@strawberry.type(description="One audited action.")
class AuditEntry:
    at: datetime = strawberry.field(description="When it happened.")
    actor: str = strawberry.field(description='Who did it: the token\'s name, or "cli", "clock".')
    role: str = strawberry.field(description="The actor's role then (empty for the clock).")
    action: str = strawberry.field(description="What was done, e.g. article.publish, token.revoke.")
    entity: str = strawberry.field(description="The kind of thing it was done to (article, token, ...).")
    entity_id: strawberry.ID | None = strawberry.field(
        description="The global ID of that thing where it has one, else its number; null when none."
    )
    detail: JSON = strawberry.field(description="What else was recorded (roles, names, hashes; no secrets).")


@strawberry.type(description="An audit entry with its cursor.")
class AuditEntryEdge:
    cursor: str = strawberry.field(description="Opaque position of this entry, for `after`.")
    node: AuditEntry = strawberry.field(description="The entry.")


@strawberry.type(description=f"A page of the audit log, newest first (Relay, forwards only). {PAGE_COST}")
class AuditEntryConnection:
    edges: list[AuditEntryEdge] = strawberry.field(description="The page's entries, newest first.")
    page_info: PageInfo = strawberry.field(description="Whether more lie beyond this page, and its cursors.")
    total_count: int = strawberry.field(description="Exact number of entries in the whole log.")


def _entry(row: Any) -> AuditEntry:
    kind = surrogates.ENTITY.get(row.entity)
    entity_id: str | None = None
    if row.entity_id is not None:
        entity_id = to_global_id(kind, row.entity_id) if kind else str(row.entity_id)
    detail: JSON = dict(row.detail or {})  # type: ignore[assignment]
    return AuditEntry(
        at=row.at, actor=row.actor, role=row.role, action=row.action, entity=row.entity,
        entity_id=strawberry.ID(entity_id) if entity_id is not None else None, detail=detail,
    )  # fmt: skip


@strawberry.type
class AuditQueries:
    @strawberry.field(description="The audit log, newest first. Admins only.")
    def audit_log(
        self,
        info: Info,
        first: FirstOnly = None,
        after: AfterOnly = None,
        action: Annotated[
            str | None, strawberry.argument(description="Only entries of this action, e.g. token.revoke.")
        ] = None,
    ) -> AuditEntryConnection:
        ctx: Context = info.context
        ctx.caller.require(Action.AUDIT_READ)
        page = page_request(
            first=first, after=after, last=None, before=None,
            default_size=ctx.settings.default_page_size, max_size=ctx.settings.max_page_size,
        )  # fmt: skip
        before_id = None
        if after is not None:
            before_id = decode_row_cursor(after, "audit", argument="after", what="the audit log")
        rows, more, total = audit.page(ctx.conn, limit=page.limit, before_id=before_id, action=action)
        edges = [AuditEntryEdge(cursor=encode_cursor("audit", r.id), node=_entry(r)) for r in rows]
        page_info = PageInfo.of(
            [e.cursor for e in edges], more=more, forward=True, had_cursor=after is not None
        )
        return AuditEntryConnection(edges=edges, page_info=page_info, total_count=total)
