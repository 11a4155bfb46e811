"""Articles, through the GraphQL API of a running server (so the token's role applies)."""

from __future__ import annotations

from typing import Any

import typer
from rich.markup import escape

from cms.cli.common import API_TOKEN, API_URL, api, console, err

app = typer.Typer(
    help="Articles, through the GraphQL API of a running server (so the token's role applies).",
    no_args_is_help=True,
)


_ARTICLE_FIELDS = "id slug title status version publishedAt updatedAt authors { name } section { name }"


@app.command("list")
def article_list(
    url: str = API_URL,
    token: str = API_TOKEN,
    status: str | None = typer.Option(None, help="DRAFT, SCHEDULED, PUBLISHED, ARCHIVED or TRASHED."),
    first: int = typer.Option(20, help="How many, newest change first."),
) -> None:
    """List articles, most recently changed first (slugs in full, for `cms article show`)."""
    query = f"""query($first: Int, $filter: ArticleFilter) {{
      articles(first: $first, filter: $filter, orderBy: UPDATED_AT_DESC) {{
        totalCount nodes {{ {_ARTICLE_FIELDS} }} }} }}"""
    data = api(url, token, query, {"first": first, "filter": {"status": status.upper()} if status else None})
    nodes = data["articles"]["nodes"]
    rows = [("slug", "status", "version", "updated", "title")] + [
        (n["slug"], n["status"], str(n["version"]), n["updatedAt"][:16].replace("T", " "), n["title"])
        for n in nodes
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        # Plain lines that are never cut to the terminal's width: slugs are what the other
        # commands take, so they must survive a narrow window, a pipe and copy and paste.
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        console.print("  ".join([*cells, row[4]]), soft_wrap=True, markup=False, highlight=False)
    console.print(f"{data['articles']['totalCount']} in all")


def _by_slug(url: str, token: str, slug: str) -> dict[str, Any]:
    query = f"query($slug: String) {{ article(slug: $slug, preview: true) {{ {_ARTICLE_FIELDS} summary }} }}"
    article = api(url, token, query, {"slug": slug})["article"]
    if article is None:
        err.print(f"[red]error:[/red] no article has the slug {escape(repr(slug))}")
        raise typer.Exit(1)
    return article  # type: ignore[no-any-return]


@app.command("show")
def article_show(slug: str, url: str = API_URL, token: str = API_TOKEN) -> None:
    """Show one article, drafts included."""
    article = _by_slug(url, token, slug)
    for key in ("title", "slug", "status", "version", "publishedAt", "updatedAt", "summary"):
        console.print(f"[bold]{key}[/bold]: {escape(str(article[key]))}")
    console.print(f"[bold]authors[/bold]: {escape(', '.join(a['name'] for a in article['authors']))}")


def _transition(url: str, token: str, slug: str, mutation: str, extra: str = "", **variables: object) -> None:
    article = _by_slug(url, token, slug)
    query = f"""mutation($id: ID!{extra}) {{ {mutation}(id: $id{", at: $at" if "at" in variables else ""}) {{
      article {{ status publishedAt }} userErrors {{ field message code }} }} }}"""
    payload = api(url, token, query, {"id": article["id"], **variables})[mutation]
    if payload["userErrors"]:
        for problem in payload["userErrors"]:
            err.print(f"[red]refused:[/red] {escape(problem['message'])} ({problem['code']})")
        raise typer.Exit(1)
    console.print(
        f"{slug}: {payload['article']['status']} {payload['article']['publishedAt'] or ''}".rstrip()
    )


@app.command("publish")
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


@app.command("unpublish")
def article_unpublish(slug: str, url: str = API_URL, token: str = API_TOKEN) -> None:
    """Take an article back to draft."""
    _transition(url, token, slug, "unpublishArticle")
