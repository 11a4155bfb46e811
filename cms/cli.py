"""The `cms` command line. Every option also reads its CMS_* environment variable."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

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
token_app = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)
app.add_typer(token_app, name="token")
article_app = typer.Typer(
    help="Articles, through the GraphQL API of a running server (so the token's role applies).",
    no_args_is_help=True,
)
app.add_typer(article_app, name="article")
API_URL = typer.Option("http://127.0.0.1:8000", "--url", envvar="CMS_API_URL", help="The running CMS.")
API_TOKEN = typer.Option(..., "--token", envvar="CMS_TOKEN", help="An API token (see `cms token create`).")
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
    """Serve the GraphQL API, media and the admin page."""
    import os
    import secrets

    import uvicorn

    _settings()  # fail early, with a readable message, on bad settings
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


@token_app.command("create")
def token_create(
    role: str = typer.Option(..., help="author, editor, admin or partner."),
    name: str = typer.Option(..., help="Who or what uses it, to recognise it later."),
    expires_in_days: int | None = typer.Option(None, help="Stop working after this many days."),
) -> None:
    """Create a token; it is printed once, alone on the last line, and never stored."""
    from datetime import timedelta

    from cms.db import Database
    from cms.models import utcnow
    from cms.services import tokens

    db = Database.from_settings(_settings())
    expires = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    try:
        with db.write() as session:
            token_id, token = tokens.create(session, name=name, role=role, expires_at=expires)
    except CMSError as exc:
        raise _fail(exc) from None
    finally:
        db.dispose()
    err.print(f"token {token_id} ({role}) created; copy it now, it will not be shown again:")
    print(token)


@token_app.command("list")
def token_list() -> None:
    """Every token with its role, when it was last used and whether it still works."""
    from rich.table import Table

    from cms.db import Database
    from cms.models import utcnow
    from cms.services import tokens

    db = Database.from_settings(_settings())
    try:
        with db.connect() as conn:
            rows = tokens.listing(conn)
    finally:
        db.dispose()
    table = Table("id", "name", "role", "starts with", "created", "last used", "state")
    now = utcnow()
    for row in rows:
        if row.revoked_at is not None:
            state = "revoked"
        elif row.expires_at is not None and row.expires_at <= now:
            state = "expired"
        else:
            state = "active"
        last = row.last_used_at.strftime("%Y-%m-%d %H:%M") if row.last_used_at else "never"
        table.add_row(
            str(row.id),
            row.name,
            row.role,
            row.prefix + "…",
            row.created_at.strftime("%Y-%m-%d"),
            last,
            state,
        )
    console.print(table)


@token_app.command("revoke")
def token_revoke(token_id: int = typer.Argument(..., help="The id shown by `cms token list`.")) -> None:
    """Revoke a token; it stops working with the next request."""
    from cms.db import Database
    from cms.services import tokens

    db = Database.from_settings(_settings())
    try:
        with db.write() as session:
            tokens.revoke(session, token_id=token_id)
    except CMSError as exc:
        raise _fail(exc) from None
    finally:
        db.dispose()
    console.print(f"token {token_id} revoked")


def _api(url: str, token: str, query: str, variables: dict[str, object] | None = None) -> dict[str, Any]:
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
        err.print(f"[red]error:[/red] cannot reach the CMS at {url}: {exc}")
        raise typer.Exit(1) from None
    if body.get("errors"):
        for error in body["errors"]:
            err.print(f"[red]error:[/red] {error['message']} ({error.get('extensions', {}).get('code')})")
        raise typer.Exit(1)
    return body["data"]  # type: ignore[no-any-return]


_ARTICLE_FIELDS = "id slug title status version publishedAt updatedAt authors { name } section { name }"


@article_app.command("list")
def article_list(
    url: str = API_URL,
    token: str = API_TOKEN,
    status: str | None = typer.Option(None, help="DRAFT, SCHEDULED, PUBLISHED, ARCHIVED or TRASHED."),
    first: int = typer.Option(20, help="How many, newest change first."),
) -> None:
    """List articles, most recently changed first."""
    from rich.table import Table

    query = f"""query($first: Int, $filter: ArticleFilter) {{
      articles(first: $first, filter: $filter, orderBy: UPDATED_AT_DESC) {{
        totalCount nodes {{ {_ARTICLE_FIELDS} }} }} }}"""
    data = _api(url, token, query, {"first": first, "filter": {"status": status.upper()} if status else None})
    table = Table("slug", "title", "status", "version", "updated")
    for node in data["articles"]["nodes"]:
        table.add_row(
            node["slug"], node["title"], node["status"], str(node["version"]), node["updatedAt"][:16]
        )
    console.print(table)
    console.print(f"{data['articles']['totalCount']} in all")


def _by_slug(url: str, token: str, slug: str) -> dict[str, Any]:
    query = f"query($slug: String) {{ article(slug: $slug, preview: true) {{ {_ARTICLE_FIELDS} summary }} }}"
    article = _api(url, token, query, {"slug": slug})["article"]
    if article is None:
        err.print(f"[red]error:[/red] no article has the slug {slug!r}")
        raise typer.Exit(1)
    return article  # type: ignore[no-any-return]


@article_app.command("show")
def article_show(slug: str, url: str = API_URL, token: str = API_TOKEN) -> None:
    """Show one article, drafts included."""
    article = _by_slug(url, token, slug)
    for key in ("title", "slug", "status", "version", "publishedAt", "updatedAt", "summary"):
        console.print(f"[bold]{key}[/bold]: {article[key]}")
    console.print(f"[bold]authors[/bold]: {', '.join(a['name'] for a in article['authors'])}")


def _transition(url: str, token: str, slug: str, mutation: str, extra: str = "", **variables: object) -> None:
    article = _by_slug(url, token, slug)
    query = f"""mutation($id: ID!{extra}) {{ {mutation}(id: $id{", at: $at" if "at" in variables else ""}) {{
      article {{ status publishedAt }} userErrors {{ field message code }} }} }}"""
    payload = _api(url, token, query, {"id": article["id"], **variables})[mutation]
    if payload["userErrors"]:
        for problem in payload["userErrors"]:
            err.print(f"[red]refused:[/red] {problem['message']} ({problem['code']})")
        raise typer.Exit(1)
    console.print(
        f"{slug}: {payload['article']['status']} {payload['article']['publishedAt'] or ''}".rstrip()
    )


@article_app.command("publish")
def article_publish(
    slug: str,
    url: str = API_URL,
    token: str = API_TOKEN,
    at: str | None = typer.Option(
        None, help="A future ISO 8601 time to schedule instead, e.g. 2027-01-05T09:00:00Z."
    ),
) -> None:
    """Publish now, or schedule with --at."""
    if at:
        _transition(url, token, slug, "publishArticle", ", $at: DateTime", at=at)
    else:
        _transition(url, token, slug, "publishArticle")


@article_app.command("unpublish")
def article_unpublish(slug: str, url: str = API_URL, token: str = API_TOKEN) -> None:
    """Take an article back to draft."""
    _transition(url, token, slug, "unpublishArticle")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main() -> None:
    app()


image_app = typer.Typer(help="Images: add a file with its credit.", no_args_is_help=True)
app.add_typer(image_app, name="image")


def _focal_point(value: str | None) -> tuple[float, float] | None:
    if not value:
        return None
    try:
        x, y = (float(part) for part in value.split(","))
    except ValueError:
        raise typer.BadParameter("give the focal point as X,Y fractions, such as 0.3,0.6") from None
    return x, y


@image_app.command("add")
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

    settings = _settings()
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
        raise _fail(exc) from None
    finally:
        db.dispose()
    console.print(to_global_id("Image", pk), soft_wrap=True)
