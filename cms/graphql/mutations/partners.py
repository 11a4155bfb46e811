"""Partners: create, update, delete (admins)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from cms.graphql.context import Context
from cms.graphql.mutations.common import DeletePayload, FieldError, given, write
from cms.graphql.queries.syndication import partner_type
from cms.graphql.relay import expect_global_id, to_global_id
from cms.graphql.types.syndication import Partner
from cms.services import partners

PartnerId = Annotated[strawberry.ID, strawberry.argument(description="The partner's global ID (Partner.id).")]


@strawberry.input(
    description="A partner's terms. Changing commercialUse or sectionSlugs restarts its sync (its tokens' "
    "sync positions expire)."
)
class PartnerInput:
    name: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Display name, unique regardless of case, at most 200 characters; required to create.",
    )
    commercial_use: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Uses content commercially (default false)."
    )
    section_slugs: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="The sections it may take; empty: every section."
    )
    contact: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Who to reach at the partner (free text, at most 300 characters).",
    )
    requests_per_minute: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Its own rate limit, 1 to 1,000,000 requests a minute; null: CMS_RATE_LIMIT_PARTNER.",
    )


@strawberry.type(description="The partner as saved, or why nothing was written.")
class PartnerPayload:
    partner: Partner | None = strawberry.field(
        description="The partner as it now stands; null if a create was refused or the ID names none."
    )
    user_errors: list[FieldError] = strawberry.field(description="Why nothing was written; empty on success.")


def _payload(info: Info, pk: int | None, errors: list[FieldError]) -> PartnerPayload:
    ctx: Context = info.context
    row = next((r for r in partners.listing(ctx.conn) if r.id == pk), None) if pk is not None else None
    partner = partner_type(ctx, row, partners.sections_of(ctx.conn, [row.id])[row.id]) if row else None
    return PartnerPayload(partner=partner, user_errors=errors)


@strawberry.type
class PartnerMutations:
    @strawberry.mutation(
        description="A new partner; then give it tokens with `cms token create --role partner --partner ID`. "
        "Admins only."
    )
    def create_partner(
        self,
        info: Info,
        input: Annotated[PartnerInput, strawberry.argument(description="Its terms; `name` is required.")],
    ) -> PartnerPayload:
        ctx: Context = info.context
        values: dict[str, Any] = given(input)
        pk, errors = write(ctx, lambda s: partners.create(s, ctx.caller, values, now=ctx.now))
        return _payload(info, pk, errors)

    @strawberry.mutation(description="Change a partner's name, terms, sections or rate limit. Admins only.")
    def update_partner(
        self,
        info: Info,
        id: PartnerId,
        input: Annotated[
            PartnerInput,
            strawberry.argument(description="The fields to change; those not sent stay as they are."),
        ],
    ) -> PartnerPayload:
        ctx: Context = info.context
        pk = expect_global_id(id, "Partner")
        values: dict[str, Any] = given(input)
        _, errors = write(ctx, lambda s: partners.update_one(s, ctx.caller, pk, values, now=ctx.now))
        return _payload(info, pk, errors)

    @strawberry.mutation(
        description="Delete a partner: its tokens stop working at once, its webhooks go. Admins only."
    )
    def delete_partner(self, info: Info, id: PartnerId) -> DeletePayload:
        ctx: Context = info.context
        pk = expect_global_id(id, "Partner")
        _, errors = write(ctx, lambda s: partners.delete_one(s, ctx.caller, pk, now=ctx.now))
        return DeletePayload(deleted_id=None if errors else to_global_id("Partner", pk), user_errors=errors)
