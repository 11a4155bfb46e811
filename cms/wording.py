"""Small rules of English that messages and credits share: "a" or "an", and possessives.

Framework-free and dependency-free, so every layer (media credits, GraphQL errors,
the CLI) can use the same rule instead of hard-coding "a {name}" and getting
"a Article" the day a new type name is interpolated.
"""

from __future__ import annotations

import re

# Letters whose spoken names begin with a vowel sound: "an SPDX code", "an HTML body", "a URL".
_VOWEL_SOUND_LETTERS = frozenset("AEFHILMNORSX")
# Words spelt with a vowel but said with a consonant ("a unique", "a European", "a one-off")...
_CONSONANT_SOUND_STARTS = ("uni", "use", "usu", "usa", "ura", "ure", "uro", "uti", "uk", "eu", "ewe", "one")
# ...and words spelt with a consonant but said with a vowel ("an hour", "an honest").
_VOWEL_SOUND_STARTS = ("hour", "honest", "honor", "honour", "heir")
_FIRST_WORD = re.compile(r"[A-Za-z0-9]+")


def _takes_an(word: str) -> bool:
    if word.isdigit():
        # Said aloud: "an 8", "an 11", "an 18", "an 80"; "a 1", "a 100".
        return word.startswith("8") or word in {"11", "18"}
    letters = word.rstrip("0123456789")
    if len(word) == 1 or (len(letters) > 1 and letters.isupper()):
        return word[0].upper() in _VOWEL_SOUND_LETTERS  # spelt out: an ID, an FTS5 table
    lower = word.lower()
    if lower.startswith(_VOWEL_SOUND_STARTS) or lower.startswith(("unim", "unin")):
        return True  # "an unimportant", "an uninstalled", unlike "a unique"
    if lower.startswith(_CONSONANT_SOUND_STARTS):
        return False
    return lower[0] in "aeiou"


def indefinite(noun: str) -> str:
    """``noun`` with "a" or "an" before it, chosen by how its first word sounds.

    >>> indefinite("Article"), indefinite("Section"), indefinite("URL"), indefinite("SPDX code")
    ('an Article', 'a Section', 'a URL', 'an SPDX code')
    """
    text = noun.strip()
    match = _FIRST_WORD.search(text)
    if match is None:
        return f"a {text}"
    return f"{'an' if _takes_an(match.group()) else 'a'} {text}"


def possessive(name: str) -> str:
    """The possessive of a name: "Jane Example's", but "Chip Works'" (a name ending in s).

    Names ending in x or z take 's as usual ("Max's", "Inez's").
    """
    text = name.strip()
    if not text:
        return text
    return f"{text}'" if text[-1] in "sS" else f"{text}'s"


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """ "1 article", "3 articles": a count with its noun, never "article(s)"."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
