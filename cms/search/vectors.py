"""An article's PostgreSQL search row, computed in Python, for bulk imports.

PostgreSQL's trigger (migration 0011) computes ``article_search``'s vector, head and
token count with ``cms_search_text()`` (regular expressions) and ``to_tsvector()``
(a general parser that looks for URLs, e-mail addresses and numbers in every
word): 80 % of the server's time in a 100,000-article import, on one core. The same
row for plain ASCII text is simple to compute, so an import computes it here, in
its helper process beside the writer, and the server only stores it: sent in
tsvector's binary form (``TsVector``), it is not even parsed there.

Exactly the trigger's row or nothing: ``row()`` answers None (and the server
computes the row) for text the rules below do not cover: anything not ASCII, a
run like ``3e5`` that the parser reads as a number in scientific notation, a word
over 1,000 characters (stored unstemmed, or dropped past 2,047), more than 256
occurrences of one word or positions past 16,383 (where PostgreSQL starts to
clip). ``agrees()`` checks the rules against the server before an import relies
on them, and tests/test_search_vectors.py word by word against the trigger.

The rules, for ASCII text:
- ``cms_search_text()``: lower case; every run of characters other than a-z and
  0-9 becomes one space; then three rewrites of whole words, which bring
  Snowball's stems to FTS5's (see migration 0008);
- each word is a lexeme: digits alone as they are, anything else stemmed by
  Snowball's "porter" (the word itself if that stems to nothing);
- positions run through the title, one gap ("|"), the summary, another gap and the
  body, weighted A, none, B, none and C; ``head`` is the title, gap and summary.
"""

from __future__ import annotations

import re
import string
import struct
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import Stemmer
from psycopg.adapt import Dumper
from psycopg.pq import Format
from sqlalchemy import Column, Connection, Integer, MetaData, Table, text

from cms import bulk

# Lower case kept, upper case lowered, every other byte a space: what cms_search_text() does to ASCII.
_SEPARATORS = bytes(
    c
    if chr(c) in string.ascii_lowercase + string.digits
    else c + 32
    if chr(c) in string.ascii_uppercase
    else 32
    for c in range(256)
)
_M_GT_0 = r"[a-z0-9]*(?:[aeiou][^aeiou ]|[^aeiou ]y[^aeiouy ])[a-z0-9]*"
_REWRITES = (
    (re.compile(rf"({_M_GT_0})log(?:y|ies|is|i|ied|ying)"), r"\1log"),
    (re.compile(rf"({_M_GT_0})bl(?:y|ies|is|i|ied|ying)"), r"\1ble"),
    (re.compile(r"([a-z0-9]?s|[aeiou]y)"), r"\1sss"),
)
_SCIENTIFIC = re.compile(r"[0-9]e[0-9]")  # the parser splits "12e3x" into a number and a word
_LONGEST_STEMMED = 1000
_MAX_POSITIONS = 256  # of one lexeme
_MAX_POSITION = 16383
_GAP = "|"
_stemmer = Stemmer.Stemmer("porter")


class TsVector(bytes):
    """A tsvector in PostgreSQL's binary wire format (``tsvectorrecv``): the server stores it
    without parsing text, which was a fifth of its time storing an import's rows. A count,
    then per lexeme, in the server's order: its bytes, NUL, the number of positions and each
    position with its weight in the top two bits; all big-endian."""


@dataclass(frozen=True)
class SearchRow:
    """``article_search``'s columns, and the article's length in words."""

    vector: TsVector
    head: TsVector
    tokens: int


def words(text: str) -> list[bytes]:
    """``cms_search_text(text)`` split into its words; ``text`` must be ASCII. As bytes: one
    table lookup a byte, where lowering and translating a string is two passes through a dict."""
    return text.encode("ascii").translate(_SEPARATORS).split()


def lexeme(word: str) -> str | None:
    """What ``to_tsvector('cms_search', cms_search_text(word))`` stores for one word; None when
    the rules here do not cover it."""
    if len(word) > _LONGEST_STEMMED or _SCIENTIFIC.search(word):
        return None
    for pattern, replacement in _REWRITES:
        if (match := pattern.fullmatch(word)) is not None:
            word = match.expand(replacement)
    if word.isdigit():
        return word
    return _stemmer.stemWord(word) or word


# word -> its lexeme as sent (ASCII, then NUL), or b"" where lexeme() says None
_known: dict[bytes, bytes] = {}
_KNOWN_MAX = 1 << 18
_WEIGHTS = {"A": 3, "B": 2, "C": 1, "": 0}  # as tsvector stores them: D (none) is 0
# Each position with its weight as the two bytes sent, made once.
_CODES = {
    weight: [(p | bits << 14).to_bytes(2, "big") for p in range(_MAX_POSITION + 1)]
    for weight, bits in _WEIGHTS.items()
}
_COUNTS = [n.to_bytes(2, "big") for n in range(_MAX_POSITION + 2)]
_GAP_SENT = _GAP.encode("ascii") + b"\0"


def _learn(word: bytes) -> bytes:
    if len(_known) >= _KNOWN_MAX:
        _known.clear()
    found = lexeme(word.decode("ascii"))
    sent = _known[word] = found.encode("ascii") + b"\0" if found is not None else b""
    return sent


