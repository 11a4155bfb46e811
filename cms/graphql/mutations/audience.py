"""Mailing lists: public sign-up, confirmation and unsubscribe; admins' list modes, suppression and
deletion on request."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from cms.errors import UserError
from cms.graphql.context import Context
from cms.graphql.mutations.common import FieldError, problems, write
from cms.graphql.queries.audience import list_type
from cms.graphql.types.audience import (
    AudiencePayload,
    MailingListMode,
    MailingListPayload,
    SubscribePayload,
    SuppressionReason,
)
from cms.services import audience, subscribers
from cms.services.ratelimit import ClientAddress


def _client(ctx: Context) -> str:
    request = ctx.request
    if request is None:
        return "unknown"
    peer = request.client.host if request.client else None
    return ClientAddress(ctx.settings.trusted_proxies)(peer, request.headers.get("x-forwarded-for"))


def _answer(errors: list[FieldError]) -> SubscribePayload:
    return SubscribePayload(ok=not errors, user_errors=errors)


@strawberry.type
class AudienceMutations:
    @strawberry.mutation(
        description="Sign an address up for mailing lists (no token needed). Double opt-in: a mail with "
        "a confirmation link goes to the address, and nothing else is sent until it is followed. The "
        "answer is the same whether the address is new, known or suppressed. Rate limited per client "
        "IP (CMS_RATE_LIMIT_SUBSCRIBE) and per address (CMS_RATE_LIMIT_SUBSCRIBE_ADDRESS): RATE_LIMITED."
    )
    def subscribe(
        self,
        info: Info,
        email: Annotated[
            str, strawberry.argument(description="The address to send to; checked for form only (no DNS).")
        ],
        lists: Annotated[
            list[str] | None,
            strawberry.argument(description="`site` and/or section slugs; none means `site`."),
        ] = None,
        source: Annotated[
            str | None,
            strawberry.argument(
                description="Where the sign-up was made (a form's name), kept as part of the consent record."
            ),
        ] = None,
    ) -> SubscribePayload:
        ctx: Context = info.context
        ctx.cacheable = False
        client = _client(ctx)
        limiter = ctx.app.limiter
        subscribers.check_client_rate(limiter, ctx.settings, client)
        try:
            _, key = subscribers.normalise(email)
        except UserError as exc:
            return _answer(problems(exc))
        subscribers.check_address_rate(limiter, ctx.settings, key)
        _, errors = write(
            ctx,
            lambda s: subscribers.subscribe(
                s,
                email=email,
                lists=lists,
                source=(source or "api").strip() or "api",
                client=client,
                now=ctx.now,
            ),
        )
        return _answer(errors)

    @strawberry.mutation(
        description="Follow a confirmation link's token: the lists asked for become active. Following it "
        "twice is fine. The same token works as GET /mail/confirm?token=... from a mail program."
    )
    def confirm_subscription(
        self,
        info: Info,
        token: Annotated[str, strawberry.argument(description="The token from the confirmation mail.")],
    ) -> SubscribePayload:
        ctx: Context = info.context
        ctx.cacheable = False
        _, errors = write(ctx, lambda s: subscribers.confirm(s, token, settings=ctx.settings, now=ctx.now))
        return _answer(errors)

    @strawberry.mutation(
        description="Leave the lists an unsubscribe token names (every mail carries one, in its footer and "
        "its List-Unsubscribe header). Following it twice is fine."
    )
    def unsubscribe(
        self,
        info: Info,
        token: Annotated[str, strawberry.argument(description="The token from a mail's unsubscribe link.")],
    ) -> SubscribePayload:
        ctx: Context = info.context
        ctx.cacheable = False
        _, errors = write(
            ctx, lambda s: subscribers.unsubscribe(s, token, settings=ctx.settings, now=ctx.now)
        )
        return _answer(errors)

    @strawberry.mutation(
        description="Set whether a list mails each article at once or in a daily digest. Admins."
    )
    def update_mailing_list(
        self,
        info: Info,
        slug: Annotated[str, strawberry.argument(description="`site` or a section's slug.")],
        mode: Annotated[MailingListMode, strawberry.argument(description="IMMEDIATE or DIGEST.")],
    ) -> MailingListPayload:
        ctx: Context = info.context
        ref, errors = write(
            ctx, lambda s: audience.set_mode(s, ctx.caller, slug, str(mode.value), now=ctx.now)
        )
        if ref is None:
            return MailingListPayload(mailing_list=None, user_errors=errors)
        counted = next(c for c in audience.counts(ctx.conn, ctx.caller) if c.list.id == ref.id)
        return MailingListPayload(mailing_list=list_type(counted.list, counted), user_errors=[])

    @strawberry.mutation(
        description="Never mail an address again: record a bounce or a complaint your mail provider "
        "reported, or an admin's decision. Admins."
    )
    def suppress_address(
        self,
        info: Info,
        email: Annotated[str, strawberry.argument(description="The address.")],
        reason: Annotated[SuppressionReason, strawberry.argument(description="Why.")],
        note: Annotated[
            str | None, strawberry.argument(description="Anything worth keeping beside it.")
        ] = None,
    ) -> AudiencePayload:
        ctx: Context = info.context
        _, errors = write(
            ctx,
            lambda s: audience.suppress(
                s, ctx.caller, email, reason=str(reason.value), note=note or "", now=ctx.now
            ),
        )
        return AudiencePayload(ok=not errors, user_errors=errors)

    @strawberry.mutation(
        description="Forget an address on its owner's request (GDPR art. 17): the subscriber, its lists, "
        "the record of mails sent and any suppression. The audit log keeps only that an id was deleted. "
        "Admins."
    )
    def delete_subscriber(
        self, info: Info, email: Annotated[str, strawberry.argument(description="The address to forget.")]
    ) -> AudiencePayload:
        ctx: Context = info.context
        _, errors = write(ctx, lambda s: audience.delete_address(s, ctx.caller, email))
        return AudiencePayload(ok=not errors, user_errors=errors)
