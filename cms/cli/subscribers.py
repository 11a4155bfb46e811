"""Subscribers: counts, CSV export, one address's data, suppression and deletion on request.

The command line acts as an admin (whoever runs it has the database) and is audited like the API.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from cms.cli.common import ADMIN, console, err, fail, load_settings
from cms.errors import CMSError

app = typer.Typer(
    help="Mailing-list subscribers: counts, export, suppression, deletion on request.", no_args_is_help=True
)


@app.command("lists")
def subscriber_lists() -> None:
    """Every mailing list with its mode and subscriber counts."""
    from rich.table import Table

    from cms.db import Database
    from cms.services import audience

    db = Database.from_settings(load_settings())
    try:
        with db.connect() as conn:
            counted = audience.counts(conn, ADMIN)
    finally:
        db.dispose()
    table = Table("list", "name", "mode", "subscribers", "pending", "unsubscribed")
    for c in counted:
        table.add_row(
            c.list.slug, c.list.name, c.list.mode, str(c.active), str(c.pending), str(c.unsubscribed)
        )
    console.print(table)


@app.command("export")
def subscriber_export(
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the CSV here (default: stdout)."),
    list_slug: str | None = typer.Option(None, "--list", help="Only this list's active subscribers."),
) -> None:
    """Every subscriber as CSV (email, status, lists, consent time and source, confirmation)."""
    from cms.db import Database
    from cms.models import utcnow
    from cms.services import audience

    db = Database.from_settings(load_settings())
    try:
        with db.write() as session:
            lines = list(audience.export_csv(session, ADMIN, list_slug=list_slug, now=utcnow()))
    except CMSError as exc:
        raise fail(exc) from None
    finally:
        db.dispose()
    if output is None:
        sys.stdout.write("".join(lines))
    else:
        output.write_text("".join(lines), encoding="utf-8")
        err.print(f"{len(lines) - 1} subscribers written to {output}")


@app.command("show")
def subscriber_show(email: str = typer.Argument(..., help="The address.")) -> None:
    """Everything stored about one address, as JSON (a data access request)."""
    from cms.db import Database
    from cms.services import audience

    db = Database.from_settings(load_settings())
    try:
        with db.connect() as conn:
            data = audience.data_of(conn, ADMIN, email)
        with db.write() as session:
            audience.audit_access(session, ADMIN, data is not None)
    except CMSError as exc:
        raise fail(exc) from None
    finally:
        db.dispose()
    if data is None:
        err.print("nothing is stored about this address")
        raise typer.Exit(1)
    print(json.dumps(data, indent=2, ensure_ascii=False))


@app.command("delete")
def subscriber_delete(email: str = typer.Argument(..., help="The address to forget.")) -> None:
    """Forget an address on its owner's request: subscriber, lists, sent-mail record, suppression."""
    from cms.db import Database
    from cms.services import audience

    db = Database.from_settings(load_settings())
    try:
        with db.write() as session:
            audience.delete_address(session, ADMIN, email)
    except CMSError as exc:
        raise fail(exc) from None
    finally:
        db.dispose()
    console.print("deleted: nothing about this address is kept")


@app.command("suppress")
def subscriber_suppress(
    email: str = typer.Argument(..., help="The address never to mail."),
    reason: str = typer.Option("bounce", help="bounce, complaint or manual."),
    note: str = typer.Option("", help="Anything worth keeping beside it."),
) -> None:
    """Never mail an address again (a bounce or complaint your mail provider reported)."""
    from cms.db import Database
    from cms.models import utcnow
    from cms.services import audience

    db = Database.from_settings(load_settings())
    try:
        with db.write() as session:
            added = audience.suppress(session, ADMIN, email, reason=reason, note=note, now=utcnow())
    except CMSError as exc:
        raise fail(exc) from None
    finally:
        db.dispose()
    console.print("suppressed" if added else "already suppressed")
