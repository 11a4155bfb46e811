"""Webhook subscriptions: create, update, delete, rotate the secret, ping, redeliver (admins)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from cms.graphql.arguments import default
from cms.graphql.context import Context
from cms.graphql.mutations.common import DeletePayload, FieldError, given, write
from cms.graphql.queries.webhooks import webhook_type
from cms.graphql.relay import expect_global_id, to_global_id
from cms.graphql.types.webhooks import Webhook, WebhookDelivery, delivery_type
from cms.models import utcnow
from cms.services import outbox, webhooks
from cms.services.events import EVENTS

EVENT_LIST = ", ".join(EVENTS)
WebhookId = Annotated[strawberry.ID, strawberry.argument(description="The webhook's global ID (Webhook.id).")]


@strawberry.input(description=f"A subscription. Events: {EVENT_LIST}.")
class WebhookInput:
    url: str | None = strawberry.field(
        default=strawberry.UNSET, description="An http(s) URL of a public receiver."
    )
    events: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="The events to send, at least one; required to create."
    )
    partner_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Bodies follow this partner's sections and licence terms (create only).",
    )
    active: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Switch deliveries off or on."
    )


@strawberry.type(description="The webhook as saved; `secret` only when one was just made (shown once).")
class WebhookPayload:
    webhook: Webhook | None = strawberry.field(
        description="The webhook as it now stands; null if a create was refused or the ID names none."
    )
    secret: str | None = strawberry.field(
        description="The whsec_ signing secret: store it now, it is not shown again."
    )
    user_errors: list[FieldError] = strawberry.field(description="Why nothing was written; empty on success.")


@strawberry.type(description="The delivery as queued, or why nothing was queued.")
class WebhookDeliveryPayload:
    delivery: WebhookDelivery | None = strawberry.field(
        description="The delivery as queued again; null if refused."
    )
    user_errors: list[FieldError] = strawberry.field(description="Why nothing was queued; empty on success.")


def _values(data: WebhookInput) -> dict[str, Any]:
    values = given(data)
    if values.get("partner_id") is not None:
        values["partner_id"] = expect_global_id(values["partner_id"], "Partner", argument="partnerId")
    return values


def _payload(
    info: Info, pk: int | None, errors: list[FieldError], secret: str | None = None
) -> WebhookPayload:
    ctx: Context = info.context
    row = next((r for r in webhooks.listing(ctx.conn) if r.id == pk), None) if pk is not None else None
    return WebhookPayload(webhook=webhook_type(ctx, row) if row else None, secret=secret, user_errors=errors)


def _delivery(info: Info, pk: int | None, errors: list[FieldError]) -> WebhookDeliveryPayload:
    ctx: Context = info.context
    rows = (
        webhooks.deliveries(ctx.conn, webhook_id=None, status=None, limit=1, before_id=pk + 1)[0]
        if pk
        else []
    )
    found = [r for r in rows if r.id == pk]
    node = delivery_type(found[0], outbox.attempts_of(ctx.conn, [pk])[pk]) if found and pk else None
    return WebhookDeliveryPayload(delivery=node, user_errors=errors)


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(description="Subscribe a URL to events; the secret comes back once. Admins only.")
    def create_webhook(
        self,
        info: Info,
        input: Annotated[
            WebhookInput, strawberry.argument(description="The subscription; `url` and `events` needed.")
        ],
    ) -> WebhookPayload:
        ctx: Context = info.context
        values = _values(input)
        made, errors = write(
            ctx, lambda s: webhooks.create(s, ctx.caller, values, settings=ctx.settings, now=ctx.now)
        )
        return _payload(info, made[0] if made else None, errors, made[1] if made else None)

    @strawberry.mutation(
        description="Change the URL, the events, or switch it on or off (on again forgets past failures). "
        "Admins only."
    )
    def update_webhook(
        self,
        info: Info,
        id: WebhookId,
        input: Annotated[
            WebhookInput,
            strawberry.argument(
                description="The fields to change; those not sent stay as they are (not partnerId)."
            ),
        ],
    ) -> WebhookPayload:
        ctx: Context = info.context
        pk = expect_global_id(id, "Webhook")
        values = _values(input)
        values.pop("partner_id", None)
        _, errors = write(
            ctx, lambda s: webhooks.update_one(s, ctx.caller, pk, values, settings=ctx.settings, now=ctx.now)
        )
        return _payload(info, pk, errors)

    @strawberry.mutation(description="Unsubscribe; its queued deliveries are dropped. Admins only.")
    def delete_webhook(self, info: Info, id: WebhookId) -> DeletePayload:
        ctx: Context = info.context
        pk = expect_global_id(id, "Webhook")
        _, errors = write(ctx, lambda s: webhooks.delete_one(s, ctx.caller, pk))
        return DeletePayload(deleted_id=None if errors else to_global_id("Webhook", pk), user_errors=errors)

    @strawberry.mutation(
        description="A new secret (shown once); the previous one also signs until "
        f"CMS_WEBHOOK_SECRET_OVERLAP (default {default('webhook_secret_overlap') / 3600:g} h) ends. "
        "Admins only."
    )
    def rotate_webhook_secret(self, info: Info, id: WebhookId) -> WebhookPayload:
        ctx: Context = info.context
        pk = expect_global_id(id, "Webhook")
        secret, errors = write(
            ctx, lambda s: webhooks.rotate_secret(s, ctx.caller, pk, settings=ctx.settings, now=ctx.now)
        )
        return _payload(info, pk, errors, secret)

    @strawberry.mutation(description="Send a `ping` event to the webhook now. Admins only.")
    def ping_webhook(self, info: Info, id: WebhookId) -> WebhookPayload:
        ctx: Context = info.context
        pk = expect_global_id(id, "Webhook")
        _, errors = write(ctx, lambda s: webhooks.ping(s, ctx.caller, pk, now=utcnow()))
        return _payload(info, pk, errors)

    @strawberry.mutation(
        description="Send a delivery again, as it was (same webhook-id, so receivers can "
        "deduplicate). Admins "
        "only."
    )
    def redeliver_webhook(
        self,
        info: Info,
        delivery_id: Annotated[
            strawberry.ID, strawberry.argument(description="The delivery's global ID (WebhookDelivery.id).")
        ],
    ) -> WebhookDeliveryPayload:
        ctx: Context = info.context
        pk = expect_global_id(delivery_id, "WebhookDelivery", argument="deliveryId")
        _, errors = write(ctx, lambda s: webhooks.redeliver(s, ctx.caller, pk, now=ctx.now))
        return _delivery(info, None if errors else pk, errors)
