"""Trusted documents: register the operations a frontend sends, for trusted-documents mode."""

from __future__ import annotations

from pathlib import Path

import typer

from cms.cli.common import ADMIN, console, err, fail, load_settings
from cms.errors import CMSError, Problem, Refused

app = typer.Typer(
    help="Trusted documents: the GraphQL documents callers without a token may run when "
    "CMS_TRUSTED_DOCUMENTS is on.",
    no_args_is_help=True,
)


def _checked(text: str, source: str) -> None:
    from graphql import GraphQLError, parse, validate

    from cms.graphql.schema import build_schema

    try:
        problems = validate(build_schema(load_settings())._schema, parse(text))
    except GraphQLError as exc:
        problems = [exc]
    if problems:
        raise Refused(Problem("query", f"{source}: {problems[0].message}", "INVALID"))


@app.command("register")
def register(
    files: list[Path] = typer.Argument(
        ..., help="Files each holding one document, exactly as clients send it."
    ),
    partner: str = typer.Option("", help="Global ID of the only partner that may run them; empty: everyone."),
) -> None:
    """Register documents; prints each one's SHA-256 (what clients send as the hash)."""
    from cms.db import Database
    from cms.graphql import persisted
    from cms.graphql.relay import expect_global_id

    db = Database.from_settings(load_settings())
    try:
        owner = expect_global_id(partner, "Partner") if partner else None
        texts = []
        for path in files:
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise Refused(Problem("file", f"cannot read `{path}`: {exc}", "INVALID")) from None
            _checked(text, str(path))
            texts.append((path, text))
        with db.write() as session:
            digests = [
                (path, persisted.register(session, ADMIN, text, name=path.stem, partner_id=owner))
                for path, text in texts
            ]
    except CMSError as exc:
        raise fail(exc) from None
    finally:
        db.dispose()
    for path, digest in digests:
        err.print(f"registered `{path}`:")
        print(digest)


@app.command("list")
def listing() -> None:
    """Every registered document: hash, name, owner."""
    from rich.table import Table

    from cms.db import Database
    from cms.graphql import persisted
    from cms.graphql.relay import to_global_id

    db = Database.from_settings(load_settings())
    try:
        with db.connect() as conn:
            rows = persisted.listing(conn)
    finally:
        db.dispose()
    table = Table("sha256", "name", "partner", "registered")
    for row in rows:
        owner = to_global_id("Partner", row.partner_id) if row.partner_id is not None else "everyone"
        table.add_row(row.sha256, row.name, owner, row.created_at.isoformat(timespec="seconds"))
    console.print(table)


@app.command("remove")
def remove(
    sha256: str = typer.Argument(..., help="The document's SHA-256, as `cms documents list` shows it."),
) -> None:
    """Unregister a document (nodes stop trusting it within a minute)."""
    from cms.db import Database
    from cms.graphql import persisted

    db = Database.from_settings(load_settings())
    try:
        with db.write() as session:
            if not persisted.unregister(session, ADMIN, sha256):
                raise Refused(
                    Problem("sha256", f"no registered document has the hash {sha256!r}", "NOT_FOUND")
                )
    except CMSError as exc:
        raise fail(exc) from None
    finally:
        db.dispose()
    err.print(f"unregistered {sha256}")
