"""Image mutations: upload with a credit, edit the credit, licence, focal point or visibility, delete."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

from cms.graphql.context import Context
from cms.graphql.mutations.common import DeletePayload, FieldError, given, write
from cms.graphql.relay import expect_global_id, to_global_id
from cms.graphql.types.image import Image
from cms.services import images
from cms.services.permissions import Action


@strawberry.input(
    description="Where the interesting part of an image is, as fractions of width and height (0..1)."
)
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
    public: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Show the image to the public even when no published article uses it yet.",
    )


@strawberry.type(description="The image as saved, or why nothing was written.")
class ImagePayload:
    image: Image | None
    user_errors: list[FieldError]


def _payload(info: Info, pk: int | None, errors: list[FieldError]) -> ImagePayload:
    ctx: Context = info.context
    views = ctx.reader().images([pk], public=False) if pk is not None else {}
    return ImagePayload(image=Image.from_view(views[pk]) if pk in views else None, user_errors=errors)


def _values(data: ImageInput) -> dict[str, Any]:
    values = given(data)
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
        ctx.caller.require(Action.IMAGE_MANAGE)
        # At run time an UploadFile; the HTTP layer has already refused bodies over the limit.
        data = await file.read()  # type: ignore[attr-defined]
        values = _values(input)
        fields = images.ImageFields(
            **{
                k: v
                for k, v in values.items()
                if k in images.ImageFields.__dataclass_fields__ and v is not None
            }
        )
        name = getattr(file, "filename", "") or ""
        pk, errors = write(
            ctx, lambda s: images.add_image(s, data=data, filename=name, fields=fields, settings=ctx.settings)
        )
        return _payload(info, pk, errors)

    @strawberry.mutation(description="Change the description, credit, licence, focal point or visibility.")
    def update_image(self, info: Info, id: strawberry.ID, input: ImageInput) -> ImagePayload:
        ctx: Context = info.context
        ctx.caller.require(Action.IMAGE_MANAGE)
        pk = expect_global_id(id, "Image")
        values = _values(input)
        _, errors = write(ctx, lambda s: images.update_image(s, image_id=pk, values=values, now=ctx.now))
        return _payload(info, pk, errors)

    @strawberry.mutation(description="Refused while an article or author uses the image.")
    def delete_image(self, info: Info, id: strawberry.ID) -> DeletePayload:
        ctx: Context = info.context
        ctx.caller.require(Action.IMAGE_MANAGE)
        pk = expect_global_id(id, "Image")
        _, errors = write(ctx, lambda s: images.delete_image(s, ctx.caller, image_id=pk))
        return DeletePayload(deleted_id=None if errors else to_global_id("Image", pk), user_errors=errors)
