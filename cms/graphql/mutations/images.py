"""Image mutations: upload with a credit, edit the credit, licence, focal point or visibility, delete."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

from cms.graphql.arguments import default
from cms.graphql.context import Context
from cms.graphql.mutations.common import DeletePayload, FieldError, given, write
from cms.graphql.relay import expect_global_id, to_global_id
from cms.graphql.types.image import Image
from cms.services import images
from cms.services.permissions import Action

ImageId = Annotated[strawberry.ID, strawberry.argument(description="The image's global ID (Image.id).")]


@strawberry.input(
    description="Where the interesting part of an image is, as fractions of width and height (0..1)."
)
class FocalPointInput:
    x: float = strawberry.field(description="From the left edge: 0 to 1.")
    y: float = strawberry.field(description="From the top edge: 0 to 1.")


@strawberry.input(
    description="An image's description and credit. licenseCode takes SPDX, Flickr ids or deed URLs. On "
    "update, fields not sent or null stay as they are (but focalPoint: null clears it)."
)
class ImageInput:
    title: str | None = strawberry.field(
        default=strawberry.UNSET, description="The work's title; credits use it."
    )
    alt: str | None = strawberry.field(
        default=strawberry.UNSET, description="Text alternative for the img element."
    )
    creator: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Who made it or holds its rights; CC BY licences and ARR need one (else INVALID).",
    )
    creator_url: str | None = strawberry.field(
        default=strawberry.UNSET, description="A link to the creator: an http(s) or mailto: URL."
    )
    source_name: str | None = strawberry.field(
        default=strawberry.UNSET, description='Where it was found ("Flickr", "Wikimedia Commons").'
    )
    source_url: str | None = strawberry.field(
        default=strawberry.UNSET, description="The http(s) page it was found on."
    )
    license_code: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="An SPDX id (CC-BY-4.0), ARR, NKCR, US-GOV, a Flickr licence number or a CC deed URL; "
        "at upload, unset: from the file's XMP rights, else INVALID.",
    )
    modifications: str | None = strawberry.field(
        default=strawberry.UNSET, description='How the publisher changed the work ("colour-corrected").'
    )
    focal_point: FocalPointInput | None = strawberry.field(
        default=strawberry.UNSET, description="Where COVER crops centre; null: the middle."
    )
    public: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Show the image to the public even when no published article uses it yet.",
    )


@strawberry.type(description="The image as saved, or why nothing was written.")
class ImagePayload:
    image: Image | None = strawberry.field(
        description="The image as it now stands; null if an upload was refused or the ID names none."
    )
    user_errors: list[FieldError] = strawberry.field(description="Why nothing was written; empty on success.")


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
        description="Upload with the GraphQL multipart request spec; checked, normalised, credited. Editors "
        "and admins."
    )
    async def upload_image(
        self,
        info: Info,
        file: Annotated[
            Upload,
            strawberry.argument(
                description="A JPEG, PNG, GIF, WebP or AVIF file: at most CMS_MAX_UPLOAD_BYTES (default "
                f"{default('max_upload_bytes') // 1_048_576} MiB) and CMS_MAX_IMAGE_PIXELS (default "
                f"{default('max_image_pixels'):,}) pixels; else UNSUPPORTED_MEDIA."
            ),
        ],
        input: Annotated[ImageInput, strawberry.argument(description="Its description and credit.")],
    ) -> ImagePayload:
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

    @strawberry.mutation(
        description="Change the description, credit, licence, focal point or visibility. Editors and admins."
    )
    def update_image(
        self,
        info: Info,
        id: ImageId,
        input: Annotated[ImageInput, strawberry.argument(description="The fields to change.")],
    ) -> ImagePayload:
        ctx: Context = info.context
        ctx.caller.require(Action.IMAGE_MANAGE)
        pk = expect_global_id(id, "Image")
        values = _values(input)
        _, errors = write(ctx, lambda s: images.update_image(s, image_id=pk, values=values, now=ctx.now))
        return _payload(info, pk, errors)

    @strawberry.mutation(
        description="Delete an image; refused while an article or author uses it. Editors and admins."
    )
    def delete_image(self, info: Info, id: ImageId) -> DeletePayload:
        ctx: Context = info.context
        ctx.caller.require(Action.IMAGE_MANAGE)
        pk = expect_global_id(id, "Image")
        _, errors = write(ctx, lambda s: images.delete_image(s, ctx.caller, image_id=pk))
        return DeletePayload(deleted_id=None if errors else to_global_id("Image", pk), user_errors=errors)
