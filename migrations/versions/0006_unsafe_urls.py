"""Clear links that are not http(s) (or mailto: for a creator) from what is already stored.

javascript:, data:, vbscript: and file: URLs in image credits or canonical URLs would make every
frontend that renders them as <a href> an XSS sink. New input is refused; this clears what older
versions accepted, and leaves an audit-log entry with the old value for each field it clears.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:40:00
"""

import json
import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CONTROL = re.compile(r"[\x00-\x20\x7f]")
_FIELDS = (("image", "creator_url", True), ("image", "source_url", False), ("article", "canonical_url", False))


def _safe(url: str, mailto: bool) -> bool:
    url = url.strip()
    if not url:
        return True
    if _CONTROL.search(url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if mailto and parts.scheme.lower() == "mailto":
        return "@" in parts.path
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def upgrade() -> None:
    bind = op.get_bind()
    now = datetime.now(UTC)
    stamp = now.replace(tzinfo=None) if bind.dialect.name == "sqlite" else now
    cleared = 0
    for table, column, mailto in _FIELDS:
        rows = bind.execute(sa.text(f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL AND {column} <> ''"))
        for pk, value in list(rows):
            if _safe(value, mailto):
                continue
            empty = None if table == "article" else ""
            bind.execute(sa.text(f"UPDATE {table} SET {column} = :empty WHERE id = :pk"), {"empty": empty, "pk": pk})
            bind.execute(
                sa.text(
                    "INSERT INTO audit_log (at, actor, role, action, entity, entity_id, detail) "
                    "VALUES (:at, 'migration 0006', '', 'cleanup.unsafe_url', :entity, :pk, :detail)"
                ),
                {"at": stamp, "entity": table, "pk": pk, "detail": json.dumps({"field": column, "was": value[:500]})},
            )
            cleared += 1
    if cleared:
        logging.getLogger("alembic.runtime.migration").warning(
            "cleared %d unsafe link(s) from image credits and canonical URLs; see the audit log", cleared
        )


def downgrade() -> None:
    pass  # the old values are in the audit log; they are not put back
