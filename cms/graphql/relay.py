"""Relay conventions: opaque global IDs, the Node interface and PageInfo."""

from __future__ import annotations

import base64
import binascii

import strawberry

from cms.errors import BadInput
from cms.services.ids import global_id
from cms.wording import indefinite


def to_global_id(type_name: str, pk: int) -> strawberry.ID:
    return strawberry.ID(global_id(type_name, pk))


def from_global_id(value: str, *, argument: str = "id") -> tuple[str, int]:
    try:
        type_name, _, raw_pk = base64.b64decode(value.encode(), validate=True).decode().partition(":")
        pk = int(raw_pk)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadInput(f"`{argument}` is not a valid ID", field=argument) from None
    if not type_name or pk <= 0:
        raise BadInput(f"`{argument}` is not a valid ID", field=argument)
    return type_name, pk


def expect_global_id(value: str, type_name: str, *, argument: str = "id") -> int:
    found, pk = from_global_id(value, argument=argument)
    if found != type_name:
        raise BadInput(
            f"`{argument}` is the ID of {indefinite(found)}, not of {indefinite(type_name)}", field=argument
        )
    return pk


@strawberry.interface(description="An object with a globally unique, opaque ID (Relay).")
class Node:
    id: strawberry.ID


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None

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
