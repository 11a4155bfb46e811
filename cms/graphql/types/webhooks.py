"""Webhook subscriptions and their deliveries (admins)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from cms.graphql.arguments import PAGE_COST, AfterOnly, FirstOnly, default
from cms.graphql.relay import Node, PageInfo, to_global_id
from cms.graphql.types.syndication import Partner


@strawberry.enum(description="Where a delivery stands.")
class DeliveryStatus(Enum):
    PENDING = strawberry.enum_value("PENDING", description="Queued, or waiting for its next attempt.")
    DELIVERED = strawberry.enum_value("DELIVERED", description="The receiver answered 2xx.")
    FAILED = strawberry.enum_value(
        "FAILED", description="Every attempt failed; redeliverWebhook tries again."
    )


@strawberry.type(description="One try at a delivery.")
class DeliveryAttempt:
    at: datetime = strawberry.field(description="When it was made.")
    status_code: int | None = strawberry.field(description="The receiver's HTTP status; null if none came.")
    latency_ms: int = strawberry.field(description="How long the attempt took, in milliseconds.")
    error: str = strawberry.field(description="What went wrong; empty when it worked.")
    response_snippet: str = strawberry.field(description="The first 500 characters the receiver answered.")


@strawberry.type(description="One event sent to one webhook, with every attempt.")
class WebhookDelivery(Node):
    event: str = strawberry.field(description="The event sent: article.published, ping ...")
    status: DeliveryStatus = strawberry.field(description="Where it stands.")
    attempts: int = strawberry.field(description="Attempts made so far.")
    last_status_code: int | None = strawberry.field(
        description="The receiver's HTTP status at the latest attempt; null before one, or if none came."
    )
    last_error: str | None = strawberry.field(
        description="What went wrong at the latest attempt; null if nothing did (or before any attempt)."
    )
    created_at: datetime = strawberry.field(description="When the event was queued.")
    delivered_at: datetime | None = strawberry.field(
        description="When the receiver answered 2xx; null until then."
    )
    next_attempt_at: datetime | None = strawberry.field(description="When it is tried next, while PENDING.")
    attempt_log: list[DeliveryAttempt] = strawberry.field(description="Every attempt, oldest first.")
    webhook_id: strawberry.ID = strawberry.field(description="The webhook it went to.")


@strawberry.type(description="One delivery in a page, with its cursor.")
class WebhookDeliveryEdge:
    cursor: str = strawberry.field(description="Opaque position in the deliveries: pass as `after`.")
    node: WebhookDelivery = strawberry.field(description="The delivery.")


@strawberry.type(description=f"A page of deliveries, newest first (Relay, forwards only). {PAGE_COST}")
class WebhookDeliveryConnection:
    edges: list[WebhookDeliveryEdge] = strawberry.field(
        description="The page's deliveries, newest first, with cursors."
    )
    page_info: PageInfo = strawberry.field(description="Whether more lie beyond this page, and its cursors.")
    total_count: int = strawberry.field(description="Exact number of deliveries in the whole list.")


@strawberry.type(description="A URL subscribed to events. Deliveries follow Standard Webhooks.")
class Webhook(Node):
    url: str = strawberry.field(description="Where deliveries are POSTed: a public http(s) URL.")
    events: list[str] = strawberry.field(description="The events it receives (article.published, ...).")
    partner: Partner | None = strawberry.field(
        description="With a partner, bodies follow its sections and licences."
    )
    active: bool = strawberry.field(description="False when switched off (by hand, or after failures).")
    disabled_reason: str = strawberry.field(description="Why it was switched off automatically, if it was.")
    consecutive_failures: int = strawberry.field(
        description="Failed deliveries in a row; at CMS_WEBHOOK_DISABLE_AFTER (default "
        f"{default('webhook_disable_after')}) it is switched off."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    pk: strawberry.Private[int]

    @strawberry.field(
        description="Deliveries to this webhook, newest first. Relay pagination, forwards only."
    )
    def deliveries(
        self, info: strawberry.Info, first: FirstOnly = None, after: AfterOnly = None
    ) -> WebhookDeliveryConnection:
        from cms.graphql.queries.webhooks import delivery_connection

        return delivery_connection(info.context, webhook_id=self.pk, status=None, first=first, after=after)


def delivery_type(row: Any, attempts: list[Any]) -> WebhookDelivery:
    return WebhookDelivery(
        id=to_global_id("WebhookDelivery", row.id), event=row.event,
        status=DeliveryStatus[row.status.upper()],
        attempts=row.attempts, last_status_code=row.last_status_code, last_error=row.last_error or None,
        created_at=row.created_at, delivered_at=row.delivered_at,
        next_attempt_at=row.next_attempt_at if row.status == "pending" else None,
        attempt_log=[
            DeliveryAttempt(at=a.at, status_code=a.status_code, latency_ms=a.latency_ms, error=a.error,
                            response_snippet=a.response_snippet)
            for a in attempts
        ],
        webhook_id=to_global_id("Webhook", row.target_id),
    )  # fmt: skip
