"""The `cms` command line. Every option also reads its CMS_* environment variable."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from cms.errors import CMSError
from cms.settings import Settings

app = typer.Typer(help="A headless CMS for publishers.", no_args_is_help=True, add_completion=False)
schema_app = typer.Typer(help="The published GraphQL schema.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")
console = Console()
err = Console(stderr=True)

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except CMSError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None


def _fail(exc: CMSError) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc}")
    return typer.Exit(1)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", envvar="CMS_HOST", show_default=True),
    port: int = typer.Option(8000, envvar="CMS_PORT", show_default=True),
    reload: bool = typer.Option(False, help="Restart when code changes (development)."),
    workers: int = typer.Option(1, envvar="CMS_WORKERS", show_default=True, help="Worker processes."),
) -> None:
    """Serve the GraphQL API, media and feeds."""
    import uvicorn

    _settings()  # fail early, with a readable message, on bad settings
    uvicorn.run(
        "cms.app:create_app",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        workers=None if reload else workers,
        access_log=False,
        log_level="info",
    )


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (Alembic migrations)."""
    from cms.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    console.print(f"database at [bold]{_safe_url(settings.database_url)}[/bold] is up to date")


@app.command()
def demo(force: bool = typer.Option(False, help="Load even if the database already has articles.")) -> None:
    """Load a small demo publication (sections, authors, images with varied licences, articles)."""
    from cms.db import Database
    from cms.models import Article
    from cms.services.corpus import validate
    from cms.services.demo import demo_corpus
    from cms.services.importer import import_corpus

    settings = _settings()
    db = Database.from_settings(settings)
    try:
        with db.connect() as conn:
            existing = conn.execute(select(func.count()).select_from(Article.__table__)).scalar_one()  # type: ignore[attr-defined]
        if existing and not force:
            console.print(
                f"the database already has {existing} articles; demo content not loaded (--force loads it)"
            )
            return
        corpus = demo_corpus()
        validate(corpus)
        with db.write() as session:
            report = import_corpus(session, corpus, source="demo")
        console.print(f"demo content loaded: {report.created.get('article', 0)} new articles")
    except CMSError as exc:
        raise _fail(exc) from None
    finally:
        db.dispose()


@app.command("import")
def import_(
    path: Path = typer.Argument(..., help="Corpus folder of JSON Lines files."),
    source: str = typer.Option("corpus", help="Name of the source; images are matched by source and id."),
) -> None:
    """Import a JSON Lines corpus; re-running updates instead of duplicating."""
    from cms.db import Database
    from cms.services.corpus import read
    from cms.services.importer import import_corpus

    settings = _settings()
    started = time.perf_counter()
    try:
        corpus = read(path)
    except CMSError as exc:
        raise _fail(exc) from None
    totals = {
        "section": len(corpus.sections),
        "category": len(corpus.categories),
        "author": len(corpus.authors),
        "image": len(corpus.images),
        "article": len(corpus.articles),
    }
    db = Database.from_settings(settings)
    columns = (TextColumn("{task.description:<9}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=err, transient=False) as progress:
            tasks = {name: progress.add_task(name, total=total) for name, total in totals.items()}
            with db.write() as session:
                report = import_corpus(
                    session,
                    corpus,
                    source=source,
                    progress=lambda stage, n: progress.advance(tasks[stage], n),
                )
        db.analyze()
    except CMSError as exc:
        raise _fail(exc) from None
    except SQLAlchemyError as exc:
        # Checks run before writing, so this is rare (a full disk, a lost connection);
        # the transaction has rolled back and nothing was imported.
        reason = getattr(exc, "orig", None) or exc
        err.print(f"[red]error:[/red] the database refused the import, nothing was written: {reason}")
        raise typer.Exit(1) from None
    finally:
        db.dispose()
    elapsed = time.perf_counter() - started
    for name in totals:
        console.print(
            f"{name:<9} {report.created.get(name, 0):>7} created {report.updated.get(name, 0):>7} updated"
        )
    console.print(f"imported in {elapsed:.1f} s")


@app.command()
def export(path: Path = typer.Argument(..., help="Folder to write the JSON Lines files into.")) -> None:
    """Export all content in the corpus format that `cms import` reads."""
    from cms.db import Database
    from cms.services.exporter import export_corpus

    db = Database.from_settings(_settings())
    try:
        with db.connect() as conn:
            counts = export_corpus(conn, path)
    finally:
        db.dispose()
    console.print(", ".join(f"{n} {name}" for name, n in counts.items()) + f" written to {path}")


@schema_app.command("export")
def schema_export(
    output: Path = typer.Option(SCHEMA_PATH, "--output", "-o", help="Where to write the SDL."),
) -> None:
    """Write the GraphQL schema (SDL) that the code defines."""
    from cms.graphql.schema import sdl

    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(sdl(), encoding="utf-8")
    console.print(f"schema written to {output}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main() -> None:
    app()
