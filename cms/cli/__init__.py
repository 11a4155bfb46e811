"""The `cms` command line, one module per command group. Every option also reads its CMS_* variable."""

from __future__ import annotations

import typer

from cms.cli import (
    articles,
    content,
    documents,
    images,
    media,
    partners,
    schema,
    server,
    subscribers,
    tokens,
)

app = typer.Typer(help="A headless CMS for publishers.", no_args_is_help=True, add_completion=False)
app.command()(server.serve)
app.command()(server.migrate)
app.command()(server.worker)
app.command()(content.demo)
app.command("import")(content.import_)
app.command()(content.export)
app.add_typer(schema.app, name="schema")
app.add_typer(tokens.app, name="token")
app.add_typer(articles.app, name="article")
app.add_typer(images.app, name="image")
app.add_typer(partners.app, name="partner")
app.add_typer(media.app, name="media")
app.add_typer(documents.app, name="documents")
app.add_typer(subscribers.app, name="subscribers")


def main() -> None:
    app()


__all__ = ["app", "main"]
