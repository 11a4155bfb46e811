"""PostgreSQL: one function computes an article's search row; an import may supply the rows instead.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

``cms_search_row(title, summary, body)`` is migration 0008's rule (vector, head and
token count) as one function, used by the trigger, by an import for the articles
it cannot compute itself, and by its check that its own computation agrees
(cms/search/vectors.py). The trigger stands aside when the transaction says
``SET LOCAL cms.search_rows = 'supplied'``: a bulk import then writes the rows it
computed in Python, in its helper process, instead of the server computing them
on one core. The setting is a custom one, so any role may set it, and LOCAL, so it
ends with the import's transaction.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The fields one position apart, as in 0008 (the "|" lexeme is never produced from text).
_GAP = "'''|'':1'::tsvector"
_WORDS = "coalesce(array_length(string_to_array(trim({x}), ' '), 1), 0)"

_ROW = (
    "CREATE OR REPLACE FUNCTION cms_search_row(title text, summary text, body text, "
    "OUT vector tsvector, OUT head tsvector, OUT tokens integer) "
    "LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$ "
    "DECLARE t text := cms_search_text(coalesce(title, '')); "
    "s text := cms_search_text(coalesce(summary, '')); "
    "b text := cms_search_text(coalesce(body, '')); BEGIN "
    f"head := setweight(to_tsvector('cms_search', t), 'A') || {_GAP} || "
    "setweight(to_tsvector('cms_search', s), 'B'); "
    f"vector := head || {_GAP} || setweight(to_tsvector('cms_search', b), 'C'); "
    f"tokens := {' + '.join(_WORDS.format(x=x) for x in 'tsb')}; END $$"
)
_UPSERT = (
    "INSERT INTO article_search (article_id, vector, head, tokens) "
    "SELECT NEW.id, r.vector, r.head, r.tokens FROM cms_search_row(NEW.title, NEW.summary, NEW.body_text) r "
    "ON CONFLICT (article_id) DO UPDATE SET vector = EXCLUDED.vector, head = EXCLUDED.head, "
    "tokens = EXCLUDED.tokens"
)
_SYNC = (
    "CREATE OR REPLACE FUNCTION cms_article_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF current_setting('cms.search_rows', true) = 'supplied' THEN RETURN NULL; END IF; "
    f"{_UPSERT}; RETURN NULL; END $$"
)
# What 0008's trigger did (downgrade keeps cms_search_row: the same rule).
_SYNC_ALWAYS = (
    "CREATE OR REPLACE FUNCTION cms_article_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"{_UPSERT}; RETURN NULL; END $$"
)


def _run(sql: str) -> None:
    op.get_bind().exec_driver_sql(sql)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    _run(_ROW)
    _run(_SYNC)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    _run(_SYNC_ALWAYS)
