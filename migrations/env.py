"""Alembic environment: the URL and the tables come from the cms package."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection

from cms.db import create_db_engine
from cms.models import metadata
from cms.settings import Settings

# Search structures live outside the ORM metadata (an FTS5 table on SQLite, a
# generated tsvector column on PostgreSQL); the migrations own them.
_UNMODELLED = {
    "article_search",
    "ix_article_search_vector",
    "article_fts",
    "article_fts_data",
    "article_fts_idx",
    "article_fts_docsize",
    "article_fts_config",
    "article_fts_content",
    "search_vector",
    "ix_article_search",
}


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    return name not in _UNMODELLED


def _url() -> str:
    url = context.config.attributes.get("database_url") or context.config.get_main_option("sqlalchemy.url")
    return url or Settings.from_env().database_url


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_db_engine(_url())
    try:
        with engine.connect() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
