"""The published GraphQL schema."""

from __future__ import annotations

from pathlib import Path

import typer

from cms.cli.common import console

app = typer.Typer(help="The published GraphQL schema.", no_args_is_help=True)
SCHEMA_PATH = Path(__file__).resolve().parent.parent.parent / "schema" / "schema.graphql"


@app.command("export")
def schema_export(
    output: Path = typer.Option(SCHEMA_PATH, "--output", "-o", help="Where to write the SDL."),
) -> None:
    """Write the GraphQL schema (SDL) that the code defines."""
    from cms.graphql.schema import sdl

    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(sdl(), encoding="utf-8")
    console.print(f"schema written to {output}")
