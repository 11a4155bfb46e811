"""Look ahead at what a query selects, so a list resolver fetches every relation
the page needs in one statement each: N+1 cannot happen, and nothing unasked is read."""

from __future__ import annotations

from typing import Any

from graphql import FieldNode, FragmentSpreadNode, GraphQLResolveInfo, InlineFragmentNode, SelectionSetNode
from strawberry.types import Info

# Field nodes (held, so that their ids are not reused while cached) -> the names below them. A parsed
# document is cached and reused, so its nodes are too: the walk is done once per document and field.
_seen: dict[tuple[int, ...], tuple[tuple[FieldNode, ...], frozenset[str]]] = {}
_SEEN_MAX = 4096


def selected_names(info: Info) -> frozenset[str]:
    """Every field name selected anywhere below the current field (directives aside: a superset)."""
    raw: GraphQLResolveInfo[Any] = info._raw_info
    nodes = tuple(raw.field_nodes)
    key = tuple(map(id, nodes))
    found = _seen.get(key)
    if found is not None and all(a is b for a, b in zip(found[0], nodes, strict=True)):
        return found[1]
    names = _names_below(raw)
    if len(_seen) >= _SEEN_MAX:
        _seen.clear()
    _seen[key] = (nodes, names)
    return names


def _names_below(raw: GraphQLResolveInfo[Any]) -> frozenset[str]:
    names: set[str] = set()
    seen_fragments: set[str] = set()

    def walk(selection_set: SelectionSetNode | None) -> None:
        if selection_set is None:
            return
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                names.add(node.name.value)
                walk(node.selection_set)
            elif isinstance(node, InlineFragmentNode):
                walk(node.selection_set)
            elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen_fragments:
                seen_fragments.add(node.name.value)
                fragment = raw.fragments.get(node.name.value)
                if fragment is not None:
                    walk(fragment.selection_set)

    for field_node in raw.field_nodes:
        walk(field_node.selection_set)
    return frozenset(names)
