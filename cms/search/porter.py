"""The Porter stemmer exactly as SQLite's FTS5 ``porter`` tokenizer applies it.

Snippets are built in Python for both backends, so Python must agree with the
index about which words are the same word. FTS5 follows Martin Porter's own C
version of the algorithm (with its "bli" -> "ble" and "logi" -> "log" rules), works
on the UTF-8 bytes of a folded token (any byte that is not an ASCII vowel counts
as a consonant) and leaves tokens shorter than 3 or longer than 64 bytes alone.
tests/test_search_text.py checks this module against FTS5 itself, word by word.
"""

from __future__ import annotations

from functools import lru_cache

_VOWELS = frozenset(b"aeiou")
_MAX_TOKEN = 64


def _is_vowel(c: int, y_is_vowel: bool) -> bool:
    return c in _VOWELS or (y_is_vowel and c == 0x79)  # y


def _gobble_vc(stem: bytes, prev_consonant: bool) -> int:
    """Length of the leading [C](V+)(C) run, or 0 when there is no VC pair."""
    consonant = prev_consonant
    i = 0
    n = len(stem)
    while i < n:
        consonant = not _is_vowel(stem[i], consonant)
        if not consonant:
            break
        i += 1
    i += 1
    while i < n:
        consonant = not _is_vowel(stem[i], consonant)
        if consonant:
            return i + 1
        i += 1
    return 0


def _m_gt0(stem: bytes) -> bool:
    return _gobble_vc(stem, False) != 0


def _m_gt1(stem: bytes) -> bool:
    n = _gobble_vc(stem, False)
    return n != 0 and _gobble_vc(stem[n:], True) != 0


def _m_eq1(stem: bytes) -> bool:
    n = _gobble_vc(stem, False)
    return n != 0 and _gobble_vc(stem[n:], True) == 0


def _o_star(stem: bytes) -> bool:
    """Ends consonant-vowel-consonant, the last not w, x or y."""
    if not stem or stem[-1] in b"wxy":
        return False
    mask = 0
    consonant = False
    for c in stem:
        consonant = not _is_vowel(c, consonant)
        mask = (mask << 1) + int(consonant)
    return (mask & 0x7) == 0x5


def _has_vowel(stem: bytes) -> bool:
    return any(_is_vowel(c, i > 0) for i, c in enumerate(stem))


# (suffix, replacement, condition) in the order FTS5 tries them; the first suffix
# that matches decides, whether or not its condition holds.
_STEP2 = (
    (b"ational", b"ate"), (b"tional", b"tion"), (b"enci", b"ence"), (b"anci", b"ance"),
    (b"izer", b"ize"), (b"logi", b"log"), (b"bli", b"ble"), (b"alli", b"al"),
    (b"entli", b"ent"), (b"eli", b"e"), (b"ousli", b"ous"), (b"ization", b"ize"),
    (b"ation", b"ate"), (b"ator", b"ate"), (b"alism", b"al"), (b"iveness", b"ive"),
    (b"fulness", b"ful"), (b"ousness", b"ous"), (b"aliti", b"al"), (b"iviti", b"ive"),
    (b"biliti", b"ble"),
)  # fmt: skip
_STEP3 = (
    (b"icate", b"ic"), (b"ative", b""), (b"alize", b"al"), (b"iciti", b"ic"),
    (b"ical", b"ic"), (b"ful", b""), (b"ness", b""),
)  # fmt: skip
_STEP4 = (
    b"al", b"ance", b"ence", b"er", b"ic", b"able", b"ible", b"ant", b"ement", b"ment",
    b"ent", b"ion", b"ou", b"ism", b"ate", b"iti", b"ous", b"ive", b"ize",
)  # fmt: skip


def _by_second_last(rules: tuple[tuple[bytes, bytes], ...]) -> dict[int, list[tuple[bytes, bytes]]]:
    # FTS5 switches on the second-to-last letter and tries that case's suffixes in order.
    table: dict[int, list[tuple[bytes, bytes]]] = {}
    for suffix, replacement in rules:
        table.setdefault(suffix[-2], []).append((suffix, replacement))
    return table


_STEP2_BY = _by_second_last(_STEP2)
_STEP3_BY = _by_second_last(_STEP3)
_STEP4_BY = _by_second_last(tuple((s, b"") for s in _STEP4))


def _replace(word: bytes, table: dict[int, list[tuple[bytes, bytes]]], step4: bool) -> bytes:
    if len(word) < 2:
        return word
    for suffix, replacement in table.get(word[-2], ()):
        if len(word) > len(suffix) and word.endswith(suffix):
            stem = word[: -len(suffix)]
            if step4 and suffix == b"ion":
                ok = stem[-1:] in (b"s", b"t") and _m_gt1(stem)
            else:
                ok = _m_gt1(stem) if step4 else _m_gt0(stem)
            return stem + replacement if ok else word
    return word


def _step1a(word: bytes) -> bytes:
    if word.endswith(b"s"):
        if word[-2:-1] == b"e":
            if (len(word) > 4 and word[-4:-2] == b"ss") or (len(word) > 3 and word[-3:-2] == b"i"):
                return word[:-2]
            return word[:-1]
        if word[-2:-1] != b"s":
            return word[:-1]
    return word


def _step1b(word: bytes) -> tuple[bytes, bool]:
    """The word after step 1b, and whether it removed -ed or -ing (then 1b2 runs)."""
    if len(word) > 3 and word.endswith(b"eed"):
        return (word[:-1] if _m_gt0(word[:-3]) else word), False
    for suffix in (b"ed", b"ing"):
        if len(word) > len(suffix) and word.endswith(suffix):
            stem = word[: -len(suffix)]
            return (stem, True) if _has_vowel(stem) else (word, False)
    return word, False


def _step1b2(word: bytes) -> bytes:
    for suffix, replacement in ((b"at", b"ate"), (b"bl", b"ble"), (b"iz", b"ize")):
        if word.endswith(suffix) and len(word) > 2:
            return word[:-2] + replacement
    c = word[-1]
    if not _is_vowel(c, False) and c not in b"lsz" and len(word) > 1 and c == word[-2]:
        return word[:-1]
    if _m_eq1(word) and _o_star(word):
        return word + b"e"
    return word


def _stem_bytes(word: bytes) -> bytes:
    word = _step1a(word)
    word, again = _step1b(word)
    if again:
        word = _step1b2(word)
    if word.endswith(b"y") and _has_vowel(word[:-1]):
        word = word[:-1] + b"i"
    word = _replace(word, _STEP2_BY, step4=False)
    word = _replace(word, _STEP3_BY, step4=False)
    word = _replace(word, _STEP4_BY, step4=True)
    if word.endswith(b"e"):
        stem = word[:-1]
        if _m_gt1(stem) or (_m_eq1(stem) and not _o_star(stem)):
            word = stem
    if len(word) > 1 and word.endswith(b"ll") and _m_gt1(word[:-1]):
        word = word[:-1]
    return word


@lru_cache(maxsize=65536)
def stem(folded: str) -> str:
    """The stem of one folded (lower-cased, unaccented) token."""
    data = folded.encode("utf-8")
    if len(data) < 3 or len(data) > _MAX_TOKEN:
        return folded
    return _stem_bytes(data).decode("utf-8", errors="surrogateescape")
