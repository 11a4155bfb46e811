"""SQL statements per request: an SQLAlchemy listener that counts into the request being served."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event

from cms.observability import requests


def _count(*_args: Any) -> None:
    served = requests.current()
    if served is not None:
        served.statements += 1


def count_statements(engine: Engine) -> None:
    """Count every statement ``engine`` sends (pool pre-pings and PostgreSQL's implicit BEGIN
    are not statements SQLAlchemy sends, so they are not counted; SQLite's explicit BEGIN is)."""
    if not event.contains(engine, "before_cursor_execute", _count):
        event.listen(engine, "before_cursor_execute", _count)
