"""Batching for connections nested under lists (author.articles, section.articles ...).

Each request gets fresh loaders (in its context); one window query serves the page
of every parent in the list, and one grouped count serves their totals.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any

from strawberry.dataloader import DataLoader
from strawberry.types import Info

from cms.graphql.context import Context
from cms.graphql.selection import selected_names
from cms.graphql.types.article import ArticleConnection, build_articles, connection
from cms.services import articles as article_service
from cms.services import library
from cms.services.pagination import Page, page_request

Order = article_service.Order


def _loader(ctx: Context, key: str, load: Any) -> DataLoader[Any, Any]:
    loader = ctx.loaders.get(key)
    if loader is None:
        loader = ctx.loaders[key] = DataLoader(load_fn=load)
    return loader


def _count_loader(ctx: Context, kind: article_service.Parent) -> DataLoader[int, int]:
    async def load(parent_ids: Sequence[int]) -> list[int]:
        snapshot, seq, now = ctx.app.snapshot, ctx.seq, ctx.now
        # What is counted depends on who asks: the public, an author (plus their own), editors.
        audience = (ctx.is_public, ctx.draft_owner, ctx.caller.scope_sections)
        found = {pid: snapshot.cached_count(seq, ("parent", kind, pid, *audience), now) for pid in parent_ids}
        missing = [pid for pid, value in found.items() if value is None]
        if missing:
            counted = article_service.counts_by_parent(
                ctx.conn,
                kind,
                missing,
                now=now,
                public=ctx.is_public,
                owner=ctx.draft_owner,
                sections=ctx.caller.scope_sections,
            )
            for pid, value in counted.items():
                snapshot.store_count(ctx.conn, seq, ("parent", kind, pid, *audience), now, value)
                found[pid] = value
        return [int(found[pid] or 0) for pid in parent_ids]

    return _loader(ctx, f"count:{kind}", load)


def image_usage(ctx: Context) -> DataLoader[int, int]:
    """How many articles use each image: one grouped count for a whole page of the library."""

    async def load(image_ids: Sequence[int]) -> list[int]:
        found = library.used_by(ctx.conn, image_ids)
        return [found.get(pk, 0) for pk in image_ids]

    return _loader(ctx, "image-usage", load)


def nested_articles(
    info: Info,
    kind: article_service.Parent,
    parent_id: int,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Awaitable[ArticleConnection]:
    ctx: Context = info.context
    page = page_request(
        first=first,
        after=after,
        last=last,
        before=before,
        default_size=ctx.settings.default_page_size,
        max_size=ctx.settings.max_page_size,
    )
    names = selected_names(info)
    order = Order.PUBLISHED_AT_DESC
    with_body = "bodyHtml" in names or "bodyText" in names

    async def load(parent_ids: Sequence[int]) -> list[ArticleConnection]:
        pages = article_service.pages_by_parent(
            ctx.conn,
            kind,
            parent_ids,
            order=order,
            page=page,
            now=ctx.now,
            public=ctx.is_public,
            owner=ctx.draft_owner,
            sections=ctx.caller.scope_sections,
            with_body=with_body,
        )
        # Relations for every parent's page at once, then split back per parent.
        all_rows = [row for rows, _ in pages.values() for row in rows]
        built = iter(build_articles(ctx, all_rows, names))
        counts = _count_loader(ctx, kind)
        result = []
        for pid in parent_ids:
            rows, more = pages[pid]
            items = [next(built) for _ in rows]
            result.append(_finish(items, order, page, more, lambda pid=pid: counts.load(pid)))
        return result

    key = f"articles:{kind}:{order}:{page}:{sorted(names)}"
    return _loader(ctx, key, load).load(parent_id)


def _finish(items: list[Any], order: Order, page: Page, more: bool, counter: Any) -> ArticleConnection:
    return connection(
        items,
        order=order,
        more=more,
        forward=page.forward,
        had_cursor=page.cursor is not None,
        counter=counter,
    )
