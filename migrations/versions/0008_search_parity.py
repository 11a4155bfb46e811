"""PostgreSQL search reads text as SQLite's FTS5 does, and keeps what ranking needs small.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

Parity: the same words must match on both databases. FTS5 (``porter unicode61
remove_diacritics 2``) splits on anything but letters and digits, drops the
accents of Latin letters, keeps every word (no stop words: the query parser
ignores common words, on both backends alike) and stems with Porter's own
version of his algorithm. ``cms_search_text()`` splits and folds the same way and
rewrites the few endings where Snowball's "porter" stemmer, which the
``cms_search`` configuration uses, departs from FTS5's (-logy, -bly, words of one
or two letters ending in s or y). Fields are kept apart by one position, as FTS5
columns are, so a phrase never runs from the title into the summary.

Speed: ``head`` (title and summary, a few hundred bytes, stored in the row) and
``tokens`` (the article's length in words, for BM25) let search rank its best
candidates without reading the 6 KB body vectors of every match; ``vector``, the
whole text, stays the GIN-indexed source of matches. ``cms_search_match()`` is
``vector`` under a name the planner prices honestly: reading a vector for a row
means fetching it from TOAST, which costs a thousand times what the planner
assumes for ``@@``; indexing and querying through it lets PostgreSQL choose the
GIN index by itself, without ``SET enable_seqscan = off``.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Marks that [[:alnum:]] keeps in words and FTS5 treats as separators (combining
# marks of Cyrillic, Hebrew, Arabic and Devanagari).
_MARKS = (
    r"\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7"
    r"\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed"
    r"\u0900-\u0903\u093a-\u093c\u093e-\u094f\u0951-\u0957\u0962\u0963"
)
# Porter's "m > 0": the stem holds a vowel followed by a consonant.
_M_GT_0 = r"[[:alnum:]]*(?:[aeiou][^aeiou ]|[^aeiou ]y[^aeiouy ])[[:alnum:]]*"

# Plain ASCII text (most text, and cheap to recognise) skips Unicode normalisation.
_SEARCH_TEXT = f"""
CREATE FUNCTION cms_search_text(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
SELECT regexp_replace(regexp_replace(regexp_replace(
    CASE WHEN octet_length(t) = length(t)
    THEN regexp_replace(lower(t), '[^a-z0-9]+', ' ', 'g')
    ELSE regexp_replace(
        replace(
            normalize(regexp_replace(normalize(lower(t), NFD), '([a-z])[\\u0300-\\u036f]+', '\\1', 'g'), NFC),
            chr(962), chr(963)),
        '(?:[^[:alnum:]]|[{_MARKS}])+', ' ', 'g')
    END,
    '\\m({_M_GT_0})log(?:y|ies|is|i|ied|ying)\\M', '\\1log', 'g'),
    '\\m({_M_GT_0})bl(?:y|ies|is|i|ied|ying)\\M', '\\1ble', 'g'),
    '\\m([a-z0-9]?s|[aeiou]y)\\M', '\\1sss', 'g')
$$
"""

# The fields of one article, each weighted, one position apart (the "|" lexeme is
# never produced from text, so no query can match it). {t}, {s}, {b}: the title,
# summary and body as cms_search_text() returns them.
_GAP = "'''|'':1'::tsvector"
_HEAD = (
    f"setweight(to_tsvector('cms_search', {{t}}), 'A') || {_GAP} || "
    "setweight(to_tsvector('cms_search', {s}), 'B')"
)
_BODY = "setweight(to_tsvector('cms_search', {b}), 'C')"
_WORDS = "coalesce(array_length(string_to_array(trim({x}), ' '), 1), 0)"
_TOKENS = " + ".join(_WORDS.format(x=x) for x in ("{t}", "{s}", "{b}"))

_SYNC = (
    "CREATE OR REPLACE FUNCTION cms_article_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "DECLARE t text := cms_search_text(coalesce(NEW.title, '')); "
    "s text := cms_search_text(coalesce(NEW.summary, '')); "
    "b text := cms_search_text(coalesce(NEW.body_text, '')); head tsvector; BEGIN "
    f"head := {_HEAD.format(t='t', s='s')}; "
    "INSERT INTO article_search (article_id, vector, head, tokens) VALUES "
    f"(NEW.id, head || {_GAP} || {_BODY.format(b='b')}, head, {_TOKENS.format(t='t', s='s', b='b')}) "
    "ON CONFLICT (article_id) DO UPDATE SET vector = EXCLUDED.vector, head = EXCLUDED.head, "
    "tokens = EXCLUDED.tokens; RETURN NULL; END $$"
)
_FILL = (
    "INSERT INTO article_search (article_id, vector, head, tokens) "
    f"SELECT p.id, h.head || {_GAP} || {_BODY.format(b='p.b')}, h.head, "
    f"{_TOKENS.format(t='p.t', s='p.s', b='p.b')} FROM ("
    "SELECT id, cms_search_text(coalesce(title, '')) t, cms_search_text(coalesce(summary, '')) s, "
    "cms_search_text(coalesce(body_text, '')) b FROM article OFFSET 0) p, "
    f"LATERAL (SELECT {_HEAD.format(t='p.t', s='p.s')} AS head OFFSET 0) h"
)


def _run(sql: str) -> None:
    # Straight to the driver: the regular expressions are full of ":" that
    # SQLAlchemy would otherwise take for bind parameters.
    op.get_bind().exec_driver_sql(sql)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    _run("CREATE TEXT SEARCH DICTIONARY cms_porter (TEMPLATE = snowball, Language = porter)")
    _run("CREATE TEXT SEARCH CONFIGURATION cms_search (PARSER = default)")
    _run(
        "ALTER TEXT SEARCH CONFIGURATION cms_search ADD MAPPING FOR asciiword, word, numword, "
        "asciihword, hword, numhword, hword_asciipart, hword_part, hword_numpart WITH cms_porter"
    )
    _run(
        "ALTER TEXT SEARCH CONFIGURATION cms_search "
        "ADD MAPPING FOR int, uint, float, sfloat, version WITH simple"
    )
    _run(_SEARCH_TEXT)
    _run(
        "CREATE FUNCTION cms_search_match(v tsvector) RETURNS tsvector "
        "LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $$ BEGIN RETURN v; END $$"
    )
    _run("DROP INDEX IF EXISTS ix_article_search_vector")
    _run("TRUNCATE article_search")
    _run("ALTER TABLE article_search ADD COLUMN head tsvector NOT NULL, ADD COLUMN tokens integer NOT NULL")
    # Vectors are read from TOAST only to rank a page's few candidates; heads stay in the row.
    _run("ALTER TABLE article_search ALTER COLUMN vector SET STORAGE EXTERNAL")
    _run(_SYNC)
    _run(_FILL)
    _run("CREATE INDEX ix_article_search_match ON article_search USING gin (cms_search_match(vector))")
    _run("CREATE INDEX ix_article_search_head ON article_search USING gin (head)")
    _run("ANALYZE article_search")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    old = (
        "setweight(to_tsvector('cms_english'::regconfig, coalesce({p}title, '')), 'A') || "
        "setweight(to_tsvector('cms_english'::regconfig, coalesce({p}summary, '')), 'B') || "
        "setweight(to_tsvector('cms_english'::regconfig, coalesce({p}body_text, '')), 'C')"
    )
    _run("DROP INDEX IF EXISTS ix_article_search_head")
    _run("DROP INDEX IF EXISTS ix_article_search_match")
    _run("ALTER TABLE article_search DROP COLUMN head, DROP COLUMN tokens")
    _run("ALTER TABLE article_search ALTER COLUMN vector SET STORAGE EXTENDED")
    _run(
        "CREATE OR REPLACE FUNCTION cms_article_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"INSERT INTO article_search (article_id, vector) VALUES (NEW.id, {old.format(p='NEW.')}) "
        "ON CONFLICT (article_id) DO UPDATE SET vector = EXCLUDED.vector; RETURN NULL; END $$"
    )
    _run(
        f"UPDATE article_search s SET vector = {old.format(p='a.')} FROM article a WHERE a.id = s.article_id"
    )
    _run("CREATE INDEX ix_article_search_vector ON article_search USING gin (vector)")
    _run("DROP FUNCTION IF EXISTS cms_search_match(tsvector)")
    _run("DROP FUNCTION IF EXISTS cms_search_text(text)")
    _run("DROP TEXT SEARCH CONFIGURATION IF EXISTS cms_search")
    _run("DROP TEXT SEARCH DICTIONARY IF EXISTS cms_porter")
