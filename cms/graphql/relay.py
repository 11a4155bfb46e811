"""Relay conventions: opaque global IDs, the Node interface and PageInfo."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Sequence
from typing import TypeVar

import strawberry

from cms.errors import BadInput
from cms.services.ids import global_id
from cms.wording import indefinite

T = TypeVar("T")

# A global id is base64 of "Type:pk"; tables use 32-bit INTEGER keys on PostgreSQL.
MAX_PK = 2**31 - 1
_MAX_ID_LENGTH = 64  # "ImageRendition:2147483647" is 36 characters in base64
_ENCODED = re.compile(r"[A-Za-z0-9+/]+={0,2}", re.ASCII)
_DECODED = re.compile(r"([A-Z][A-Za-z]{0,39}):([1-9][0-9]{0,9})", re.ASCII)


def to_global_id(type_name: str, pk: int) -> strawberry.ID:
    return strawberry.ID(global_id(type_name, pk))


def from_global_id(value: str, *, argument: str = "id") -> tuple[str, int]:
    """The type name and primary key, or BAD_USER_INPUT: the length is checked before
    decoding, and the decoded text must be exactly ``Type:digits`` within range."""
    refused = BadInput(f"`{argument}` is not a valid ID", field=argument)
    if len(value) > _MAX_ID_LENGTH or not _ENCODED.fullmatch(value):
        raise refused
    try:
        decoded = base64.b64decode(value, validate=True).decode("ascii")
    except (binascii.Error, ValueError):
        raise refused from None
    match = _DECODED.fullmatch(decoded)
    if match is None or int(match[2]) > MAX_PK:
        raise refused
    return match[1], int(match[2])


def expect_global_id(value: str, type_name: str, *, argument: str = "id") -> int:
    found, pk = from_global_id(value, argument=argument)
    if found != type_name:
        raise BadInput(
            f"`{argument}` is the ID of {indefinite(found)}, not of {indefinite(type_name)}", field=argument
        )
    return pk


@strawberry.interface(description="An object with a globally unique, opaque ID (Relay).")
class Node:
    id: strawberry.ID = strawberry.field(
        description="Globally unique, opaque ID (do not parse it); node(id:) finds articles, images, "
        "authors, sections and categories by it."
    )


@strawberry.type(description="Where a page of a connection lies in the whole list (Relay).")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="More items follow this page: ask again with `first` and `after: endCursor`."
    )
    has_previous_page: bool = strawberry.field(
        description="Items come before this page: ask again with `last` and `before: startCursor`, "
        "where the list pages backwards."
    )
    start_cursor: str | None = strawberry.field(description="The first edge's cursor; null on an empty page.")
    end_cursor: str | None = strawberry.field(description="The last edge's cursor; null on an empty page.")

    @classmethod
    def of(cls, cursors: list[str], *, more: bool, forward: bool, had_cursor: bool) -> PageInfo:
        """Page info for a keyset page: ``more`` lies beyond it in the direction of travel,
        and a starting cursor means something lies behind."""
        return cls(
            has_next_page=more if forward else had_cursor,
            has_previous_page=had_cursor if forward else more,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        )

    @classmethod
    def around(
        cls, items: Sequence[T], cursor: Callable[[T], str], *, more: bool, forward: bool, had_cursor: bool
    ) -> PageInfo:
        """``of`` for a page whose edges make their cursors only when asked: encodes just the two
        this shows."""
        ends = [cursor(item) for item in (items[0], items[-1])] if items else []
        return cls.of(ends, more=more, forward=forward, had_cursor=had_cursor)
