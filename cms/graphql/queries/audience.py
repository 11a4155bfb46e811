"""Reading the audience (admins): lists with their counts, one address's data."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from cms.graphql.context import Context
from cms.graphql.types.audience import (
    MailingList,
    MailingListMode,
    SubscriberRecord,
    SubscriptionRecord,
    SuppressionReason,
)
from cms.services import audience
from cms.services.subscribers import ListRef


def list_type(ref: ListRef, count: audience.ListCount | None = None) -> MailingList:
    return MailingList(
        slug=ref.slug, name=ref.name, mode=MailingListMode(ref.mode),
        subscriber_count=count.active if count else 0, pending_count=count.pending if count else 0,
        unsubscribed_count=count.unsubscribed if count else 0,
    )  # fmt: skip


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@strawberry.type
class AudienceQueries:
    @strawberry.field(
        description="The mailing lists (`site` and one per section) with subscriber counts. Admins only."
    )
    def mailing_lists(self, info: Info) -> list[MailingList]:
        ctx: Context = info.context
        ctx.cacheable = False
        return [list_type(c.list, c) for c in audience.counts(ctx.conn, ctx.caller)]

    @strawberry.field(
        description="Everything stored about one address, for a data access request (GDPR art. 15); "
        "null when nothing is. Admins only; every look is audited."
    )
    def subscriber(
        self,
        info: Info,
        email: Annotated[str, strawberry.argument(description="The address, as the person gave it.")],
    ) -> SubscriberRecord | None:
        ctx: Context = info.context
        ctx.cacheable = False
        data = audience.data_of(ctx.conn, ctx.caller, email)
        with ctx.app.db.write() as session:
            audience.audit_access(session, ctx.caller, data is not None)
        if data is None:
            return None
        suppressed = data.get("suppressed")
        return SubscriberRecord(
            email=data["email"], status=data.get("status"), consent_at=_time(data.get("consentAt")),
            consent_source=data.get("consentSource"), consent_ip=data.get("consentIp"),
            confirmed_at=_time(data.get("confirmedAt")),
            subscriptions=[
                SubscriptionRecord(
                    list=s["list"], status=s["status"], asked_at=datetime.fromisoformat(s["askedAt"]),
                    confirmed_at=_time(s["confirmedAt"]), unsubscribed_at=_time(s["unsubscribedAt"]),
                )
                for s in data.get("subscriptions", [])
            ],
            mails_sent=data.get("mailsSent", 0),
            suppressed_reason=SuppressionReason(suppressed["reason"]) if suppressed else None,
        )  # fmt: skip
