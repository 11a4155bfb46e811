"""Sections, categories and authors: create, update, delete (editors and admins)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from cms.graphql.context import Context
from cms.graphql.mutations.common import DeletePayload, FieldError, given, write
from cms.graphql.relay import expect_global_id, to_global_id
from cms.graphql.types.article import Author, Category, Section, author_type, taxonomy_types
from cms.services import authors as author_service
from cms.services import taxonomy

_TYPE_NAMES = {"author": "Author", "category": "Category", "section": "Section"}

AuthorId = Annotated[strawberry.ID, strawberry.argument(description="The author's global ID (Author.id).")]
CategoryId = Annotated[
    strawberry.ID, strawberry.argument(description="The category's global ID (Category.id).")
]
SectionId = Annotated[strawberry.ID, strawberry.argument(description="The section's global ID (Section.id).")]


@strawberry.type(description="The author as saved, or why nothing was written.")
class AuthorPayload:
    author: Author | None = strawberry.field(
        description="The author as it now stands; null if a create was refused or the ID names none."
    )
    user_errors: list[FieldError] = strawberry.field(description="Why nothing was written; empty on success.")


@strawberry.type(description="The category as saved, or why nothing was written.")
class CategoryPayload:
    category: Category | None = strawberry.field(
        description="The category as it now stands; null if a create was refused or the ID names none."
    )
    user_errors: list[FieldError] = strawberry.field(description="Why nothing was written; empty on success.")


@strawberry.type(description="The section as saved, or why nothing was written.")
class SectionPayload:
    section: Section | None = strawberry.field(
        description="The section as it now stands; null if a create was refused or the ID names none."
    )
    user_errors: list[FieldError] = strawberry.field(description="Why nothing was written; empty on success.")


@strawberry.input(
    description="An author's fields; those not sent stay as they are. `name` is required to create."
)
class AuthorInput:
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="Name as bylines print it, at most 200 characters."
    )
    slug: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="URL name, made URL-safe (at creation, from the name unless given); in use: DUPLICATE.",
    )
    bio: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Short biography, plain text, at most 10,000 characters; null clears it.",
    )
    affiliation: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Organisation or role shown with the name, at most 300 characters; null clears it.",
    )
    photo_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The portrait's global ID (Image.id); null: none."
    )


@strawberry.input(description="A category's fields; `name` is required to create.")
class CategoryInput:
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="Display name, at most 200 characters."
    )
    slug: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="URL name, made URL-safe (at creation, from the name unless given); in use: DUPLICATE.",
    )


@strawberry.input(description="A section's fields; `name` is required to create.")
class SectionInput:
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="Display name, at most 200 characters."
    )
    slug: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="URL name, made URL-safe (at creation, from the name unless given); in use: DUPLICATE.",
    )
    description: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="What the section covers, plain text, at most 10,000 characters; null clears it.",
    )


NewAuthor = Annotated[
    AuthorInput, strawberry.argument(description="The author's fields; `name` is required.")
]
NewCategory = Annotated[
    CategoryInput, strawberry.argument(description="The category's fields; `name` is required.")
]
NewSection = Annotated[
    SectionInput, strawberry.argument(description="The section's fields; `name` is required.")
]
Changes = strawberry.argument(description="The fields to change; those not sent stay as they are.")


def _values(data: Any) -> dict[str, Any]:
    values = given(data)
    if values.get("photo_id") is not None:
        values["photo_id"] = expect_global_id(values["photo_id"], "Image", argument="photoId")
    return values


def _payload(info: Info, kind: taxonomy.Kind, pk: int | None) -> Any:
    if pk is None:
        return None
    ctx: Context = info.context
    if kind == "author":
        row = author_service.get(ctx.conn, author_id=pk)
        return author_type(ctx.reader().authors([row], photos=True, public=False)[0]) if row else None
    sections, categories = taxonomy_types(ctx.taxonomy())
    return (sections if kind == "section" else categories).get(pk)


def _create(info: Info, kind: taxonomy.Kind, data: Any) -> tuple[Any, list[FieldError]]:
    ctx: Context = info.context
    values = _values(data)
    pk, errors = write(ctx, lambda s: taxonomy.create(s, ctx.caller, kind, values, now=ctx.now))
    return _payload(info, kind, pk), errors


def _update(info: Info, kind: taxonomy.Kind, id: strawberry.ID, data: Any) -> tuple[Any, list[FieldError]]:
    ctx: Context = info.context
    pk = expect_global_id(id, _TYPE_NAMES[kind])
    values = _values(data)
    _, errors = write(ctx, lambda s: taxonomy.update_one(s, ctx.caller, kind, pk, values, now=ctx.now))
    return _payload(info, kind, pk), errors


def _delete(info: Info, kind: taxonomy.Kind, id: strawberry.ID, reassign_to: str | None) -> DeletePayload:
    ctx: Context = info.context
    pk = expect_global_id(id, _TYPE_NAMES[kind])
    _, errors = write(
        ctx, lambda s: taxonomy.delete_one(s, ctx.caller, kind, pk, reassign_to=reassign_to, now=ctx.now)
    )
    return DeletePayload(
        deleted_id=None if errors else to_global_id(_TYPE_NAMES[kind], pk), user_errors=errors
    )


@strawberry.type
class TaxonomyMutations:
    @strawberry.mutation(description="A new author (slug from the name unless given). Editors and admins.")
    def create_author(self, info: Info, input: NewAuthor) -> AuthorPayload:
        author, errors = _create(info, "author", input)
        return AuthorPayload(author=author, user_errors=errors)

    @strawberry.mutation(
        description="Change an author's name, slug, bio, affiliation or photo. Editors and admins."
    )
    def update_author(
        self, info: Info, id: AuthorId, input: Annotated[AuthorInput, Changes]
    ) -> AuthorPayload:
        author, errors = _update(info, "author", id, input)
        return AuthorPayload(author=author, user_errors=errors)

    @strawberry.mutation(
        description="Delete an author; refused while articles use it, unless reassignTo names "
        "another author. "
        "Editors and admins."
    )
    def delete_author(
        self,
        info: Info,
        id: AuthorId,
        reassign_to: Annotated[
            str | None,
            strawberry.argument(description="Slug of the author who takes its place in bylines."),
        ] = None,
    ) -> DeletePayload:
        return _delete(info, "author", id, reassign_to)

    @strawberry.mutation(description="A new category (slug from the name unless given). Editors and admins.")
    def create_category(self, info: Info, input: NewCategory) -> CategoryPayload:
        category, errors = _create(info, "category", input)
        return CategoryPayload(category=category, user_errors=errors)

    @strawberry.mutation(description="Rename a category or change its slug. Editors and admins.")
    def update_category(
        self, info: Info, id: CategoryId, input: Annotated[CategoryInput, Changes]
    ) -> CategoryPayload:
        category, errors = _update(info, "category", id, input)
        return CategoryPayload(category=category, user_errors=errors)

    @strawberry.mutation(
        description="Delete a category; refused while articles use it, unless reassignTo names another "
        "category. Editors and admins."
    )
    def delete_category(
        self,
        info: Info,
        id: CategoryId,
        reassign_to: Annotated[
            str | None, strawberry.argument(description="Slug of the category its articles move to.")
        ] = None,
    ) -> DeletePayload:
        return _delete(info, "category", id, reassign_to)

    @strawberry.mutation(
        description="A new section, such as a blog or a series (slug from the name unless given). "
        "Editors and "
        "admins."
    )
    def create_section(self, info: Info, input: NewSection) -> SectionPayload:
        section, errors = _create(info, "section", input)
        return SectionPayload(section=section, user_errors=errors)

    @strawberry.mutation(description="Change a section's name, slug or description. Editors and admins.")
    def update_section(
        self, info: Info, id: SectionId, input: Annotated[SectionInput, Changes]
    ) -> SectionPayload:
        section, errors = _update(info, "section", id, input)
        return SectionPayload(section=section, user_errors=errors)

    @strawberry.mutation(
        description="Delete a section; refused while articles use it, unless reassignTo names another "
        "section. Editors and admins."
    )
    def delete_section(
        self,
        info: Info,
        id: SectionId,
        reassign_to: Annotated[
            str | None, strawberry.argument(description="Slug of the section its articles move to.")
        ] = None,
    ) -> DeletePayload:
        return _delete(info, "section", id, reassign_to)
