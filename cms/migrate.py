"""Schema changes, only through the Alembic migrations in ``migrations/``."""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    if not MIGRATIONS.is_dir():
        raise RuntimeError(
            f"migrations folder not found at {MIGRATIONS}; install the cms package in editable mode"
        )
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def current(database_url: str) -> str | None:
    """The revision the database is at, or None for a database no migration has touched."""
    from alembic.runtime.migration import MigrationContext

    from cms.db import create_db_engine

    engine = create_db_engine(database_url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head() -> str:
    """The newest revision the code knows."""
    from alembic.script import ScriptDirectory

    found = ScriptDirectory.from_config(alembic_config("")).get_current_head()
    if found is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS}")
    return found


def check(database_url: str) -> None:
    """Raise if the tables in the code differ from what the migrations build."""
    command.check(alembic_config(database_url))


def revision(database_url: str, message: str, rev_id: str | None = None) -> None:
    command.revision(alembic_config(database_url), message=message, autogenerate=True, rev_id=rev_id)


@functools.cache
def head_revisions() -> frozenset[str]:
    """The revisions the migrations in this code end at (one, unless branches are unmerged)."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(alembic_config("")).get_heads())
