"""What people type into the search box, parsed: one meaning for both backends."""

from __future__ import annotations

import pytest

from cms.errors import BadInput
from cms.search.query import parse
from cms.search.sqlite import match_expression


def shape(raw: str) -> tuple[list[list[str]], list[str]]:
    query = parse(raw)
    return [[t.text() for t in g] for g in query.groups], [t.text() for t in query.excluded]


def test_words_are_anded_phrases_kept_and_exclusions_separate() -> None:
    query = parse('sanctions "nuclear talks" -tariffs')
    assert [[t.words for t in g] for g in query.groups] == [[("sanctions",)], [("nuclear", "talks")]]
    assert [t.words for t in query.excluded] == [("tariffs",)]
    assert match_expression(query) == '(("sanctions") AND ("nuclear talks")) NOT "tariffs"'


def test_or_offers_alternatives_and_binds_tighter_than_and() -> None:
    query = parse("chips OR semiconductors exports")
    assert match_expression(query) == '(("chips" OR "semiconductors") AND ("exports"))'
    assert query.key() == '"chips" OR "semiconductors" "exports"'
    assert shape("chips or semiconductors") == shape("chips OR semiconductors")


@pytest.mark.parametrize(
    "raw", ["sanctions AND tariffs", "sanctions and tariffs", "AND sanctions tariffs AND"]
)
def test_and_typed_as_a_word_is_the_default_and_changes_nothing(raw: str) -> None:
    assert shape(raw) == shape("sanctions tariffs")


@pytest.mark.parametrize("raw", ["sanctions NOT tariffs", "NOT tariffs sanctions", "sanctions -tariffs"])
def test_not_in_capitals_excludes_like_a_minus(raw: str) -> None:
    assert shape(raw) == ([["sanctions"]], ["tariffs"])


def test_not_in_lower_case_is_a_common_word_and_ignored() -> None:
    assert shape("why sanctions are not working") == ([["sanctions"], ["working"]], [])


def test_common_words_are_ignored_unless_quoted() -> None:
    assert shape("the trade war of the century") == ([["trade"], ["war"], ["century"]], [])
    assert shape('"the trade war"') == ([["the trade war"]], [])
    assert shape("-the sanctions") == ([["sanctions"]], [])


def test_words_typed_together_are_a_phrase() -> None:
    assert shape("U.S.-Korea") == ([["u s korea"]], [])
    assert shape("don't") == ([["don t"]], [])
    assert shape("state-of-the-art") == ([["state of the art"]], [])


def test_stray_operators_and_repeats_change_nothing() -> None:
    assert shape("OR sanctions OR") == ([["sanctions"]], [])
    assert shape("sanctions OR OR tariffs") == ([["sanctions", "tariffs"]], [])
    assert shape("sanctions sanctions -x -x") == ([["sanctions"]], ["x"])


@pytest.mark.parametrize(
    "raw", ['"unbalanced', "NEAR(a b)", "col:value", "x AND", "(sanctions", 'x"y', "^sanctions", "don't"]
)
def test_operators_and_stray_quotes_become_plain_words(raw: str) -> None:
    expression = match_expression(parse(raw))
    # Only quoted words reach FTS5: nothing it could read as syntax.
    inner = expression.replace('"', "")
    assert all(ch.isalnum() or ch in " ()_" for ch in inner.replace("AND", "").replace("OR", "")), expression


@pytest.mark.parametrize(
    "raw", ["", "   ", "-tariffs", '""', "*** ()", "-", "AND", "OR", "NOT", "AND OR NOT"]
)
def test_nothing_to_look_for_is_bad_input(raw: str) -> None:
    with pytest.raises(BadInput):
        parse(raw)


@pytest.mark.parametrize("raw", ["the", "the and of", "not", "-sanctions the"])
def test_only_common_words_is_bad_input_that_says_so(raw: str) -> None:
    with pytest.raises(BadInput, match=r"very common words|not only exclusions"):
        parse(raw)


def test_very_long_queries_are_refused() -> None:
    with pytest.raises(BadInput, match="longer than"):
        parse("word " * 200)
    with pytest.raises(BadInput, match="more than 32 terms"):
        parse(" ".join(f"w{i}" for i in range(40)))
