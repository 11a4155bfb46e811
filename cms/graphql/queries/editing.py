"""What the editors' page asks that a frontend never does: who is signed in, a body's preview."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from cms.errors import BadInput
from cms.graphql.context import Context
from cms.services import bodies, permissions
from cms.services.permissions import Action


@strawberry.enum(description="What a token may do, as a whole (see the permission table in the README).")
class ViewerRole(Enum):
    AUTHOR = strawberry.enum_value("author", description="Writes and edits their own articles.")
    EDITOR = strawberry.enum_value("editor", description="All content: publish, taxonomy, images.")
    ADMIN = strawberry.enum_value("admin", description="An editor who also manages tokens and partners.")
    PARTNER = strawberry.enum_value("partner", description="Reads published content and `changes`.")


@strawberry.type(description="The caller: the token that signed this request.")
class Viewer:
    name: str = strawberry.field(description="The token's name: the person or system using it.")
    role: ViewerRole = strawberry.field(description="The token's role.")
    permissions: list[str] = strawberry.field(
        description='Actions the role may take on some article or object, e.g. "article.publish" '
        "(own-only and state rules still apply per article)."
    )


@strawberry.type(description="A body as saving it would store it, and what the sanitiser removed.")
class BodyPreview:
    html: str = strawberry.field(description="The sanitised HTML readers would get.")
    text: str = strawberry.field(description="Its plain text, as search indexes it.")
    reading_time_minutes: int = strawberry.field(description="Minutes to read, at 230 words a minute.")
    removed: list[str] = strawberry.field(
        description="One sentence per kind of markup the sanitiser took out (empty when nothing was)."
    )


@strawberry.type
class EditingQueries:
    @strawberry.field(description="The caller's token: name, role and permissions; null without a token.")
    def viewer(self, info: Info) -> Viewer | None:
        ctx: Context = info.context
        ctx.cacheable = False
        caller = ctx.caller
        if caller.role is None:
            return None
        allowed = [action.value for action in Action if permissions.allowed(caller.role, action, own=True)]
        return Viewer(name=caller.name, role=ViewerRole(caller.role.value), permissions=allowed)

    @strawberry.field(
        description="Preview a body as a save would store it: give `bodyHtml` or `bodyMarkdown` "
        "(as in ArticleInput). Authors, editors and admins."
    )
    def body_preview(
        self,
        info: Info,
        body_html: Annotated[str | None, strawberry.argument(description="HTML, as typed.")] = None,
        body_markdown: Annotated[
            str | None, strawberry.argument(description="Markdown (CommonMark); raw HTML in it is escaped.")
        ] = None,
    ) -> BodyPreview:
        ctx: Context = info.context
        ctx.caller.require(Action.BODY_PREVIEW)
        ctx.cacheable = False
        if (body_html is None) == (body_markdown is None):
            raise BadInput("give exactly one of `bodyHtml` or `bodyMarkdown`", field="bodyHtml")
        made = bodies.preview(body_html=body_html, body_markdown=body_markdown)
        return BodyPreview(
            html=made.html,
            text=made.text,
            reading_time_minutes=made.reading_time_minutes,
            removed=made.removed,
        )


__all__ = ["EditingQueries"]
