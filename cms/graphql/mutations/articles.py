"""Article mutations: saves (create, update, revert), workflow steps, preview links."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy.orm import Session
from strawberry.types import Info

from cms.graphql.context import Context
from cms.graphql.mutations.common import DeletePayload, FieldError, given, write
from cms.graphql.relay import expect_global_id, to_global_id
from cms.graphql.selection import selected_names
from cms.graphql.types.article import Article, build_articles
from cms.services import articles as article_service
from cms.services import editorial, workflow
from cms.services import preview as preview_links
from cms.services.permissions import Action


@strawberry.type(description="The article as saved (with any pending changes), or why nothing was written.")
class ArticlePayload:
    article: Article | None
    user_errors: list[FieldError]


@strawberry.type(description="A preview link's token, for article(previewToken:).")
class PreviewLinkPayload:
    token: str | None = strawberry.field(description="Pass as article(previewToken:).")
    expires_at: datetime | None
    user_errors: list[FieldError]


@strawberry.input(description="An article's fields; those not sent stay as they are.")
class ArticleInput:
    title: str | None = strawberry.UNSET
    slug: str | None = strawberry.UNSET
    summary: str | None = strawberry.UNSET
    body_html: str | None = strawberry.UNSET
    body_markdown: str | None = strawberry.UNSET
    section_slug: str | None = strawberry.UNSET
    category_slug: str | None = strawberry.UNSET
    author_slugs: list[str] | None = strawberry.UNSET
    lead_image_id: strawberry.ID | None = strawberry.UNSET
    canonical_url: str | None = strawberry.UNSET


def _article(info: Info, pk: int | None) -> Article | None:
    """The article after a write, as its editor sees it: with its pending changes."""
    if pk is None:
        return None
    ctx: Context = info.context
    row = article_service.get_one(ctx.conn, article_id=pk, public=False, now=ctx.now)
    return build_articles(ctx, [row], selected_names(info), pending=True)[0] if row is not None else None


def _input(data: ArticleInput) -> editorial.ArticleInput:
    values = given(data)
    if values.get("lead_image_id") is not None:
        values["lead_image_id"] = expect_global_id(values["lead_image_id"], "Image", argument="leadImageId")
    return editorial.ArticleInput(**values)


def _id(id: strawberry.ID) -> int:
    return expect_global_id(id, "Article")


def _step(info: Info, id: strawberry.ID, step: Callable[[Session, int], Any]) -> ArticlePayload:
    ctx: Context = info.context
    pk = _id(id)
    _, errors = write(ctx, lambda s: step(s, pk))
    return ArticlePayload(article=_article(info, pk), user_errors=errors)


def _zoned(at: datetime | None) -> list[FieldError]:
    if at is not None and at.tzinfo is None:
        return [
            FieldError(
                field="at",
                message="`at` needs a time zone offset, such as 2027-01-05T09:00:00Z",
                code="INVALID",
            )
        ]
    return []


@strawberry.type
class ArticleMutations:
    @strawberry.mutation(description="A new draft. Slug from the title unless given; body sanitised.")
    def create_article(self, info: Info, input: ArticleInput) -> ArticlePayload:
        ctx: Context = info.context
        data = _input(input)
        pk, errors = write(ctx, lambda s: editorial.create_article(s, ctx.caller, data, now=ctx.now))
        return ArticlePayload(article=_article(info, pk), user_errors=errors)

    @strawberry.mutation(
        description="Save changes made to `expectedVersion`; a stale version is a CONFLICT that writes "
        "nothing. On a published article the changes wait as pending changes until they are published; "
        "`publish: true` (for roles that may publish) publishes them at once."
    )
    def update_article(
        self, info: Info, id: strawberry.ID, input: ArticleInput, expected_version: int, publish: bool = False
    ) -> ArticlePayload:
        ctx: Context = info.context
        data = _input(input)
        return _step(
            info,
            id,
            lambda s, pk: editorial.update_article(
                s, ctx.caller, pk, data, expected_version=expected_version, now=ctx.now, publish=publish
            ),
        )

    @strawberry.mutation(
        description="Publish now (also a scheduled article), or at a future `at` (scheduled: it goes public "
        "by itself). On a published article this publishes its pending changes, keeping its first "
        "publication time. With `expectedVersion`, refuses (CONFLICT) if someone saved meanwhile."
    )
    def publish_article(
        self,
        info: Info,
        id: strawberry.ID,
        at: datetime | None = None,
        expected_version: int | None = None,
    ) -> ArticlePayload:
        ctx: Context = info.context
        if errors := _zoned(at):
            return ArticlePayload(article=None, user_errors=errors)
        return _step(
            info,
            id,
            lambda s, pk: workflow.publish(
                s, ctx.caller, pk, now=ctx.now, at=at, expected_version=expected_version
            ),
        )

    @strawberry.mutation(description="Back to draft (a scheduled article stops being scheduled).")
    def unpublish_article(self, info: Info, id: strawberry.ID) -> ArticlePayload:
        ctx: Context = info.context
        return _step(info, id, lambda s, pk: workflow.unpublish(s, ctx.caller, pk, now=ctx.now))

    @strawberry.mutation(description="Out of public view, kept for the record.")
    def archive_article(self, info: Info, id: strawberry.ID) -> ArticlePayload:
        ctx: Context = info.context
        return _step(info, id, lambda s, pk: workflow.archive(s, ctx.caller, pk, now=ctx.now))

    @strawberry.mutation(description="Into the trash: out of public view; its preview links stop working.")
    def trash_article(self, info: Info, id: strawberry.ID) -> ArticlePayload:
        ctx: Context = info.context
        return _step(info, id, lambda s, pk: workflow.trash(s, ctx.caller, pk, now=ctx.now))

    @strawberry.mutation(description="Out of the trash, back to a draft.")
    def restore_article(self, info: Info, id: strawberry.ID) -> ArticlePayload:
        ctx: Context = info.context
        return _step(info, id, lambda s, pk: workflow.restore(s, ctx.caller, pk, now=ctx.now))

    @strawberry.mutation(
        description="Delete for good, with its revisions. Partners receive a DELETED tombstone."
    )
    def delete_article(self, info: Info, id: strawberry.ID) -> DeletePayload:
        ctx: Context = info.context
        pk = _id(id)
        _, errors = write(ctx, lambda s: workflow.delete_for_good(s, ctx.caller, pk, now=ctx.now))
        return DeletePayload(deleted_id=None if errors else to_global_id("Article", pk), user_errors=errors)

    @strawberry.mutation(
        description="Bring back a revision's content as a new save (pending changes on a published article)."
    )
    def revert_article(self, info: Info, id: strawberry.ID, revision_id: strawberry.ID) -> ArticlePayload:
        ctx: Context = info.context
        revision = expect_global_id(revision_id, "Revision", argument="revisionId")
        return _step(
            info, id, lambda s, pk: editorial.revert_article(s, ctx.caller, pk, revision, now=ctx.now)
        )

    @strawberry.mutation(
        description="A signed, expiring token that shows this article's latest draft to a frontend."
    )
    def create_preview_link(
        self, info: Info, id: strawberry.ID, ttl_seconds: int = 3600
    ) -> PreviewLinkPayload:
        ctx: Context = info.context
        pk = _id(id)

        def make(session: Session) -> tuple[str, datetime]:
            loaded = workflow.load_for(session, ctx.caller, pk, Action.ARTICLE_PREVIEW_LINK, now=ctx.now)
            return preview_links.make(
                ctx.settings.secret_key, article_id=pk, generation=loaded.row.preview_generation,
                now=ctx.now, ttl_seconds=ttl_seconds,
            )  # fmt: skip

        made, errors = write(ctx, make)
        if made is None:
            return PreviewLinkPayload(token=None, expires_at=None, user_errors=errors)
        return PreviewLinkPayload(token=made[0], expires_at=made[1], user_errors=[])

    @strawberry.mutation(description="Every preview link handed out for this article stops working at once.")
    def revoke_preview_links(self, info: Info, id: strawberry.ID) -> ArticlePayload:
        ctx: Context = info.context
        return _step(info, id, lambda s, pk: workflow.revoke_preview_links(s, ctx.caller, pk, now=ctx.now))
