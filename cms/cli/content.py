"""Content in and out: demo content, corpus import and export."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from cms.cli.common import console, err, fail, load_settings
from cms.errors import CMSError

#: Articles from which an import sanitises bodies in a helper process (starting one takes a second).
HELPER_FROM = 5_000


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
    path: Path = typer.Argument(
        ..., help="Corpus folder of JSON Lines files, or a backup from `cms export`."
    ),
    source: str = typer.Option("corpus", help="Name of the source; images are matched by source and id."),
) -> None:
    """Import a JSON Lines corpus (re-running updates instead of duplicating), or restore a backup."""
    from cms.services.backup import is_backup

    if is_backup(path):
        restore(path)
        return
    _import_corpus(path, source)


def _import_corpus(path: Path, source: str) -> None:
    from cms.db import Database
    from cms.services.corpus import read
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
        "article": corpus.articles_hint,
    }
    db = Database.from_settings(settings)
    columns = (TextColumn("{task.description:<9}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        # Two redraws a second: at rich's default ten, drawing the bars cost the import 7 % of its time.
        with Progress(*columns, console=err, transient=False, refresh_per_second=2) as progress:
            tasks = {name: progress.add_task(name, total=total) for name, total in totals.items()}
            with db.write() as session:
                report = import_corpus(
                    session,
                    corpus,
                    source=source,
                    progress=lambda stage, n: progress.advance(tasks[stage], n),
                    helper_process=totals["article"] >= HELPER_FROM,
                )
        db.analyze()
    except CMSError as exc:
        raise fail(exc) from None
    except SQLAlchemyError as exc:
        raise _refused(exc) from None
    finally:
        db.dispose()
    elapsed = time.perf_counter() - started
    for name in totals:
        console.print(
            f"{name:<9} {report.created.get(name, 0):>7} created {report.updated.get(name, 0):>7} updated"
        )
    console.print(f"imported in {elapsed:.1f} s")


def _refused(exc: SQLAlchemyError) -> typer.Exit:
    # Checks run before writing, so this is rare (a full disk, a lost connection);
    # the transaction has rolled back and nothing was imported.
    reason = getattr(exc, "orig", None) or exc
    err.print(
        f"[red]error:[/red] the database refused the import, nothing was written: {escape(str(reason))}"
    )
    return typer.Exit(1)


def restore(path: Path = typer.Argument(..., help="A backup folder written by `cms export`.")) -> None:
    """Restore a backup into an empty database: content, history, images, partners, tokens, webhooks."""
    from cms.db import Database
    from cms.services.images import storage_for
    from cms.services.restore import restore_backup

    settings = load_settings()
    started = time.perf_counter()
    db = Database.from_settings(settings)
    try:
        with db.write() as session:
            counts = restore_backup(session, path, storage=storage_for(settings))
        db.analyze()
    except CMSError as exc:
        raise fail(exc) from None
    except SQLAlchemyError as exc:
        raise _refused(exc) from None
    finally:
        db.dispose()
    for name, count in counts.items():
        console.print(f"{name:<16} {count:>8} restored")
    console.print(f"restored in {time.perf_counter() - started:.1f} s")


def export(
    path: Path = typer.Argument(..., help="Folder to write into (new, or empty)."),
    format_: str = typer.Option(
        "backup",
        "--format",
        help="`backup`: everything, images included, for `cms import`/`cms restore`; "
        "`corpus`: the plain JSON Lines corpus (content only, no files).",
    ),
) -> None:
    """Back up everything (or, with --format corpus, write the content as a corpus)."""
    from cms.db import Database
    from cms.services.backup import export_backup
    from cms.services.exporter import export_corpus
    from cms.services.images import storage_for

    if format_ not in ("backup", "corpus"):
        err.print(f'[red]error:[/red] `--format` must be "backup" or "corpus", not {escape(repr(format_))}')
        raise typer.Exit(2)
    settings = load_settings()
    db = Database.from_settings(settings)
    try:
        # One snapshot for the whole export: REPEATABLE READ on PostgreSQL (SQLite's read
        # transaction is one already), so no write made meanwhile shows in half the files.
        with db.connect() as conn:
            if not db.is_sqlite:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            if format_ == "corpus":
                counts = export_corpus(conn, path)
            else:
                counts = export_backup(conn, path, storage=storage_for(settings), schema=_schema(conn))
    except CMSError as exc:
        raise fail(exc) from None
    finally:
        db.dispose()
    console.print(", ".join(f"{n} {name}" for name, n in counts.items()) + f" written to {path}")


def _schema(conn: Any) -> str | None:
    from sqlalchemy import text

    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()  # type: ignore[no-any-return]
