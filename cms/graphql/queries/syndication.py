"""Reading for partners and admins: the change feed, partners."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from cms.errors import BadInput
from cms.graphql.context import Context
from cms.graphql.cost import FieldCost, page_argument, register
from cms.graphql.relay import to_global_id
from cms.graphql.selection import selected_names
from cms.graphql.types.article import build_articles, taxonomy_types
from cms.graphql.types.syndication import (
    ChangeItem,
    ChangeKind,
    ChangeSet,
    Partner,
    Tombstone,
    TombstoneReason,
)
from cms.services import articles as article_service
from cms.services import partners, sync
from cms.services.permissions import Action

# A page of the feed holds up to `first` items (and as many tombstones): cost it by `first`.
register("Query.changes", FieldCost(page=page_argument("first", sync.DEFAULT_PAGE)))


def partner_type(ctx: Context, row: Any, section_ids: list[int]) -> Partner:
    sections = taxonomy_types(ctx.taxonomy())[0]
    return Partner(
        id=to_global_id("Partner", row.id), name=row.name, commercial_use=row.commercial_use,
        contact=row.contact, requests_per_minute=row.requests_per_minute,
        sections=[sections[s] for s in sorted(section_ids) if s in sections], created_at=row.created_at,
    )  # fmt: skip


@strawberry.type
class SyndicationQueries:
    @strawberry.field(
        description="Incremental sync (partner or admin token). `since: null` starts a full sync; "
        f"then pass each page's nextToken. `first`: {sync.DEFAULT_PAGE} by default, at most {sync.MAX_PAGE}. "
        "A forged, foreign or expired token is BAD_USER_INPUT: start again with `since: null`."
    )
    def changes(
        self,
        info: Info,
        since: Annotated[
            str | None,
            strawberry.argument(description="The nextToken of the page before; null starts a full sync."),
        ] = None,
        first: Annotated[
            int | None,
            strawberry.argument(
                description=f"Most items on the page, 1 to {sync.MAX_PAGE}; the query cost counts this many."
            ),
        ] = sync.DEFAULT_PAGE,
    ) -> ChangeSet:
        ctx: Context = info.context
        ctx.caller.require(Action.CHANGES_READ)
        ctx.cacheable = False  # positions are personal, and always read fresh
        ctx.use_primary()
        limit = sync.DEFAULT_PAGE if first is None else first
        if not 1 <= limit <= sync.MAX_PAGE:
            raise BadInput(f"`first` must be between 1 and {sync.MAX_PAGE}", field="first")
        scope = ctx.caller.partner
        position = None
        if since is not None:
            position = sync.decode(
                ctx.settings.secret_key,
                since,
                partner_id=(scope.partner_id or 0) if scope else 0,
                scope_version=scope.version if scope else 0,
            )
        found = sync.page(
            ctx.conn, scope=scope, secret=ctx.settings.secret_key, since=position, limit=limit, now=ctx.now
        )
        articles: dict[int, Any] = {}
        if found.upserts and "article" in selected_names(info):
            names = selected_names(info)
            rows = article_service.rows_by_ids(
                ctx.conn,
                [u.article_id for u in found.upserts],
                with_body="bodyHtml" in names or "bodyText" in names,
            )
            ordered = [rows[u.article_id] for u in found.upserts if u.article_id in rows]
            articles = {a.pk: a for a in build_articles(ctx, ordered, names)}
        return ChangeSet(
            items=[
                ChangeItem(
                    kind=ChangeKind.UPSERT, entity_id=to_global_id("Article", u.article_id), at=u.at,
                    article=articles.get(u.article_id),
                )
                for u in found.upserts
            ],
            tombstones=[
                Tombstone(
                    entity_id=to_global_id("Article", t.article_id), at=t.at, reason=TombstoneReason[t.reason]
                )
                for t in found.tombstones
            ],
            next_token=found.next_token,
            has_more=found.has_more,
        )  # fmt: skip

    @strawberry.field(description="Every partner, by name. Admins only.")
    def partners(self, info: Info) -> list[Partner]:
        ctx: Context = info.context
        ctx.caller.require(Action.PARTNER_MANAGE)
        rows = partners.listing(ctx.conn)
        sections = partners.sections_of(ctx.conn, [r.id for r in rows])
        return [partner_type(ctx, r, sections[r.id]) for r in rows]