def row(title: str, summary: str, body: str) -> SearchRow | None:
    """The trigger's row for one article, or None where only the server can say."""
    if not (title.isascii() and summary.isascii() and body.isascii()):
        return None
    fields = (words(title), words(summary), words(body))
    last = len(fields[0]) + len(fields[1]) + len(fields[2]) + 2
    if last > _MAX_POSITION:
        return None
    known = _known.get
    positions: defaultdict[bytes, bytearray] = defaultdict(bytearray)
    position = 1
    head = TsVector()
    for weight, field in zip(("A", "B", "C"), fields, strict=True):
        if weight != "A":
            positions[_GAP_SENT].extend(_CODES[""][position])
            position += 1
        found = [known(w) or _learn(w) for w in field]
        if b"" in found:
            return None
        end = position + len(field)
        for lex, code in zip(found, _CODES[weight][position:end], strict=True):
            positions[lex].extend(code)
        position = end
        if weight == "B":
            head = _binary(positions)
    if max(map(len, positions.values()), default=0) > 2 * _MAX_POSITIONS:
        return None
    return SearchRow(vector=_binary(positions), head=head, tokens=last - 2)


def rows(articles: Sequence[tuple[str, str, str]]) -> list[SearchRow | None]:
    return [row(title, summary, body) for title, summary, body in articles]


_COUNT = struct.Struct(">i")


def _binary(positions: dict[bytes, bytearray]) -> TsVector:
    # The server's order is by bytes, a prefix first: the order of the lexemes with their NUL.
    # Sent in it, the server need not sort; positions are already ascending.
    parts: list[bytes | bytearray] = [_COUNT.pack(len(positions))]
    for lex in sorted(positions):
        codes = positions[lex]
        parts += (lex, _COUNTS[len(codes) >> 1], codes)
    return TsVector(b"".join(parts))


def as_text(vector: TsVector) -> str:
    """The tsvector's text form, as PostgreSQL prints it (for tests and for reading)."""
    (count,) = _COUNT.unpack_from(vector)
    offset, entries = _COUNT.size, []
    for _ in range(count):
        end = vector.index(b"\0", offset)
        lex = vector[offset:end].decode("ascii")
        (n,) = struct.unpack_from(">H", vector, end + 1)
        codes = struct.unpack_from(f">{n}H", vector, end + 3)
        offset = end + 3 + 2 * n
        labels = [f"{c & 0x3FFF}{'DCBA'[c >> 14] if c >> 14 else ''}" for c in codes]
        entries.append(f"'{lex}':{','.join(labels)}")
    return " ".join(entries)


# Upper case, punctuation, digits, numbers with letters and each rewrite (a few words of each).
PROBE = (
    "Analogies & Terribly Humbly: IS it AS it was? (2024)",
    "Keys, boys & rays - 'us' 3d 2x4 CO2; agreeably, ecology, apology",
    "Zoologists' biology-ology; blys; isn't; A.B.C. ~ x_y | tab\tnew\nline 007 100% "
    "running runs ran easily fairly sensational rational conditional allowance hopefulness",
)
_SUPPLY = text("SET LOCAL cms.search_rows = 'supplied'")
_CHECK = text(
    "SELECT r.vector = CAST(:vector AS tsvector) AND r.head = CAST(:head AS tsvector) AND r.tokens = :tokens "
    "FROM cms_search_row(:title, :summary, :body) r"
)
_ON_CONFLICT = (
    "ON CONFLICT (article_id) DO UPDATE SET vector = EXCLUDED.vector, head = EXCLUDED.head, "
    "tokens = EXCLUDED.tokens"
)
# PostgreSQL's alone (migration 0011), so not among the models.
_search = Table(
    "article_search",
    MetaData(),
    Column("article_id", Integer, primary_key=True, autoincrement=False),
    Column("vector"),
    Column("head"),
    Column("tokens", Integer),
)
_FORGET = text("DELETE FROM article_search WHERE article_id = ANY(:ids)")
_COMPUTE = text(
    "INSERT INTO article_search (article_id, vector, head, tokens) "
    "SELECT a.id, r.vector, r.head, r.tokens FROM article a, "
    "cms_search_row(a.title, a.summary, a.body_text) r WHERE a.id = ANY(:ids) " + _ON_CONFLICT
)


def agrees(conn: Connection) -> bool:
    """Whether the server computes the probe's row as ``row()`` does (its locale, its stemmer)."""
    return same_as_server(conn, *PROBE)


def same_as_server(conn: Connection, title: str, summary: str, body: str) -> bool:
    """Whether ``row()`` is the row the server's trigger would store (False where it has none)."""
    ours = row(title, summary, body)
    if ours is None:
        return False
    _adapt(conn)
    values = {"title": title, "summary": summary, "body": body, **vars(ours)}
    return bool(conn.execute(_CHECK, values).scalar_one())


class _TsVectorDumper(Dumper):
    format = Format.BINARY
    oid = 3614  # tsvector: a built-in type, the same on every server

    def dump(self, obj: bytes) -> bytes:
        return obj


def _adapt(conn: Connection) -> None:
    """Let this connection (psycopg's) send TsVector values as tsvector, in binary."""
    conn.connection.driver_connection.adapters.register_dumper(TsVector, _TsVectorDumper)  # type: ignore[union-attr]


def supply(conn: Connection) -> None:
    """Until this transaction ends, the trigger leaves articles' search rows to ``store()``."""
    conn.execute(_SUPPLY)


def store(conn: Connection, found: dict[int, SearchRow | None]) -> None:
    """Write the search rows of these articles: as computed here, or by the server where None."""
    supplied = [{"article_id": article_id, **vars(r)} for article_id, r in found.items() if r is not None]
    if supplied:
        _adapt(conn)
        conn.execute(_FORGET, {"ids": [r["article_id"] for r in supplied]})  # none, for new articles
        bulk.insert_rows(conn, _search, supplied)
    if computed := [article_id for article_id, r in found.items() if r is None]:
        conn.execute(_COMPUTE, {"ids": computed})
