"""Content in and out: demo content, corpus import and export."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from cms.cli.common import console, err, fail, load_settings
from cms.errors import CMSError


def demo(force: bool = typer.Option(False, help="Load even if the database already has articles.")) -> None:
    """Load a small demo publication: sections, authors, articles, and pictures with varied licences."""
    from cms.db import Database
    from cms.models import Article
    from cms.services.demo import load_demo

    settings = load_settings()
    db = Database.from_settings(settings)
    try:
        with db.connect() as conn:
            existing = conn.execute(select(func.count()).select_from(Article.__table__)).scalar_one()  # type: ignore[attr-defined]
        if existing and not force:
            console.print(
                f"the database already has {existing} articles; demo content not loaded (--force loads it)"
            )
            return
        with db.write() as session:
            report = load_demo(session, settings=settings)
        created = report.articles.created.get("article", 0)
        console.print(
            f"demo content loaded: {created} new articles, {report.images_added} new images "
            f"(files under {escape(str(settings.media_root))})"
        )
    except CMSError as exc:
        raise fail(exc) from None
    finally:
        db.dispose()


def import_(
    path: Path = typer.Argument(..., help="Corpus folder of JSON Lines files."),
    source: str = typer.Option("corpus", help="Name of the source; images are matched by source and id."),
) -> None:
    """Import a JSON Lines corpus; re-running updates instead of duplicating."""
    from cms.db import Database
    from cms.services.corpus import count_lines, read
    from cms.services.importer import import_corpus

    settings = load_settings()
    started = time.perf_counter()
    try:
        corpus = read(path)
    except CMSError as exc:
        raise fail(exc) from None
    totals = {
        "section": len(corpus.sections),
        "category": len(corpus.categories),
        "author": len(corpus.authors),
        "image": len(corpus.images),
        "article": count_lines(path / "articles.jsonl"),
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
        raise fail(exc) from None
    except SQLAlchemyError as exc:
        # Checks run before writing, so this is rare (a full disk, a lost connection);
        # the transaction has rolled back and nothing was imported.
        reason = getattr(exc, "orig", None) or exc
        err.print(
            f"[red]error:[/red] the database refused the import, nothing was written: {escape(str(reason))}"
        )
        raise typer.Exit(1) from None
    finally:
        db.dispose()
    elapsed = time.perf_counter() - started
    for name in totals:
        console.print(
            f"{name:<9} {report.created.get(name, 0):>7} created {report.updated.get(name, 0):>7} updated"
        )
    console.print(f"imported in {elapsed:.1f} s")


def export(path: Path = typer.Argument(..., help="Folder to write the JSON Lines files into.")) -> None:
    """Export all content in the corpus format that `cms import` reads."""
    from cms.db import Database
    from cms.services.exporter import export_corpus

    db = Database.from_settings(load_settings())
    try:
        with db.connect() as conn:
            counts = export_corpus(conn, path)
    finally:
        db.dispose()
    console.print(", ".join(f"{n} {name}" for name, n in counts.items()) + f" written to {path}")
