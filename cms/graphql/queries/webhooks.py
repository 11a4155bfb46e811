"""Reading webhooks and their deliveries (admins)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from cms.graphql.arguments import AfterOnly, FirstOnly
from cms.graphql.context import Context
from cms.graphql.queries.syndication import partner_type
from cms.graphql.relay import PageInfo, expect_global_id, to_global_id
from cms.graphql.types.webhooks import (
    DeliveryStatus,
    Webhook,
    WebhookDeliveryConnection,
    WebhookDeliveryEdge,
    delivery_type,
)
from cms.services import outbox, partners, webhooks
from cms.services.pagination import decode_row_cursor, encode_cursor, page_request
from cms.services.permissions import Action


def webhook_type(ctx: Context, row: Any) -> Webhook:
    partner = None
    if row.partner_id is not None:
        found = [r for r in partners.listing(ctx.conn) if r.id == row.partner_id]
        if found:
            partner = partner_type(
                ctx, found[0], partners.sections_of(ctx.conn, [row.partner_id])[row.partner_id]
            )
    return Webhook(
        id=to_global_id("Webhook", row.id), url=row.url, events=list(row.events or []), partner=partner,
        active=row.active, disabled_reason=row.disabled_reason, consecutive_failures=row.consecutive_failures,
        created_at=row.created_at, pk=row.id,
    )  # fmt: skip


def delivery_connection(
    ctx: Context,
    *,
    webhook_id: int | None,
    status: DeliveryStatus | None,
    first: int | None,
    after: str | None,
) -> WebhookDeliveryConnection:
    ctx.caller.require(Action.WEBHOOK_MANAGE)
    page = page_request(
        first=first, after=after, last=None, before=None,
        default_size=ctx.settings.default_page_size, max_size=ctx.settings.max_page_size,
    )  # fmt: skip
    before_id = (
        None if after is None else decode_row_cursor(after, "delivery", argument="after", what="deliveries")
    )
    rows, more, total = webhooks.deliveries(
        ctx.conn, webhook_id=webhook_id, status=status.name.lower() if status else None,
        limit=page.limit, before_id=before_id,
    )  # fmt: skip
    attempts = outbox.attempts_of(ctx.conn, [r.id for r in rows])
    edges = [
        WebhookDeliveryEdge(cursor=encode_cursor("delivery", r.id), node=delivery_type(r, attempts[r.id]))
        for r in rows
    ]
    page_info = PageInfo.of([e.cursor for e in edges], more=more, forward=True, had_cursor=after is not None)
    return WebhookDeliveryConnection(edges=edges, page_info=page_info, total_count=total)


@strawberry.type
class WebhookQueries:
    @strawberry.field(description="Every webhook subscription. Admins only.")
    def webhooks(self, info: Info) -> list[Webhook]:
        ctx: Context = info.context
        ctx.caller.require(Action.WEBHOOK_MANAGE)
        return [webhook_type(ctx, row) for row in webhooks.listing(ctx.conn)]

    @strawberry.field(
        description="Webhook deliveries, newest first, optionally of one webhook or status. Admins only."
    )
    def webhook_deliveries(
        self,
        info: Info,
        webhook_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only deliveries to this webhook (Webhook.id); null: to any."),
        ] = None,
        status: Annotated[
            DeliveryStatus | None,
            strawberry.argument(description="Only deliveries in this state; null: in any."),
        ] = None,
        first: FirstOnly = None,
        after: AfterOnly = None,
    ) -> WebhookDeliveryConnection:
        ctx: Context = info.context
        pk = expect_global_id(webhook_id, "Webhook", argument="webhookId") if webhook_id is not None else None
        return delivery_connection(ctx, webhook_id=pk, status=status, first=first, after=after)
