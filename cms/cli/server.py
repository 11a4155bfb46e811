"""Serving and migrating."""

from __future__ import annotations

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

    from cms.web.serving import uvicorn_options

    settings = load_settings()  # fail early, with a readable message, on bad settings
    if not os.environ.get("CMS_SECRET_KEY"):
        # Every worker must sign media URLs and preview links with the same key: make
        # one for this run and hand it to all of them. It changes at the next start.
        os.environ["CMS_SECRET_KEY"] = secrets.token_urlsafe(32)
        err.print(
            "[yellow]warning:[/yellow] CMS_SECRET_KEY is not set; signed media URLs and preview links "
            "stop working when the server restarts. Set it in production."
        )
    uvicorn.run(
        "cms.app:create_app",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        workers=None if reload else workers,
        access_log=False,
        log_level="info",
        **uvicorn_options(settings),
    )


def migrate() -> None:
    """Bring the database schema up to date (Alembic migrations)."""
    from cms.migrate import upgrade

    settings = load_settings()
    upgrade(settings.database_url)
    console.print(f"database at [bold]{safe_url(settings.database_url)}[/bold] is up to date")
