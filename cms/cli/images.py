"""Images: add a file with its credit."""

from __future__ import annotations

from pathlib import Path

import typer

from cms.cli.common import console, fail, load_settings
from cms.errors import CMSError

app = typer.Typer(help="Images: add a file with its credit.", no_args_is_help=True)


def _focal_point(value: str | None) -> tuple[float, float] | None:
    if not value:
        return None
    try:
        x, y = (float(part) for part in value.split(","))
    except ValueError:
        raise typer.BadParameter("give the focal point as X,Y fractions, such as 0.3,0.6") from None
    return x, y


@app.command("add")
def image_add(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="The image file."),
    title: str = typer.Option("", help="The work's title (TASL: Title)."),
    alt: str = typer.Option("", help="Text alternative for people who cannot see the image."),
    creator: str = typer.Option("", help="Who made it (TASL: Author); prefilled from XMP dc:creator."),
    creator_url: str = typer.Option("", help="The creator's page."),
    source_name: str = typer.Option("", help='Where it came from, such as "Flickr".'),
    source_url: str = typer.Option("", help="The page it came from (TASL: Source)."),
    license: str = typer.Option(
        "", "--license", help="SPDX code (CC-BY-2.0), Flickr licence id or deed URL; else from XMP."
    ),
    focal_point: str | None = typer.Option(None, help="X,Y in 0..1, the part a crop keeps."),
    modifications: str = typer.Option("", help="Changes made to the original, for the credit."),
) -> None:
    """Check, normalise and store an image with its credit; prints its global id."""
    from cms.db import Database
    from cms.graphql.relay import to_global_id
    from cms.services.images import ImageFields, add_image

    settings = load_settings()
    fields = ImageFields(
        title=title,
        alt=alt,
        creator=creator,
        creator_url=creator_url,
        source_name=source_name,
        source_url=source_url,
        license=license,
        focal_point=_focal_point(focal_point),
        modifications=modifications,
    )
    db = Database.from_settings(settings)
    try:
        with db.write() as session:
            pk = add_image(
                session, data=file.read_bytes(), filename=file.name, fields=fields, settings=settings
            )
    except CMSError as exc:
        raise fail(exc) from None
    finally:
        db.dispose()
    console.print(to_global_id("Image", pk), soft_wrap=True)
