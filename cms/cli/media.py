"""Media files: find and remove what nothing refers to."""

from __future__ import annotations

from datetime import timedelta

import typer

from cms.cli.common import console, err, load_settings

app = typer.Typer(help="Media files: find and remove what nothing refers to.", no_args_is_help=True)


def size(count: int) -> str:
    """Bytes as people read them: 950 bytes, 1.2 MB."""
    value, unit = float(count), "bytes"
    for bigger in ("KB", "MB", "GB"):
        if value < 1000:
            break
        value, unit = value / 1000, bigger
    return f"{count} bytes" if unit == "bytes" else f"{value:.1f} {unit}"


@app.command("gc")
def gc(
    apply: bool = typer.Option(False, "--apply", help="Delete; without it, only report what would go."),
    unused_images: bool = typer.Option(
        False,
        "--unused-images",
        help="Also remove image rows (and their files) no article, author or body uses.",
    ),
    grace_minutes: int = typer.Option(
        60, "--grace-minutes", min=0, help="Keep files and image rows younger than this (uploads in flight)."
    ),
    list_keys: bool = typer.Option(False, "--list", help="Print every key that goes."),
) -> None:
    """Remove originals and renditions that no database row refers to (a dry run unless --apply)."""
    from cms.db import Database
    from cms.errors import StorageUnavailable
    from cms.models import utcnow
    from cms.services.images import storage_for
    from cms.services.media_gc import find, remove

    settings = load_settings()
    storage = storage_for(settings)
    db = Database.from_settings(settings)
    grace = timedelta(minutes=grace_minutes)
    now = utcnow()
    try:
        storage.check()
        with db.connect() as conn:
            garbage = find(conn, storage, now=now, grace=grace, unused_images=unused_images)
        if apply:
            garbage = remove(db, storage, garbage, now=now, grace=grace)
    except StorageUnavailable as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    finally:
        db.dispose()

    verb = "removed" if apply else "would remove"
    console.print(f"media: {storage.describe()}", soft_wrap=True, highlight=False)
    if unused_images:
        ids = ", ".join(str(i) for i in garbage.images) or "none"
        console.print(f"{verb} {len(garbage.images)} image rows no article, author or body uses: {ids}")
    originals_bytes = sum(e.size for e in garbage.originals)
    renditions_bytes = sum(e.size for e in garbage.renditions)
    console.print(f"{verb} {len(garbage.originals)} originals no image refers to ({size(originals_bytes)})")
    console.print(
        f"{verb} {len(garbage.renditions)} renditions of originals no image has ({size(renditions_bytes)})"
    )
    if garbage.young:
        console.print(
            f"kept {len(garbage.young)} unreferenced files younger than {grace_minutes} minutes "
            f"({size(sum(e.size for e in garbage.young))}): an upload may be committing them"
        )
    if list_keys:
        for entry in garbage.files:
            console.print(f"  {entry.key} {entry.size}", soft_wrap=True, highlight=False)
    total = f"{len(garbage.files)} files ({size(garbage.bytes)})"
    if unused_images:
        total += f" and {len(garbage.images)} image rows"
    if apply:
        console.print(f"done: removed {total}")
    else:
        console.print(f"dry run: nothing was removed; run with --apply to remove {total}")
