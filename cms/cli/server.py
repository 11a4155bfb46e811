"""Serving and migrating."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from cms.cli.common import console, err, load_settings, safe_url


def serve(
    host: str = typer.Option("127.0.0.1", envvar="CMS_HOST", show_default=True),
    port: int = typer.Option(8000, envvar="CMS_PORT", show_default=True),
    reload: bool = typer.Option(False, help="Restart when code changes (development)."),
    workers: int = typer.Option(1, envvar="CMS_WORKERS", show_default=True, help="Worker processes."),
) -> None:
    """Serve the GraphQL API, media and the admin page."""
    import os
    import secrets

    import uvicorn

    from cms.observability.logs import log_config
    from cms.web.serving import uvicorn_options

    settings = load_settings()  # fail early, with a readable message, on bad settings
    if not os.environ.get("CMS_PUBLIC_URL"):
        # Media, feed and API links name this server; say where it answers.
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        os.environ["CMS_PUBLIC_URL"] = f"http://{f'[{shown}]' if ':' in shown else shown}:{port}"
    if settings.secret_key_source == "random":
        # One machine: keep a key beside the database, so rendition URLs and preview links survive
        # restarts. Several nodes must share CMS_SECRET_KEY instead (/readyz says so otherwise).
        path = settings.secret_key_file
        path.write_text(secrets.token_urlsafe(32) + "\n", encoding="utf-8")
        path.chmod(0o600)
        err.print(
            f"[yellow]note:[/yellow] `CMS_SECRET_KEY` is not set; created {path} with a new key for this "
            "machine (git-ignored). In production set `CMS_SECRET_KEY`, the same on every node."
        )
    os.environ["CMS_WORKERS"] = str(workers)  # each worker process knows it is one of several
    with metrics_directory(workers):
        uvicorn.run(
            "cms.app:create_app",
            factory=True,
            host=host,
            port=port,
            reload=reload,
            workers=None if reload else workers,
            access_log=False,  # the app logs requests itself when CMS_ACCESS_LOG is on
            log_config=log_config(settings),
            log_level=settings.log_level,
            **uvicorn_options(settings),
        )


@contextmanager
def metrics_directory(workers: int) -> Iterator[None]:
    """Several workers count into files in one folder, so /metrics adds up all of them
    (prometheus-client's multiprocess mode). An operator's PROMETHEUS_MULTIPROC_DIR is used as
    it is (clear it at boot; `cms worker` may share it); else a fresh one lives as long as this."""
    import os
    import shutil
    import tempfile

    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        os.makedirs(given, exist_ok=True)
        yield
        return
    if workers <= 1:
        yield
        return
    folder = tempfile.mkdtemp(prefix="cms-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder  # read by each worker's prometheus-client at import
    try:
        yield
    finally:
        del os.environ["PROMETHEUS_MULTIPROC_DIR"]
        shutil.rmtree(folder, ignore_errors=True)


def migrate() -> None:
    """Bring the database schema up to date (Alembic migrations)."""
    from cms.migrate import current, head, upgrade

    settings = load_settings()
    where = f"[bold]{safe_url(settings.database_url)}[/bold]"
    before, target = current(settings.database_url), head()
    if before == target:
        console.print(f"database at {where} is already up to date (at `{target}`)")
        return
    upgrade(settings.database_url)
    start = f"`{before}`" if before else "an empty database"
    console.print(f"database at {where} migrated from {start} to `{target}`")


def worker() -> None:
    """Deliver webhooks and mail and keep the clock, apart from `cms serve` (run with CMS_WORKER=off)."""
    import asyncio
    import logging.config
    import signal

    from cms.db import Database
    from cms.observability.logs import log_config
    from cms.worker import Worker

    settings = load_settings()
    logging.config.dictConfig(log_config(settings))
    db = Database.from_settings(settings)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await Worker(settings, db).run(stop)

    console.print(f"worker delivering from [bold]{safe_url(settings.database_url)}[/bold]; Ctrl-C stops it")
    try:
        asyncio.run(main())
    finally:
        db.dispose()
