"""What people type into the search box, parsed."""

from __future__ import annotations

import pytest

from cms.errors import BadInput
from cms.search.query import parse
from cms.search.sqlite import match_expression


def test_words_are_anded_phrases_kept_and_exclusions_separate() -> None:
    query = parse('sanctions "nuclear talks" -tariffs')
    assert [[t.words for t in g] for g in query.groups] == [[("sanctions",)], [("nuclear", "talks")]]
    assert [t.words for t in query.excluded] == [("tariffs",)]
    assert match_expression(query) == '(("sanctions") AND ("nuclear talks")) NOT "tariffs"'


def test_or_offers_alternatives() -> None:
    query = parse("chips OR semiconductors exports")
    assert match_expression(query) == '(("chips" OR "semiconductors") AND ("exports"))'
    assert query.websearch() == "chips or semiconductors exports"


@pytest.mark.parametrize(
    "raw", ['"unbalanced', "NEAR(a b)", "col:value", "a AND", "(sanctions", 'x"y', "^sanctions", "don't"]
)
def test_operators_and_stray_quotes_become_plain_words(raw: str) -> None:
    expression = match_expression(parse(raw))
    # Only quoted words reach FTS5: nothing it could read as syntax.
    inner = expression.replace('"', "")
    assert all(ch.isalnum() or ch in " ()_" for ch in inner.replace("AND", "").replace("OR", "")), expression


@pytest.mark.parametrize("raw", ["", "   ", "-tariffs", '""', "*** ()", "-"])
def test_nothing_to_look_for_is_bad_input(raw: str) -> None:
    with pytest.raises(BadInput):
        parse(raw)


def test_very_long_queries_are_refused() -> None:
    with pytest.raises(BadInput, match="longer than"):
        parse("word " * 200)
