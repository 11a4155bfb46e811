"""API tokens: create, list, revoke."""

from __future__ import annotations

import typer

from cms.cli.common import ADMIN, console, err, fail, load_settings
from cms.errors import CMSError

app = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)


@app.command("create")
def token_create(
    role: str = typer.Option(..., help="author, editor, admin, partner or metrics (reads /metrics only)."),
    name: str = typer.Option(..., help="Who or what uses it, to recognise it later."),
    expires_in_days: int | None = typer.Option(None, help="Stop working after this many days."),
    partner: str | None = typer.Option(
        None, help="For --role partner: the partner's id (`cms partner list`)."
    ),
) -> None:
    """Create a token; it is printed once, alone on the last line, and never stored."""
    from datetime import timedelta

    from cms.db import Database
    from cms.graphql.relay import expect_global_id
    from cms.models import utcnow
    from cms.services import audit, tokens

    partner_id = None
    try:
        if partner is not None:
            partner_id = (
                int(partner)
                if partner.isdigit()
                else expect_global_id(partner, "Partner", argument="--partner")
            )
    except CMSError as exc:
        raise fail(exc) from None
    db = Database.from_settings(load_settings())
    expires = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    try:
        with db.write() as session:
            token_id, token = tokens.create(
                session, name=name, role=role, expires_at=expires, partner_id=partner_id
            )
            audit.record(session, ADMIN, "token.create", entity="token", entity_id=token_id, role=role)
    except CMSError as exc:
        raise fail(exc) from None
    finally:
        db.dispose()
    err.print(f"token {token_id} ({role}) created; copy it now, it will not be shown again:")
    print(token)


@app.command("list")
def token_list() -> None:
    """Every token with its role, when it was last used and whether it still works."""
    from rich.table import Table

    from cms.db import Database
    from cms.models import utcnow
    from cms.services import tokens

    db = Database.from_settings(load_settings())
    try:
        with db.connect() as conn:
            rows = tokens.listing(conn)
    finally:
        db.dispose()
    table = Table("id", "name", "role", "starts with", "created", "last used", "state")
    now = utcnow()
    for row in rows:
        if row.revoked_at is not None:
            state = "revoked"
        elif row.expires_at is not None and row.expires_at <= now:
            state = "expired"
        else:
            state = "active"
        last = row.last_used_at.strftime("%Y-%m-%d %H:%M") if row.last_used_at else "never"
        table.add_row(
            str(row.id),
            row.name,
            row.role,
            row.prefix + "…",
            row.created_at.strftime("%Y-%m-%d"),
            last,
            state,
        )
    console.print(table)


@app.command("revoke")
def token_revoke(token_id: int = typer.Argument(..., help="The id shown by `cms token list`.")) -> None:
    """Revoke a token; it stops working with the next request."""
    from cms.db import Database
    from cms.services import audit, tokens

    db = Database.from_settings(load_settings())
    try:
        with db.write() as session:
            tokens.revoke(session, token_id=token_id)
            audit.record(session, ADMIN, "token.revoke", entity="token", entity_id=token_id)
    except CMSError as exc:
        raise fail(exc) from None
    finally:
        db.dispose()
    console.print(f"token {token_id} revoked")
