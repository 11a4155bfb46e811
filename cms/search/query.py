"""Parse what people type into a search box, whatever they type.

The grammar is the one web search taught everyone (and PostgreSQL's
websearch_to_tsquery follows): words are ANDed, "quoted phrases" match in order,
a leading minus excludes, OR between two parts offers alternatives. Anything
else — stray operators, unbalanced quotes, punctuation — is read as plain text,
so no input can make the search engine raise a syntax error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cms.errors import BadInput

MAX_QUERY_LENGTH = 500
MAX_TERMS = 32
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # more than one: a phrase

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


@dataclass
class SearchQuery:
    """Groups are ANDed; the terms in a group are alternatives (OR)."""

    groups: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)

    def websearch(self) -> str:
        """The same query in websearch_to_tsquery syntax, rebuilt from parsed parts only."""

        def text(term: Term) -> str:
            return f'"{" ".join(term.words)}"' if term.is_phrase else term.words[0]

        parts = [" or ".join(text(t) for t in group) for group in self.groups]
        parts += [f"-{text(t)}" for t in self.excluded]
        return " ".join(parts)


def parse(raw: str) -> SearchQuery:
    if len(raw) > MAX_QUERY_LENGTH:
        raise BadInput(f"search query is longer than {MAX_QUERY_LENGTH} characters", field="query")
    query = SearchQuery()
    pending_or = False
    count = 0
    for match in _TOKEN.finditer(raw):
        negated, quoted, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None and bare.upper() == "OR" and query.groups:
            pending_or = True
            continue
        if bare is not None and bare.startswith("-") and len(bare) > 1:
            negated, bare = "-", bare[1:]
        words = tuple(w.lower() for w in _WORD.findall(quoted if quoted is not None else bare))
        if not words:
            continue
        count += 1
        if count > MAX_TERMS:
            raise BadInput(f"search query has more than {MAX_TERMS} terms", field="query")
        # Unquoted "U.S.-Korea" yields several words: a phrase, as they were typed together.
        term = Term(words)
        if negated:
            query.excluded.append(term)
            pending_or = False
        elif pending_or:
            query.groups[-1].append(term)
            pending_or = False
        else:
            query.groups.append([term])
    if not query.groups:
        if query.excluded:
            raise BadInput("a search needs at least one word to look for, not only exclusions", field="query")
        raise BadInput("the search query has no words to look for", field="query")
    return query
