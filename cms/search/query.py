"""Parse what people type into a search box, whatever they type.

The grammar is the one web search taught everyone, and both backends get exactly
the parsed result, never the raw text:

- words are ANDed; ``AND`` typed as a word is that default, so it changes nothing;
- ``"quoted phrases"`` match those words in that order, inside one field;
- ``-word`` or ``-"a phrase"`` excludes, and so does ``NOT`` (in capitals) before a term;
- ``OR`` (any case) between two terms offers them as alternatives; it binds tighter
  than AND: ``korea tariffs OR chips`` is korea AND (tariffs OR chips);
- very common words (``the``, ``of``, ``not``, ...; see ``text.STOP_WORDS``) are
  ignored unless quoted, so "the sanctions" finds what "sanctions" finds;
- a word is a run of letters and digits: ``U.S.-Korea`` is the phrase "u s korea",
  and punctuation, stray quotes and other engines' operators are plain separators.

So no input can make a search engine raise a syntax error: the engines only ever
see words made of letters and digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cms.errors import BadInput
from cms.search.text import STOP_WORDS, fold, tokens

MAX_QUERY_LENGTH = 500
MAX_TERMS = 32
_PART = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # lower-cased; more than one: a phrase

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1

    def text(self) -> str:
        return " ".join(self.words)


@dataclass
class SearchQuery:
    """Groups are ANDed; the terms in a group are alternatives (OR)."""

    groups: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)

    def terms(self) -> list[Term]:
        """Every term looked for (not the excluded ones), each once, in the order typed."""
        seen: dict[Term, None] = {}
        for group in self.groups:
            for term in group:
                seen.setdefault(term)
        return list(seen)

    def key(self) -> str:
        """The same query in a canonical text form: equal keys, equal results."""

        def text(term: Term) -> str:
            return f'"{term.text()}"'

        parts = [" OR ".join(text(t) for t in group) for group in self.groups]
        parts += [f"-{text(t)}" for t in self.excluded]
        return " ".join(parts)


def _words(text: str) -> tuple[str, ...]:
    return tuple(word.lower() for word in tokens(text))


def parse(raw: str) -> SearchQuery:
    if len(raw) > MAX_QUERY_LENGTH:
        raise BadInput(f"search query is longer than {MAX_QUERY_LENGTH} characters", field="query")
    query = SearchQuery()
    pending_or = pending_not = False
    dropped_common = False
    count = 0
    for match in _PART.finditer(raw):
        negated, quoted, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None:
            if bare.upper() == "OR":
                pending_or = bool(query.groups)
                continue
            if bare.upper() == "AND":
                continue
            if bare == "NOT":
                pending_not = True
                continue
            if bare.startswith("-") and len(bare) > 1:
                negated, bare = "-", bare.lstrip("-")
        words = _words(quoted if quoted is not None else bare)
        if not words:
            continue
        if quoted is None and len(words) == 1 and fold(words[0]) in STOP_WORDS:
            dropped_common = True
            pending_not = False
            continue
        term = Term(words)
        if negated or pending_not:
            if term not in query.excluded:
                query.excluded.append(term)
            pending_or = pending_not = False
            continue
        count += 1
        if count > MAX_TERMS:
            raise BadInput(f"search query has more than {MAX_TERMS} terms", field="query")
        if pending_or:
            if term not in query.groups[-1]:
                query.groups[-1].append(term)
            pending_or = False
        elif [term] not in query.groups:
            query.groups.append([term])
    if not query.groups:
        if query.excluded:
            raise BadInput("a search needs at least one word to look for, not only exclusions", field="query")
        if dropped_common:
            raise BadInput(
                'the search has only very common words (like "the" or "and"); '
                'add a more specific word, or put a phrase in "quotes"',
                field="query",
            )
        raise BadInput("the search query has no words to look for", field="query")
    return query
