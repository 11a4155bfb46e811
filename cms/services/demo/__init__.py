"""`cms demo`: a small, varied publication to explore the API with, pictures included.

The pictures are drawn when the demo is loaded and stored through the same intake as
an upload (checks, BlurHash, dominant colour, data URI, the original under the media
root); the text is loaded through the corpus importer. Loading again updates rather
than duplicates: images are matched by their external ref ("demo:3") and stored by
content hash, and the drawing is deterministic, so nothing new is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cms.models import Image
from cms.services.corpus import validate
from cms.services.demo.content import demo_corpus
from cms.services.demo.gallery import GALLERY
from cms.services.images import add_image
from cms.services.importer import ImportReport, import_corpus
from cms.settings import Settings

_image = Image.__table__  # type: ignore[attr-defined]
#: What the importer compares when it meets an image again; read back from the stored
#: rows, so that the corpus says exactly what the intake recorded and nothing is "updated".
_CORPUS_FIELDS = ("title", "alt", "width", "height", "filename", "creator", "creator_url", "source_name",
                  "source_url")  # fmt: skip


@dataclass(frozen=True)
class DemoReport:
    articles: ImportReport
    images_added: int


def load_demo(session: Session, *, settings: Settings, now: datetime | None = None) -> DemoReport:
    """Store the demo's pictures and load its publication; the caller's transaction commits."""
    refs = {picture.key: f"demo:{picture.key}" for picture in GALLERY}
    known = set(
        session.execute(
            select(_image.c.external_ref).where(_image.c.external_ref.in_(refs.values()))
        ).scalars()
    )
    ids = {
        picture.key: add_image(
            session,
            data=picture.data(),
            filename=picture.filename,
            fields=picture.fields(),
            settings=settings,
            external_ref=refs[picture.key],
        )
        for picture in GALLERY
    }
    corpus = demo_corpus(images=_records(session, ids), now=now)
    validate(corpus)
    report = import_corpus(session, corpus, source="demo")
    return DemoReport(articles=report, images_added=len(set(refs.values()) - known))


def _records(session: Session, ids: dict[int, int]) -> list[dict[str, Any]]:
    rows = {row.id: row for row in session.execute(select(_image).where(_image.c.id.in_(ids.values())))}
    records = []
    for key, pk in ids.items():
        row = rows[pk]
        record = {name: getattr(row, name) for name in _CORPUS_FIELDS}
        focal = [row.focal_x, row.focal_y] if row.focal_x is not None and row.focal_y is not None else None
        records.append({"id": key, **record, "license": row.license_code, "focal_point": focal})
    return records


__all__ = ["DemoReport", "demo_corpus", "load_demo"]
