"""Mailing lists and subscribers as the API shows them."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from cms.graphql.mutations.common import FieldError


@strawberry.type(
    description="The answer to a sign-up, a confirmation or an unsubscribe. `subscribe` answers the same "
    "for every valid address, whether it is new, already subscribed or suppressed, so nobody can learn "
    "who reads us; only the mailbox's owner sees a difference (a confirmation mail)."
)
class SubscribePayload:
    ok: bool = strawberry.field(description="True when the request was taken; false with userErrors.")
    user_errors: list[FieldError] = strawberry.field(
        description="What was wrong with the input (field `email`, `lists` or `token`); nothing was written."
    )


@strawberry.enum(description="How a list's subscribers get new articles.")
class MailingListMode(Enum):
    IMMEDIATE = strawberry.enum_value("immediate", description="One mail per article, when it is published.")
    DIGEST = strawberry.enum_value(
        "digest", description="One mail a day (at CMS_MAIL_DIGEST_TIME) with the articles published since."
    )


@strawberry.type(description="A mailing list: `site` (everything) or one section's, named by its slug.")
class MailingList:
    slug: str = strawberry.field(description="`site`, or the section's slug: what `subscribe(lists:)` takes.")
    name: str = strawberry.field(description="What readers see: the section's name, or Everything.")
    mode: MailingListMode = strawberry.field(description="Immediate mails or a daily digest.")
    subscriber_count: int = strawberry.field(
        description="Confirmed subscribers (suppressed addresses not counted)."
    )
    pending_count: int = strawberry.field(description="Sign-ups waiting for their confirmation link.")
    unsubscribed_count: int = strawberry.field(description="Addresses that left the list.")


@strawberry.type(description="The list a mailing-list change was made to, or why it was not.")
class MailingListPayload:
    mailing_list: MailingList | None = strawberry.field(description="The list as it is now.")
    user_errors: list[FieldError] = strawberry.field(description="Why nothing changed, if so.")


@strawberry.enum(description="Why an address is never mailed.")
class SuppressionReason(Enum):
    BOUNCE = strawberry.enum_value("bounce", description="Mail to it bounced (the address does not exist).")
    COMPLAINT = strawberry.enum_value("complaint", description="Its owner reported our mail as spam.")
    MANUAL = strawberry.enum_value("manual", description="An admin said so.")


@strawberry.type(description="The result of an admin action on one address.")
class AudiencePayload:
    ok: bool = strawberry.field(description="True when it was done.")
    user_errors: list[FieldError] = strawberry.field(description="Why nothing was done, if so.")


@strawberry.type(description="One list an address asked for.")
class SubscriptionRecord:
    list: str = strawberry.field(description="The list's slug.")
    status: str = strawberry.field(description="pending, active or unsubscribed.")
    asked_at: datetime = strawberry.field(description="When the sign-up for this list was made.")
    confirmed_at: datetime | None = strawberry.field(description="When its confirmation link was followed.")
    unsubscribed_at: datetime | None = strawberry.field(description="When it left the list.")


@strawberry.type(description="Everything stored about one address (for a data access request).")
class SubscriberRecord:
    email: str = strawberry.field(description="The address as mail is sent to it.")
    status: str | None = strawberry.field(
        description="pending, active or unsubscribed; null if only suppressed."
    )
    consent_at: datetime | None = strawberry.field(description="When it last signed up.")
    consent_source: str | None = strawberry.field(description="The form or app it signed up through.")
    consent_ip: str | None = strawberry.field(description="The network address the sign-up came from.")
    confirmed_at: datetime | None = strawberry.field(description="When it first confirmed.")
    subscriptions: list[SubscriptionRecord] = strawberry.field(description="Every list it asked for.")
    mails_sent: int = strawberry.field(description="How many article and digest mails were sent to it.")
    suppressed_reason: SuppressionReason | None = strawberry.field(
        description="Why it is never mailed, if it is on the suppression list."
    )
