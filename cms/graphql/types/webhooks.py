"""Webhook subscriptions and their deliveries (admins)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

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
    at: datetime
    status_code: int | None = strawberry.field(description="The receiver's HTTP status; null if none came.")
    latency_ms: int = strawberry.field(description="How long the attempt took, in milliseconds.")
    error: str = strawberry.field(description="What went wrong; empty when it worked.")
    response_snippet: str = strawberry.field(description="The first 500 characters the receiver answered.")


@strawberry.type(description="One event sent to one webhook, with every attempt.")
class WebhookDelivery(Node):
    event: str
    status: DeliveryStatus
    attempts: int = strawberry.field(description="Attempts made so far.")
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime | None = strawberry.field(description="When it is tried next, while PENDING.")
    attempt_log: list[DeliveryAttempt] = strawberry.field(description="Every attempt, oldest first.")
    webhook_id: strawberry.ID = strawberry.field(description="The webhook it went to.")


@strawberry.type
class WebhookDeliveryEdge:
    cursor: str
    node: WebhookDelivery


@strawberry.type(description="Deliveries, newest first.")
class WebhookDeliveryConnection:
    edges: list[WebhookDeliveryEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type(description="A URL subscribed to events. Deliveries follow Standard Webhooks.")
class Webhook(Node):
    url: str
    events: list[str] = strawberry.field(description="The events it receives (article.published, ...).")
    partner: Partner | None = strawberry.field(
        description="With a partner, bodies follow its sections and licences."
    )
    active: bool = strawberry.field(description="False when switched off (by hand, or after failures).")
    disabled_reason: str = strawberry.field(description="Why it was switched off automatically, if it was.")
    consecutive_failures: int = strawberry.field(description="Failed deliveries in a row.")
    created_at: datetime
    pk: strawberry.Private[int]

    @strawberry.field(description="Deliveries to this webhook, newest first. Relay pagination (forward).")
    def deliveries(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
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
