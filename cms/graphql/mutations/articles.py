"""Article mutations: saves (create, update, revert), workflow steps, preview links."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

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

ArticleId = Annotated[strawberry.ID, strawberry.argument(description="The article's global ID (Article.id).")]


@strawberry.type(description="The article as saved (with any pending changes), or why nothing was written.")
class ArticlePayload:
    article: Article | None = strawberry.field(
        description="The article as it now stands, with its pending changes; null if there is none (a "
        "refused create)."
    )
    user_errors: list[FieldError] = strawberry.field(description="Why nothing was written; empty on success.")


@strawberry.type(description="A preview link's token, for article(previewToken:).")
class PreviewLinkPayload:
    token: str | None = strawberry.field(description="Pass as article(previewToken:).")
    expires_at: datetime | None = strawberry.field(
        description="When the link stops working; null if refused."
    )
    user_errors: list[FieldError] = strawberry.field(description="Why no link was made; empty on success.")


@strawberry.input(description="An article's fields; those not sent stay as they are.")
class ArticleInput:
    title: str | None = strawberry.field(
        default=strawberry.UNSET, description="Headline, plain text, 1 to 500 characters; required to create."
    )
    slug: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="URL name, made URL-safe. At creation from the title unless given, with -2, -3 ... "
        "if taken; on update, a slug in use is DUPLICATE. Former slugs keep resolving.",
    )
    summary: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Standfirst, plain text; empty at creation: the body's first 280 or so characters.",
    )
    body_html: str | None = strawberry.field(
        default=strawberry.UNSET, description="The body as HTML, sanitised when saved; not with bodyMarkdown."
    )
    body_markdown: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The body as Markdown, saved as sanitised HTML; not with bodyHtml.",
    )
    section_slug: str | None = strawberry.field(
        default=strawberry.UNSET, description="The section's slug (an unknown one is NOT_FOUND); null: none."
    )
    category_slug: str | None = strawberry.field(
        default=strawberry.UNSET, description="The category's slug (an unknown one is NOT_FOUND); null: none."
    )
    author_slugs: list[str] | None = strawberry.field(
        default=strawberry.UNSET,
        description="The byline as author slugs, in order, each once; null or empty: no byline (publishing "
        "needs one).",
    )
    lead_image_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The lead image's global ID (Image.id); null: none."
    )
    canonical_url: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="An http(s) URL where the article really lives, if elsewhere: Article.url becomes it; "
        "null: the usual URL.",
    )


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
    @strawberry.mutation(
        description="A new draft (authors, editors, admins). Slug from the title unless given; body "
        "sanitised."
    )
    def create_article(
        self,
        info: Info,
        input: Annotated[
            ArticleInput, strawberry.argument(description="The draft's fields; `title` is required.")
        ],
    ) -> ArticlePayload:
        ctx: Context = info.context
        data = _input(input)
        pk, errors = write(ctx, lambda s: editorial.create_article(s, ctx.caller, data, now=ctx.now))
        return ArticlePayload(article=_article(info, pk), user_errors=errors)

    @strawberry.mutation(
        description="Save changes made to `expectedVersion`; a stale version is a CONFLICT that writes "
        "nothing. On a published article the changes wait as pending changes until they are published; "
        "`publish: true` (for roles that may publish) publishes them at once. Authors: their own articles."
    )
    def update_article(
        self,
        info: Info,
        id: ArticleId,
        input: Annotated[
            ArticleInput,
            strawberry.argument(description="The fields to change; those not sent stay as they are."),
        ],
        expected_version: Annotated[
            int,
            strawberry.argument(
                description="The version the edit started from (Article.version); another is CONFLICT, "
                "with currentVersion."
            ),
        ],
        publish: Annotated[
            bool,
            strawberry.argument(description="Also publish the changes at once (editors and admins)."),
        ] = False,
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
        "publication time. With `expectedVersion`, refuses (CONFLICT) if someone saved meanwhile. Editors "
        "and admins."
    )
    def publish_article(
        self,
        info: Info,
        id: ArticleId,
        at: Annotated[
            datetime | None,
            strawberry.argument(
                description="When it goes public: null, now; a future time schedules it; a past one becomes "
                "its publishedAt."
            ),
        ] = None,
        expected_version: Annotated[
            int | None,
            strawberry.argument(description="Refuse (CONFLICT) unless the article is still at this version."),
        ] = None,
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

    @strawberry.mutation(
        description="Back to draft (a scheduled article stops being scheduled); publishedAt is "
        "cleared. Editors "
        "and admins."
    )
    def unpublish_article(self, info: Info, id: ArticleId) -> ArticlePayload:
        ctx: Context = info.context
        return _step(info, id, lambda s, pk: workflow.unpublish(s, ctx.caller, pk, now=ctx.now))

    @strawberry.mutation(description="Out of public view, kept for the record. Editors and admins.")
    def archive_article(self, info: Info, id: ArticleId) -> ArticlePayload:
        ctx: Context = info.context
        return _step(info, id, lambda s, pk: workflow.archive(s, ctx.caller, pk, now=ctx.now))

    @strawberry.mutation(
        description="Into the trash: out of public view; its preview links stop working. Editors and admins."
    )
    def trash_article(self, info: Info, id: ArticleId) -> ArticlePayload:
        ctx: Context = info.context
        return _step(info, id, lambda s, pk: workflow.trash(s, ctx.caller, pk, now=ctx.now))

    @strawberry.mutation(description="Out of the trash, back to a draft. Editors and admins.")
    def restore_article(self, info: Info, id: ArticleId) -> ArticlePayload:
        ctx: Context = info.context
        return _step(info, id, lambda s, pk: workflow.restore(s, ctx.caller, pk, now=ctx.now))

    @strawberry.mutation(
        description="Delete for good, with its revisions. Partners receive a DELETED tombstone. "
        "Editors and admins."
    )
    def delete_article(self, info: Info, id: ArticleId) -> DeletePayload:
        ctx: Context = info.context
        pk = _id(id)
        _, errors = write(ctx, lambda s: workflow.delete_for_good(s, ctx.caller, pk, now=ctx.now))
        return DeletePayload(deleted_id=None if errors else to_global_id("Article", pk), user_errors=errors)

    @strawberry.mutation(
        description="Bring back a revision's content as a new save (pending changes on a published article). "
        "Authors: their own articles."
    )
    def revert_article(
        self,
        info: Info,
        id: ArticleId,
        revision_id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The global ID of one of its revisions (Revision.id)."),
        ],
    ) -> ArticlePayload:
        ctx: Context = info.context
        revision = expect_global_id(revision_id, "Revision", argument="revisionId")
        return _step(
            info, id, lambda s, pk: editorial.revert_article(s, ctx.caller, pk, revision, now=ctx.now)
        )

    @strawberry.mutation(
        description="A signed, expiring token that shows this article's latest draft to a frontend. Authors: "
        "their own articles."
    )
    def create_preview_link(
        self,
        info: Info,
        id: ArticleId,
        ttl_seconds: Annotated[
            int,
            strawberry.argument(
                description=f"How long it works, in seconds: 1 to "
                f"{int(preview_links.MAX_TTL.total_seconds())} "
                "(30 days)."
            ),
        ] = 3600,
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

    @strawberry.mutation(
        description="Every preview link handed out for this article stops working at once. Authors: "
        "their own "
        "articles."
    )
    def revoke_preview_links(self, info: Info, id: ArticleId) -> ArticlePayload:
        ctx: Context = info.context
        return _step(info, id, lambda s, pk: workflow.revoke_preview_links(s, ctx.caller, pk, now=ctx.now))
