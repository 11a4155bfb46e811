"""Registering trusted documents (admins): what callers without a token may run in
trusted-documents mode (CMS_TRUSTED_DOCUMENTS)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from graphql import GraphQLError, parse, validate
from strawberry.types import Info

from cms.errors import Problem, Refused
from cms.graphql import persisted
from cms.graphql.context import Context
from cms.graphql.mutations.common import FieldError, write
from cms.graphql.queries.documents import PersistedQuery, persisted_query_type
from cms.graphql.relay import expect_global_id
from cms.services import partners
from cms.services.permissions import Action


@strawberry.type(description="The document as registered, or why nothing was written.")
class PersistedQueryPayload:
    persisted_query: PersistedQuery | None = strawberry.field(description="The registered document.")
    user_errors: list[FieldError] = strawberry.field(description="Why nothing was written, if so.")


def checked(info: Info, query: str) -> None:
    """Only documents that run against this schema are registered."""
    try:
        document = parse(query)
    except GraphQLError as exc:
        raise Refused(Problem("query", f"the document does not parse: {exc.message}", "INVALID")) from None
    problems = validate(info.schema._schema, document)
    if problems:
        raise Refused(Problem("query", f"the document is not valid here: {problems[0].message}", "INVALID"))


@strawberry.type
class DocumentMutations:
    @strawberry.mutation(
        description="Register a document (admins): in trusted-documents mode, callers without a token run "
        "only registered documents; with partnerId, only that partner may run it. Registering it again "
        "replaces its name and owner."
    )
    def register_persisted_query(
        self,
        info: Info,
        query: Annotated[
            str, strawberry.argument(description="The document, exactly as clients will send it.")
        ],
        name: Annotated[
            str, strawberry.argument(description="What to call it in listings (may be empty).")
        ] = "",
        partner_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="The only partner that may run it; null: all."),
        ] = None,
    ) -> PersistedQueryPayload:
        ctx: Context = info.context
        ctx.caller.require(Action.QUERY_REGISTER)
        partner = (
            expect_global_id(partner_id, "Partner", argument="partnerId") if partner_id is not None else None
        )

        def work(session: Any) -> str:
            checked(info, query)
            if partner is not None and partner not in {r.id for r in partners.listing(ctx.conn)}:
                raise Refused(Problem("partnerId", "no partner has this ID", "NOT_FOUND"))
            return persisted.register(session, ctx.caller, query, name=name, partner_id=partner)

        digest, errors = write(ctx, work)
        if digest is not None:
            ctx.app.persisted.forget(digest)
        found = persisted.find(ctx.conn, digest) if digest is not None else None
        row = persisted_query_type(found) if found is not None else None
        return PersistedQueryPayload(persisted_query=row, user_errors=errors)

    @strawberry.mutation(
        description="Forget a registered document (admins); callers without a token can no longer run it in "
        "trusted-documents mode (other nodes stop within a minute)."
    )
    def unregister_persisted_query(
        self,
        info: Info,
        sha256: Annotated[str, strawberry.argument(description="The document's SHA-256, 64 hex digits.")],
    ) -> PersistedQueryPayload:
        ctx: Context = info.context
        ctx.caller.require(Action.QUERY_REGISTER)

        def work(session: Any) -> bool:
            if not persisted.unregister(session, ctx.caller, sha256):
                raise Refused(Problem("sha256", "no registered document has this hash", "NOT_FOUND"))
            return True

        _, errors = write(ctx, work)
        if not errors:
            ctx.app.persisted.forget(sha256)
        return PersistedQueryPayload(persisted_query=None, user_errors=errors)
