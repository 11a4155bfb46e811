"""The editorial API: token-only writes. Validation problems come back as
``userErrors`` in the payload; missing or insufficient tokens as GraphQL errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import strawberry
from strawberry.file_uploads import Upload
from strawberry.tools import merge_types
from strawberry.types import Info

from cms.errors import Forbidden, Refused, Unauthenticated, UserError
from cms.graphql.context import Context
from cms.graphql.relay import expect_global_id, to_global_id
from cms.graphql.selection import selected_names
from cms.graphql.types.article import (
    Article,
    Author,
    Category,
    Section,
    build_articles,
    image_types,
    taxonomy_types,
)
from cms.graphql.types.image import Image
from cms.services import articles as article_service
from cms.services import authors as author_service
from cms.services import editorial, images, taxonomy
from cms.services import preview as preview_links

T = TypeVar("T")


@strawberry.type(name="UserError", description="A problem with one input field; nothing was written.")
class FieldError:
    field: str | None
    message: str
    code: str = strawberry.field(description="INVALID, NOT_FOUND, CONFLICT, DUPLICATE, ...")
    current_version: int | None = strawberry.field(
        default=None, description="With CONFLICT: the version now saved, to reload from."
    )


@strawberry.type
class ArticlePayload:
    article: Article | None
    user_errors: list[FieldError]


@strawberry.type
class AuthorPayload:
    author: Author | None
    user_errors: list[FieldError]


@strawberry.type
class CategoryPayload:
    category: Category | None
    user_errors: list[FieldError]


@strawberry.type
class SectionPayload:
    section: Section | None
    user_errors: list[FieldError]


@strawberry.type
class DeletePayload:
    deleted_id: strawberry.ID | None
    user_errors: list[FieldError]


@strawberry.type
class PreviewLinkPayload:
    token: str | None = strawberry.field(description="Pass as article(previewToken:).")
    expires_at: datetime | None
    user_errors: list[FieldError]


@strawberry.input
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


@strawberry.input
class AuthorInput:
    name: str | None = strawberry.UNSET
    slug: str | None = strawberry.UNSET
    bio: str | None = strawberry.UNSET
    affiliation: str | None = strawberry.UNSET


@strawberry.input
class CategoryInput:
    name: str | None = strawberry.UNSET
    slug: str | None = strawberry.UNSET


@strawberry.input
class SectionInput:
    name: str | None = strawberry.UNSET
    slug: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET


def _given(data: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(data).items() if v is not strawberry.UNSET}


def _problems(exc: UserError) -> list[Any]:
    if isinstance(exc, Refused):
        return [
            FieldError(field=p.field, message=p.message, code=p.code, current_version=p.current_version)
            for p in exc.problems
        ]
    return [FieldError(field=exc.field, message=exc.message, code=exc.code)]


def _write(ctx: Context, work: Callable[[Any], T]) -> tuple[T | None, list[Any]]:
    """Run a write in its own transaction; refusals become userErrors, auth failures errors."""
    try:
        with ctx.app.db.write() as session:
            result = work(session)
    except (Unauthenticated, Forbidden):
        raise
    except UserError as exc:
        return None, _problems(exc)
    ctx.after_write()
    return result, []


def _article(info: Info, pk: int | None) -> Article | None:
    if pk is None:
        return None
    ctx: Context = info.context
    row = article_service.get_one(ctx.conn, article_id=pk, public=False, now=ctx.now)
    return build_articles(ctx, [row], selected_names(info))[0] if row is not None else None


def _article_input(data: ArticleInput) -> editorial.ArticleInput:
    values = _given(data)
    if values.get("lead_image_id") is not None:
        values["lead_image_id"] = expect_global_id(values["lead_image_id"], "Image", argument="leadImageId")
    return editorial.ArticleInput(**values)


def _article_id(id: strawberry.ID) -> int:
    return expect_global_id(id, "Article")


def _state(info: Info, id: strawberry.ID, action: str, at: datetime | None = None) -> ArticlePayload:
    ctx: Context = info.context
    pk = _article_id(id)
    if at is not None and at.tzinfo is None:
        return ArticlePayload(
            article=None,
            user_errors=[FieldError(field="at", message="`at` needs a time zone", code="INVALID")],
        )
    _, errors = _write(
        ctx, lambda s: editorial.set_state(s, ctx.caller, pk, action=action, now=ctx.now, at=at)
    )
    return ArticlePayload(article=_article(info, pk), user_errors=errors)


def _taxonomy_payload(info: Info, kind: taxonomy.Kind, pk: int | None) -> Any:
    ctx: Context = info.context
    if kind == "author":
        row = author_service.get(ctx.conn, author_id=pk) if pk is not None else None
        from cms.graphql.types.article import author_type

        return author_type(row) if row is not None else None
    sections, categories = taxonomy_types(ctx.taxonomy())
    return (sections if kind == "section" else categories).get(pk) if pk is not None else None


@strawberry.type
class ContentMutations:
    @strawberry.mutation(description="A new draft. Slug from the title unless given; body sanitised.")
    def create_article(self, info: Info, input: ArticleInput) -> ArticlePayload:
        ctx: Context = info.context
        data = _article_input(input)
        pk, errors = _write(ctx, lambda s: editorial.create_article(s, ctx.caller, data, now=ctx.now))
        return ArticlePayload(article=_article(info, pk), user_errors=errors)

    @strawberry.mutation(description="Save changes made to `expectedVersion`; a stale version is a CONFLICT.")
    def update_article(
        self, info: Info, id: strawberry.ID, input: ArticleInput, expected_version: int
    ) -> ArticlePayload:
        ctx: Context = info.context
        pk = _article_id(id)
        data = _article_input(input)
        _, errors = _write(
            ctx,
            lambda s: editorial.update_article(
                s, ctx.caller, pk, data, expected_version=expected_version, now=ctx.now
            ),
        )
        return ArticlePayload(article=_article(info, pk), user_errors=errors)

    @strawberry.mutation(description="Publish now, or at a future `at` (scheduled: goes live by itself).")
    def publish_article(self, info: Info, id: strawberry.ID, at: datetime | None = None) -> ArticlePayload:
        return _state(info, id, "publish", at)

    @strawberry.mutation
    def unpublish_article(self, info: Info, id: strawberry.ID) -> ArticlePayload:
        return _state(info, id, "unpublish")

    @strawberry.mutation
    def archive_article(self, info: Info, id: strawberry.ID) -> ArticlePayload:
        return _state(info, id, "archive")

    @strawberry.mutation
    def trash_article(self, info: Info, id: strawberry.ID) -> ArticlePayload:
        return _state(info, id, "trash")

    @strawberry.mutation(description="Out of the trash, back to a draft.")
    def restore_article(self, info: Info, id: strawberry.ID) -> ArticlePayload:
        return _state(info, id, "restore")

    @strawberry.mutation(description="Bring back a revision's content as a new revision.")
    def revert_article(self, info: Info, id: strawberry.ID, revision_id: strawberry.ID) -> ArticlePayload:
        ctx: Context = info.context
        pk = _article_id(id)
        revision = expect_global_id(revision_id, "Revision", argument="revisionId")
        _, errors = _write(ctx, lambda s: editorial.revert_article(s, ctx.caller, pk, revision, now=ctx.now))
        return ArticlePayload(article=_article(info, pk), user_errors=errors)

    @strawberry.mutation(description="A signed, expiring token that shows this draft to a frontend.")
    def create_preview_link(
        self, info: Info, id: strawberry.ID, ttl_seconds: int = 3600
    ) -> PreviewLinkPayload:
        ctx: Context = info.context
        ctx.caller.require("make preview links")
        pk = _article_id(id)
        if article_service.get_one(ctx.conn, article_id=pk, public=False, now=ctx.now) is None:
            return PreviewLinkPayload(
                token=None,
                expires_at=None,
                user_errors=[FieldError(field="id", message="no such article", code="NOT_FOUND")],
            )
        try:
            token, expires = preview_links.make(
                ctx.settings.secret_key, article_id=pk, now=ctx.now, ttl_seconds=ttl_seconds
            )
        except UserError as exc:
            return PreviewLinkPayload(token=None, expires_at=None, user_errors=_problems(exc))
        return PreviewLinkPayload(token=token, expires_at=expires, user_errors=[])

    @strawberry.mutation
    def create_author(self, info: Info, input: AuthorInput) -> AuthorPayload:
        return AuthorPayload(**_create(info, "author", input, "author"))

    @strawberry.mutation
    def update_author(self, info: Info, id: strawberry.ID, input: AuthorInput) -> AuthorPayload:
        return AuthorPayload(**_update(info, "author", id, input, "author"))

    @strawberry.mutation(description="Refused while articles use it, unless reassignTo names another author.")
    def delete_author(self, info: Info, id: strawberry.ID, reassign_to: str | None = None) -> DeletePayload:
        return _delete(info, "author", id, reassign_to)

    @strawberry.mutation
    def create_category(self, info: Info, input: CategoryInput) -> CategoryPayload:
        return CategoryPayload(**_create(info, "category", input, "category"))

    @strawberry.mutation
    def update_category(self, info: Info, id: strawberry.ID, input: CategoryInput) -> CategoryPayload:
        return CategoryPayload(**_update(info, "category", id, input, "category"))

    @strawberry.mutation(
        description="Refused while articles use it, unless reassignTo names another category."
    )
    def delete_category(self, info: Info, id: strawberry.ID, reassign_to: str | None = None) -> DeletePayload:
        return _delete(info, "category", id, reassign_to)

    @strawberry.mutation
    def create_section(self, info: Info, input: SectionInput) -> SectionPayload:
        return SectionPayload(**_create(info, "section", input, "section"))

    @strawberry.mutation
    def update_section(self, info: Info, id: strawberry.ID, input: SectionInput) -> SectionPayload:
        return SectionPayload(**_update(info, "section", id, input, "section"))

    @strawberry.mutation(
        description="Refused while articles use it, unless reassignTo names another section."
    )
    def delete_section(self, info: Info, id: strawberry.ID, reassign_to: str | None = None) -> DeletePayload:
        return _delete(info, "section", id, reassign_to)


_TYPE_NAMES = {"author": "Author", "category": "Category", "section": "Section"}


def _create(info: Info, kind: taxonomy.Kind, data: Any, key: str) -> dict[str, Any]:
    ctx: Context = info.context
    pk, errors = _write(ctx, lambda s: taxonomy.create(s, ctx.caller, kind, _given(data), now=ctx.now))
    return {key: _taxonomy_payload(info, kind, pk), "user_errors": errors}


def _update(info: Info, kind: taxonomy.Kind, id: strawberry.ID, data: Any, key: str) -> dict[str, Any]:
    ctx: Context = info.context
    pk = expect_global_id(id, _TYPE_NAMES[kind])
    _, errors = _write(ctx, lambda s: taxonomy.update_one(s, ctx.caller, kind, pk, _given(data), now=ctx.now))
    return {key: _taxonomy_payload(info, kind, pk), "user_errors": errors}


def _delete(info: Info, kind: taxonomy.Kind, id: strawberry.ID, reassign_to: str | None) -> DeletePayload:
    ctx: Context = info.context
    pk = expect_global_id(id, _TYPE_NAMES[kind])
    _, errors = _write(
        ctx, lambda s: taxonomy.delete_one(s, ctx.caller, kind, pk, reassign_to=reassign_to, now=ctx.now)
    )
    return DeletePayload(
        deleted_id=None if errors else to_global_id(_TYPE_NAMES[kind], pk), user_errors=errors
    )


@strawberry.input
class FocalPointInput:
    x: float
    y: float


@strawberry.input(
    description="An image's description and credit. licenseCode takes SPDX, Flickr ids or deed URLs."
)
class ImageInput:
    title: str | None = strawberry.UNSET
    alt: str | None = strawberry.UNSET
    creator: str | None = strawberry.UNSET
    creator_url: str | None = strawberry.UNSET
    source_name: str | None = strawberry.UNSET
    source_url: str | None = strawberry.UNSET
    license_code: str | None = strawberry.UNSET
    modifications: str | None = strawberry.UNSET
    focal_point: FocalPointInput | None = strawberry.UNSET


@strawberry.type
class ImagePayload:
    image: Image | None
    user_errors: list[FieldError]


def _image_payload(info: Info, pk: int | None, errors: list[Any]) -> ImagePayload:
    ctx: Context = info.context
    image = image_types(ctx, [pk]).get(pk) if pk is not None else None
    return ImagePayload(image=image, user_errors=errors)


def _image_values(data: ImageInput) -> dict[str, Any]:
    values = _given(data)
    if "license_code" in values:
        values["license"] = values.pop("license_code")
    if "focal_point" in values:
        point = values["focal_point"]
        values["focal_point"] = (point.x, point.y) if point is not None else None
    return values


@strawberry.type
class ImageMutations:
    @strawberry.mutation(
        description="Upload with the GraphQL multipart request spec; checked, normalised, credited."
    )
    async def upload_image(self, info: Info, file: Upload, input: ImageInput) -> ImagePayload:
        ctx: Context = info.context
        ctx.caller.require("manage images", editor=True)
        # At run time an UploadFile; the HTTP layer has already refused bodies over the limit.
        data = await file.read()  # type: ignore[attr-defined]
        values = _image_values(input)
        fields = images.ImageFields(
            **{
                k: v
                for k, v in values.items()
                if k in images.ImageFields.__dataclass_fields__ and v is not None
            }
        )
        name = getattr(file, "filename", "") or ""
        pk, errors = _write(
            ctx, lambda s: images.add_image(s, data=data, filename=name, fields=fields, settings=ctx.settings)
        )
        return _image_payload(info, pk, errors)

    @strawberry.mutation(description="Change the description, credit, licence or focal point.")
    def update_image(self, info: Info, id: strawberry.ID, input: ImageInput) -> ImagePayload:
        ctx: Context = info.context
        ctx.caller.require("manage images", editor=True)
        pk = expect_global_id(id, "Image")
        values = _image_values(input)
        _, errors = _write(ctx, lambda s: images.update_image(s, image_id=pk, values=values))
        return _image_payload(info, pk, errors)

    @strawberry.mutation(description="Refused while an article or author uses the image.")
    def delete_image(self, info: Info, id: strawberry.ID) -> DeletePayload:
        ctx: Context = info.context
        ctx.caller.require("manage images", editor=True)
        pk = expect_global_id(id, "Image")
        _, errors = _write(ctx, lambda s: images.delete_image(s, image_id=pk))
        return DeletePayload(deleted_id=None if errors else to_global_id("Image", pk), user_errors=errors)


Mutation = merge_types("Mutation", (ContentMutations, ImageMutations))
