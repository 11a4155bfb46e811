"""The small English rules that messages and credits share."""

from __future__ import annotations

import pytest

from cms.wording import indefinite, possessive


@pytest.mark.parametrize(
    ("noun", "expected"),
    [
        ("Article", "an Article"), ("Author", "an Author"), ("Image", "an Image"),
        ("Section", "a Section"), ("Category", "a Category"), ("Revision", "a Revision"),
        ("editor's token", "an editor's token"), ("hour", "an hour"), ("honest mistake", "an honest mistake"),
        ("unique slug", "a unique slug"), ("user", "a user"), ("European partner", "a European partner"),
        ("one-off", "a one-off"), ("unimportant field", "an unimportant field"),
        ("United States Government Work", "a United States Government Work"),
        ("URL", "a URL"), ("SPDX code", "an SPDX code"), ("HTML body", "an HTML body"), ("ID", "an ID"),
        ("FTS5 table", "an FTS5 table"), ("JPEG", "a JPEG"), ("AVIF file", "an AVIF file"), ("X", "an X"),
        ("8-bit PNG", "an 8-bit PNG"), ("11-page brief", "an 11-page brief"),
        ("100-word summary", "a 100-word summary"),
    ],
)  # fmt: skip
def test_indefinite_article_follows_the_sound(noun: str, expected: str) -> None:
    assert indefinite(noun) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Jane Example", "Jane Example's"), ("Chip Works", "Chip Works'"), ("DVIDS", "DVIDS'"),
        ("James", "James'"), ("Max", "Max's"), ("Inez", "Inez's"), ("FOX", "FOX's"), ("Liz", "Liz's"),
        ("U.S. Navy", "U.S. Navy's"), ("  Jane  ", "Jane's"), ("", ""),
    ],
)  # fmt: skip
def test_possessive_of_names(name: str, expected: str) -> None:
    assert possessive(name) == expected
