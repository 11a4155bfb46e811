"""Loading many articles at once: the search index settings that suit a bulk write.

SQLite's FTS5 keeps new terms in memory and writes them out as a segment whenever
they pass ``hashsize`` (1 MB by default), then keeps merging those small segments:
importing 100,000 articles that way cost three times what indexing them in one go
does. For the length of a bulk load the buffer is made large, and the old setting
put back before the transaction ends. PostgreSQL's GIN indexes likewise collect new
entries in a pending list and fold it into the index each time it passes
``gin_pending_list_limit``; a larger list for this transaction folds it in fewer,
larger passes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.orm import Session

FTS_HASHSIZE = 64 * 1024 * 1024  # bytes of pending terms FTS5 holds before it writes a segment
FTS_DEFAULT_HASHSIZE = 1024 * 1024
GIN_PENDING_LIST = "64MB"


@contextmanager
def bulk_load(session: Session) -> Iterator[None]:
    """Search-index settings for a bulk write in the session's transaction."""
    if session.get_bind().dialect.name != "sqlite":
        session.execute(text(f"SET LOCAL gin_pending_list_limit = '{GIN_PENDING_LIST}'"))
        yield
        return
    before = session.execute(text("SELECT v FROM article_fts_config WHERE k = 'hashsize'")).scalar()
    _set_hashsize(session, FTS_HASHSIZE)
    yield
    # Only on success: when the load fails, the rollback takes the setting back with it.
    _set_hashsize(session, int(before) if before is not None else FTS_DEFAULT_HASHSIZE)


def _set_hashsize(session: Session, size: int) -> None:
    session.execute(
        text("INSERT INTO article_fts(article_fts, rank) VALUES ('hashsize', :size)"), {"size": size}
    )
