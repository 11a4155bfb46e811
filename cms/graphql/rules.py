"""Parsing and validation limits, each raising its error with its code attached.

A limit is QUERY_TOO_COMPLEX, a syntax error GRAPHQL_PARSE_FAILED, anything else the
specified rules refuse GRAPHQL_VALIDATION_FAILED: the code is set here, where the error
is made, so nothing downstream has to guess it from the message.

Depth and aliases are counted through fragments, each fragment once (a fragment
spread many times is looked up, not walked again), and introspection fields do not
count towards depth: graphql-core's own MaxIntrospectionDepthRule bounds those.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from graphql.language.parser import Parser

TOO_COMPLEX = "QUERY_TOO_COMPLEX"
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"


def coded(error: GraphQLError, code: str) -> GraphQLError:
    """``error`` with ``extensions.code`` set, unless it already has one."""
    if not (error.extensions or {}).get("code"):
        error.extensions = {**(error.extensions or {}), "code": code}
    return error


class _CountingParser(Parser):
    """graphql-core's parser with the token limit raised as a limit, not a syntax error."""

    def __init__(self, source: str, max_tokens: int) -> None:
        super().__init__(source)
        self._limit = max_tokens

    def advance_lexer(self) -> None:
        super().advance_lexer()
        if self._token_counter > self._limit:  # counts comments too, like max_tokens
            raise GraphQLError(
                f"The document has more than {self._limit} tokens.",
                extensions={"code": TOO_COMPLEX, "limit": self._limit},
            )


def parse(query: str, *, max_tokens: int) -> DocumentNode:
    parser = _CountingParser(query, max_tokens)
    try:
        return parser.parse_document()
    except GraphQLError as error:
        raise coded(error, PARSE_FAILED) from None
    except RecursionError:
        pass  # raised outside the handler, so the recursion's frames are let go
    raise GraphQLError("The document is nested too deeply.", extensions={"code": TOO_COMPLEX})


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


class _Walker:
    """Depth and alias count of selection sets, with each fragment measured once."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.memo: dict[str, tuple[int, int]] = {}

    def measure(self, selection_set: SelectionSetNode | None) -> tuple[int, int]:
        depth = aliases = 0
        for node in selection_set.selections if selection_set else ():
            if isinstance(node, FieldNode):
                if node.alias is not None:
                    aliases += 1
                if node.name.value.startswith("__"):
                    continue  # introspection: bounded by graphql-core's own rule
                inner_depth, inner_aliases = self.measure(node.selection_set)
                depth = max(depth, inner_depth + 1 if node.selection_set else 0)
                aliases += inner_aliases
            elif isinstance(node, InlineFragmentNode):
                inner_depth, inner_aliases = self.measure(node.selection_set)
                depth, aliases = max(depth, inner_depth), aliases + inner_aliases
            elif isinstance(node, FragmentSpreadNode):
                inner_depth, inner_aliases = self.fragment(node.name.value)
                depth, aliases = max(depth, inner_depth), aliases + inner_aliases
        return depth, aliases

    def fragment(self, name: str) -> tuple[int, int]:
        found = self.memo.get(name)
        if found is None:
            self.memo[name] = (0, 0)  # a cycle: NoFragmentCyclesRule reports it
            definition = self.fragments.get(name)
            found = self.measure(definition.selection_set) if definition else (0, 0)
            self.memo[name] = found
        return found


def limits_rule(max_depth: int, max_aliases: int) -> type[ValidationRule]:
    class Limits(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            walker = _Walker(_fragments(context.document))
            total_aliases = 0
            for definition in context.document.definitions:
                if not isinstance(definition, OperationDefinitionNode):
                    continue
                depth, aliases = walker.measure(definition.selection_set)
                total_aliases += aliases
                if depth > max_depth:
                    name = definition.name.value if definition.name else "the operation"
                    context.report_error(
                        GraphQLError(
                            f"{name!s} nests {depth} levels deep; the limit is {max_depth}.",
                            definition,
                            extensions={"code": TOO_COMPLEX, "depth": depth, "limit": max_depth},
                        )
                    )
            if total_aliases > max_aliases:
                context.report_error(
                    GraphQLError(
                        f"The document uses {total_aliases} aliases; the limit is {max_aliases}.",
                        extensions={"code": TOO_COMPLEX, "aliases": total_aliases, "limit": max_aliases},
                    )
                )

    return Limits


def with_codes(errors: list[GraphQLError]) -> list[GraphQLError]:
    """Validation errors: the specified rules' own errors are GRAPHQL_VALIDATION_FAILED."""
    return [coded(error, VALIDATION_FAILED) for error in errors]


__all__: list[Any] = ["TOO_COMPLEX", "coded", "limits_rule", "parse", "with_codes"]
