"""Partners: sites that syndicate our content."""

from __future__ import annotations

import typer

from cms.cli.common import ADMIN, console, err, fail, load_settings
from cms.errors import CMSError

app = typer.Typer(
    help="Partners: create and list the sites that syndicate our content.", no_args_is_help=True
)


@app.command("create")
def partner_create(
    name: str = typer.Option(..., help="The partner's name."),
    commercial: bool = typer.Option(
        False, "--commercial", help="It uses content commercially (NC images withheld)."
    ),
    sections: str = typer.Option(
        "", help="Section slugs it may take, comma-separated; empty: every section."
    ),
    contact: str = typer.Option("", help="Who to reach at the partner."),
) -> None:
    """Create a partner; prints its global id alone on the last line."""
    from cms.db import Database
    from cms.graphql.relay import to_global_id
    from cms.models import utcnow
    from cms.services import partners

    values = {
        "name": name, "commercial_use": commercial, "contact": contact,
        "section_slugs": [s.strip() for s in sections.split(",") if s.strip()],
    }  # fmt: skip
    db = Database.from_settings(load_settings())
    try:
        with db.write() as session:
            pk = partners.create(session, ADMIN, values, now=utcnow())
    except CMSError as exc:
        raise fail(exc) from None
    finally:
        db.dispose()
    err.print(
        f"partner {name!r} created; give it tokens with `cms token create --role partner --partner ID`:"
    )
    print(to_global_id("Partner", pk))


@app.command("list")
def partner_list() -> None:
    """Every partner with its terms and sections."""
    from rich.table import Table

    from cms.db import Database
    from cms.graphql.relay import to_global_id
    from cms.services import partners
    from cms.services.snapshot import ContentSnapshot

    db = Database.from_settings(load_settings())
    try:
        with db.connect() as conn:
            rows = partners.listing(conn)
            sections = partners.sections_of(conn, [r.id for r in rows])
            names = ContentSnapshot().taxonomy(conn, 0).sections
    finally:
        db.dispose()
    table = Table("id", "name", "commercial", "sections", "contact")
    for row in rows:
        taken = ", ".join(names[s].slug for s in sections[row.id] if s in names) or "all"
        table.add_row(
            to_global_id("Partner", row.id),
            row.name,
            "yes" if row.commercial_use else "no",
            taken,
            row.contact,
        )
    console.print(table)
