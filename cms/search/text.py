"""Words as the search index sees them, in Python.

Both backends index the same tokens: SQLite's FTS5 tokenizer
(``porter unicode61 remove_diacritics 2``) and, on PostgreSQL, the text search
configuration of migration 0005, which splits, folds and stems the way FTS5 does.
This module is the same rule in Python: what the query parser keeps as a word and
what a snippet marks as a hit.

- a token is a run of letters and digits (Unicode categories L and N), in text
  normalised to NFC (so an accent typed as a combining mark joins its letter);
  everything else separates tokens;
- tokens are lower-cased and lose the accents of Latin letters ("Café" ~ "cafe");
- tokens are stemmed with Porter's algorithm ("sanctions" ~ "sanction").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from cms.search.porter import stem

TOKEN = re.compile(r"[^\W_]+")
_COMBINING_ACCENT = re.compile(r"(?<=[a-z])[\u0300-\u036f]+")

# Words too common to look for unless quoted: PostgreSQL's English list (Snowball's).
_STOP_LIST = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom
    this that these those am is are was were be been being have has had having do does did
    doing a an the and but if or because as until while of at by for with about against
    between into through during before after above below to from up down in out on off over
    under again further then once here there when where why how all any both each few more
    most other some such no nor not only own same so than too very s t can will just don
    should now
"""
STOP_WORDS = frozenset(_STOP_LIST.split())


@lru_cache(maxsize=65536)
def fold(token: str) -> str:
    """Lower case without the accents of Latin letters, as FTS5's remove_diacritics 2."""
    lowered = token.lower()
    if lowered.isascii():
        return lowered
    decomposed = unicodedata.normalize("NFD", lowered)
    # FTS5 folds the final sigma to the plain one.
    return unicodedata.normalize("NFC", _COMBINING_ACCENT.sub("", decomposed)).replace("\u03c2", "\u03c3")


def normal(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def tokens(text: str) -> list[str]:
    return TOKEN.findall(normal(text))


def term_of(token: str) -> str:
    """What the index stores for a token: folded, then stemmed."""
    return stem(fold(token))
