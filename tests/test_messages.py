"""House rules for every message a person reads (errors, userErrors, CLI output),
checked in the source so that a new message cannot break them:

- "a" or "an" before an interpolated noun comes from ``cms.wording.indefinite``:
  a hard-coded "a {type_name}" says "a Article" the day the name starts with a vowel.
- Names a caller types (arguments, input and corpus fields, settings) are in
  backticks: `first`, `ttlSeconds`, `published_at`, `CMS_MAX_PAGE_SIZE`.
- Values a caller gave are in straight single quotes, as ``{value!r}`` prints them:
  the slug 'harbour' is already used. Never backticks or double quotes around a value.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "cms").rglob("*.py"))
#: Calls whose string arguments are messages for people.
MESSAGE_CALLS = {
    "BadInput", "Invalid", "NotFound", "Forbidden", "Unauthenticated", "UnsupportedMedia", "LicenseForbids",
    "UserError", "ConfigError", "BadSpec", "MutationNotAllowed", "UploadTooLarge", "Problem", "_problem",
    "FieldError", "_error", "_text", "BadParameter", "print",
}  # fmt: skip
_HOLE = "\x00"  # stands for an interpolation
_REPR = "\x01"  # stands for an interpolation with !r, which is how values are quoted
# A bare identifier that only code uses: snake_case, camelCase or an environment variable.
_NAME = re.compile(
    r"(?<![\w`.\-/])(?:[a-z][a-z0-9]*(?:_[a-z0-9]+)+|[a-z]+[A-Z][A-Za-z0-9]*|CMS_[A-Z_]+)(?![\w`])"
)
_ARTICLE_BEFORE_HOLE = re.compile(f"(?:^|[\\s(])(?:a|an|A|An) [{_HOLE}{_REPR}]")


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _text(node: ast.expr) -> tuple[str, list[ast.FormattedValue]] | None:
    """A string literal or f-string as text with holes, and its interpolations."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, []
    if isinstance(node, ast.JoinedStr):
        parts, holes = [], []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue):
                parts.append(_REPR if value.conversion == ord("r") else _HOLE)
                holes.append(value)
        return "".join(parts), holes
    return None


def messages() -> Iterator[tuple[str, str, list[ast.FormattedValue]]]:
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _name(node.func) in MESSAGE_CALLS):
                continue
            for arg in [*node.args, *(k.value for k in node.keywords if k.arg in {"message", None})]:
                found = _text(arg)
                if found and " " in found[0]:  # one word is a field name or a code, not a message
                    where = f"{path.relative_to(ROOT)}:{arg.lineno}"
                    yield where, *found


def test_messages_are_found() -> None:
    """The checks below look at something: the scan finds the messages we know of."""
    found = {text for _, text, _ in messages()}
    assert "no such image" in found
    assert len(found) > 80


def test_no_hard_coded_a_or_an_before_an_interpolated_noun() -> None:
    bad = [(where, text) for where, text, _ in messages() if _ARTICLE_BEFORE_HOLE.search(text)]
    assert not bad, f"use cms.wording.indefinite() for these: {bad}"


def test_names_a_caller_types_are_in_backticks() -> None:
    bad = []
    for where, text, _ in messages():
        outside = re.sub(r"`[^`]*`", "", re.sub(r"\[/?[a-z ]+\]", "", text))  # rich markup is not text
        outside = re.sub(r"\S+\.(?:jsonl|py|graphql)\b|https?://\S+", "", outside)
        bad += [(where, name, text) for name in _NAME.findall(outside)]
    assert not bad, f"put these names in backticks: {bad}"


def test_values_are_in_straight_single_quotes() -> None:
    bad = []
    for where, text, _ in messages():
        if re.search(f'[`"]{_REPR}[`"]', text):
            bad.append((where, text))  # a value ({value!r}) inside backticks or double quotes
        if re.search(f'"{_HOLE}"', text) or re.search(f"'[{_HOLE}{_REPR}]'", text):
            bad.append((where, text))  # quoted by hand: {value!r} quotes it, and escapes quotes inside
    assert not bad, f"quote values with {{value!r}}: {bad}"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (f"`id` is the ID of a {_HOLE}", _ARTICLE_BEFORE_HOLE),
        (f"An {_HOLE} needs a name", _ARTICLE_BEFORE_HOLE),
        ("ttlSeconds must be between 1 and 3600", _NAME),
        ("give bodyHtml or bodyMarkdown, not both", _NAME),
        ("missing field published_at", _NAME),
        ("CMS_MAX_PAGE_SIZE must be positive", _NAME),
    ],
)
def test_the_rules_catch_what_they_are_for(text: str, rule: re.Pattern[str]) -> None:
    assert rule.search(re.sub(r"`[^`]*`", "", text))


def test_an_id_of_the_wrong_type_says_an_article_not_a_article() -> None:
    from cms.errors import BadInput
    from cms.graphql.relay import expect_global_id, to_global_id

    with pytest.raises(BadInput) as caught:
        expect_global_id(to_global_id("Article", 7), "Image", argument="leadImageId")
    assert caught.value.message == "`leadImageId` is the ID of an Article, not of an Image"
    with pytest.raises(BadInput) as caught:
        expect_global_id(to_global_id("Author", 7), "Section")
    assert caught.value.message == "`id` is the ID of an Author, not of a Section"
