"""Python reads words as the search indexes do: checked against FTS5 itself, and PostgreSQL.

Snippets mark what Python's stemmer calls a hit, and the query parser keeps what
Python calls a word; both must agree with what the indexes store, or a snippet
would miss its own hit.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from cms.db import Database
from cms.search.text import fold, term_of, tokens

ROOT = Path(__file__).resolve().parent.parent
_TRICKY = """
sanctions sanction sanctioned sanctioning alliance alliances allied technology technologies
technological possibly possible responsibly apology analogies sociology zoology assembly
generously general generate relational rational conditional happiness happy ponies caress
cats running hopping filing agreed plastered motoring sing conflated troubled sized hoping
falling hissing fizzed failing skies dies lies ties flies news analysis crisis economics
denuclearization semiconductors tariffs inflation exports talks is as us gas yes its this
s t a i y ay by my oy 1990s 2024 covid19 1e10 abc123 x86 eed feed specced trekking
"""
TRICKY = _TRICKY.split()
UNICODE = "Café naïve façade Ærø Łódź İstanbul ΣΟΦΊΑΣ Санкции العقوبات סנקציות 東京 서울 ǅemal"


def _words() -> list[str]:
    found = set(TRICKY) | set(tokens(UNICODE))
    for path in [ROOT / "README.md", *sorted((ROOT / "cms").rglob("*.py"))]:
        found.update(w for w in re.findall(r"[A-Za-z]{2,24}", path.read_text(encoding="utf-8")))
    return sorted(found)


WORDS = _words()


def _fts5_terms(words: list[str]) -> dict[str, str]:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(w, tokenize='porter unicode61 remove_diacritics 2')")
    conn.executemany("INSERT INTO t(rowid, w) VALUES (?, ?)", list(enumerate(words, 1)))
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    terms: dict[int, list[str]] = {}
    for term, doc, _col, _offset in conn.execute("SELECT term, doc, col, offset FROM v ORDER BY doc, offset"):
        terms.setdefault(doc, []).append(term)
    return {word: " ".join(terms.get(i, [])) for i, word in enumerate(words, 1)}


def test_python_stems_every_word_as_fts5_does() -> None:
    assert len(WORDS) > 1500
    fts5 = _fts5_terms(WORDS)
    mine = {w: " ".join(term_of(t) for t in tokens(w)) for w in WORDS}
    assert {w: mine[w] for w in WORDS if mine[w] != fts5[w]} == {}


def test_python_splits_and_folds_text_as_fts5_does() -> None:
    samples = ["U.S.-Korea", "state-of-the-art", "don't", "x_y", "a·b", "e\u0301te\u0301", "Straße", UNICODE]
    fts5 = _fts5_terms(samples)
    assert {s: " ".join(term_of(t) for t in tokens(s)) for s in samples} == fts5
    assert fold("CAFÉ") == "cafe"


def test_postgresql_indexes_every_word_as_fts5_does(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("PostgreSQL only: set CMS_TEST_DATABASE_URL")
    samples = [*WORDS, "U.S.-Korea state-of-the-art", "don't x_y", UNICODE]
    fts5 = _fts5_terms(samples)
    stmt = text(
        "SELECT (SELECT coalesce(string_agg(lexeme, ' ' ORDER BY p), '') FROM "
        "(SELECT lexeme, unnest(positions) AS p "
        "FROM unnest(to_tsvector('cms_search', cms_search_text(w)))) x) "
        "FROM unnest(CAST(:words AS text[])) WITH ORDINALITY AS u(w, n) ORDER BY n"
    )
    with db.connect() as conn:
        lexemes = conn.execute(stmt, {"words": samples}).scalars().all()
    # Words of one or two letters ending in s or y carry a suffix in PostgreSQL that
    # keeps its stemmer off them (FTS5 leaves them alone): compare without it.
    pg = {
        s: re.sub(r"\b([a-z0-9]?s|[aeiou]y)sss\b", r"\1", lex)
        for s, lex in zip(samples, lexemes, strict=True)
    }
    # FTS5 undoubles any consonant before -ed/-ing, Snowball only some; and FTS5 stems
    # bytes, so a non-ASCII letter before an English suffix counts as two consonants.
    # A word that is nothing but a suffix ("eed", "ies") FTS5 leaves unstripped ("ies" ~ "ie").
    known = {"eed", "ies", "specced", "trekking"}
    assert {s: (fts5[s], pg[s]) for s in samples if pg[s] != fts5[s] and s not in known} == {}
