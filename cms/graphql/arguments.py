"""Arguments many fields share, described once, and descriptions for enums defined outside GraphQL.

Descriptions name a setting by its variable and state its default ("at most
CMS_MAX_PAGE_SIZE (default 100)"): the SDL is published and the same for every
deployment, while an operator may configure other values.
"""

from __future__ import annotations

from dataclasses import fields
from enum import Enum
from typing import Annotated, Any

import strawberry

from cms.settings import Settings


def default(name: str) -> Any:
    """A setting's default, as the published schema states it."""
    return next(f.default for f in fields(Settings) if f.name == name)


MAX_PAGE = f"at most CMS_MAX_PAGE_SIZE (default {default('max_page_size')}; more is BAD_USER_INPUT)"
DEFAULT_PAGE = f"CMS_DEFAULT_PAGE_SIZE (default {default('default_page_size')})"
#: How a connection counts toward the query cost (cms.graphql.cost).
PAGE_COST = "Query cost: 1 plus the page size times what each edge selects."

First = Annotated[
    int | None,
    strawberry.argument(
        description=f"How many items after `after` (or from the start): {MAX_PAGE}; without `first` "
        f"or `last`, {DEFAULT_PAGE}. Not with `last`."
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description="Start after this cursor (an edge's `cursor` or `pageInfo.endCursor` of this list); "
        "not with `before` or `last`."
    ),
]
Last = Annotated[
    int | None,
    strawberry.argument(
        description=f"How many items before `before` (or at the end): {MAX_PAGE}. Not with `first`."
    ),
]
Before = Annotated[
    str | None,
    strawberry.argument(
        description="End before this cursor (`pageInfo.startCursor` of this list), paging backwards "
        f"({DEFAULT_PAGE} items unless `last` says); not with `after` or `first`."
    ),
]
#: `first` of lists that page forwards only.
FirstOnly = Annotated[
    int | None,
    strawberry.argument(
        description=f"How many items after `after`: {MAX_PAGE}; {DEFAULT_PAGE} if not given."
    ),
]
#: `after` of lists that page forwards only.
AfterOnly = Annotated[
    str | None,
    strawberry.argument(
        description="Start after this cursor (an edge's `cursor` or `pageInfo.endCursor` of this list)."
    ),
]


def describe_values(enum: type[Enum], descriptions: dict[str, str]) -> None:
    """Describe the values of an enum that lives outside GraphQL (in cms.media or cms.services),
    where strawberry.enum_value cannot be used; every value needs exactly one description."""
    definition = getattr(enum, "__strawberry_definition__")  # noqa: B009  # set by strawberry.enum
    names = {value.name for value in definition.values}
    if names != set(descriptions):
        raise ValueError(
            f"describe exactly the values of {definition.name}: {sorted(names ^ set(descriptions))}"
        )
    for value in definition.values:
        value.description = descriptions[value.name]
