"""What every command shares: settings, consoles, error exits, the API client."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from cms.errors import CMSError
from cms.models import Role
from cms.services.tokens import Caller
from cms.settings import Settings

console = Console()
err = Console(stderr=True)
API_URL = typer.Option("http://127.0.0.1:8000", "--url", envvar="CMS_API_URL", help="The running CMS.")
#: Who the command line acts as: whoever can run it has the database, so an admin.
ADMIN = Caller(token_id=None, name="cli", role=Role.ADMIN)
API_TOKEN = typer.Option(..., "--token", envvar="CMS_TOKEN", help="An API token (see `cms token create`).")


def load_settings() -> Settings:
    try:
        return Settings.from_env()
    except CMSError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None


def fail(exc: CMSError) -> typer.Exit:
    # Messages are text, not markup: "[x, y]" must not be taken for a style.
    err.print(f"[red]error:[/red] {escape(str(exc))}")
    return typer.Exit(1)


def api(url: str, token: str, query: str, variables: dict[str, object] | None = None) -> dict[str, Any]:
    """One GraphQL request; GraphQL errors end the command with their message and code."""
    import json
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        url.rstrip("/") + "/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        body = json.loads(exc.read() or b"{}")
    except (urllib.error.URLError, OSError) as exc:
        err.print(f"[red]error:[/red] cannot reach the CMS at {escape(url)}: {escape(str(exc))}")
        raise typer.Exit(1) from None
    if body.get("errors"):
        for error in body["errors"]:
            code = error.get("extensions", {}).get("code")
            err.print(f"[red]error:[/red] {escape(str(error['message']))} ({code})")
        raise typer.Exit(1)
    return body["data"]  # type: ignore[no-any-return]


def safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
