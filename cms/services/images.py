"""Adding, changing and deleting images: check the file and the credit, store the original.

Called by `cms image add` and by the `uploadImage` mutation. A refused image leaves
nothing behind: every check runs before anything is written, and a failure while
writing removes the file this call created (never one an earlier upload shares).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from cms.errors import BadInput, Invalid, NotFound, Problem, Refused, UnsupportedMedia
from cms.media.intake import Intake, inspect
from cms.media.ladder import Ladder
from cms.media.licenses import LicenseFacts, facts_for, resolve_license
from cms.media.rules import check_credit
from cms.media.s3 import S3Storage, parse_location
from cms.media.storage import LocalStorage, Storage, original_key, sha256_hex
from cms.models import Author, Image, utcnow
from cms.services import audit, changes, events, library
from cms.services.checks import is_safe_url, web_url
from cms.services.tokens import Caller
from cms.settings import Settings
from cms.wording import counted

_image = Image.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ImageFields:
    """What a person says about an image; blank credit fields may be filled from its XMP.

    ``license`` takes an SPDX code, a Flickr numeric licence id or a deed URL. Left
    empty, it comes from the file's XMP rights metadata, and failing that is refused.
    ``focal_point`` is (x, y) as fractions of width and height, 0..1.
    """

    title: str = ""
    alt: str = ""
    creator: str = ""
    creator_url: str = ""
    source_name: str = ""
    source_url: str = ""
    license: str = ""
    focal_point: tuple[float, float] | None = None
    modifications: str = ""
    public: bool = False  # shown to the public before any published article uses it


def storage_for(settings: Settings) -> Storage:
    """The media store the settings name; one per store, as an S3 client is costly to make and thread-safe."""
    return _storage(settings.media_storage, settings.media_root, settings.s3_endpoint_url, settings.s3_region)


@lru_cache(maxsize=16)
def _storage(kind: str, root: Path, endpoint_url: str | None, region: str | None) -> Storage:
    if kind == "file":
        return LocalStorage(root)
    return S3Storage(parse_location(kind), endpoint_url=endpoint_url, region=region)


def ladder_for(settings: Settings) -> Ladder:
    """The widths renditions are made in, under these settings."""
    return _ladder(settings.rendition_widths, settings.max_rendition_size)


@lru_cache(maxsize=16)
def _ladder(widths: tuple[int, ...], max_size: int) -> Ladder:
    return Ladder.build(widths, max_size)


def _license(fields: ImageFields, intake: Intake) -> LicenseFacts:
    candidates = [fields.license] if fields.license.strip() else []
    candidates += [intake.rights.license_url, intake.rights.web_statement]
    for index, candidate in enumerate(c for c in candidates if c.strip()):
        try:
            code = resolve_license(candidate)
        except BadInput as exc:
            if index == 0 and fields.license.strip():
                raise Invalid(exc.message, field="licenseCode") from None
            continue  # XMP that names no licence we know: the editor must give one
        facts = facts_for(code)
        if facts is not None:
            return facts
    raise Invalid("give the image's licence (an SPDX code such as CC-BY-2.0)", field="licenseCode")


def _statement_page(url: str) -> str:
    """xmpRights:WebStatement is the page that states the rights: often the photo's own
    page (a good source URL), sometimes just the licence deed (not a source)."""
    if not is_safe_url(url) or len(url) > 500:
        return ""
    try:
        resolve_license(url)
    except BadInput:
        return url
    return ""


def _focal(point: tuple[float, float] | None) -> tuple[float | None, float | None]:
    if point is None:
        return None, None
    x, y = point
    if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
        raise Invalid("the focal point's x and y must each be between 0 and 1", field="focalPoint")
    return x, y


def add_image(
    session: Session,
    *,
    data: bytes,
    filename: str,
    fields: ImageFields,
    settings: Settings,
    storage: Storage | None = None,
    external_ref: str | None = None,
) -> int:
    """Check, store and record an image; returns its id. The caller's transaction commits it.

    Raises ``UnsupportedMedia`` (UNSUPPORTED_MEDIA) for a file we do not take and
    ``Invalid`` (INVALID) for an incomplete credit, an unknown licence or a focal
    point off the image. ``filename`` is kept for people to read, never used as a path.

    ``external_ref`` names the image in the system it came from ("demo:3", "corpus:42").
    Adding again under the same name updates that record, its pixels and credit, instead
    of making a second one, as re-importing does; this is also how a record imported
    without pixels gets them. Files are shared by content either way.
    """
    if len(data) > settings.max_upload_bytes:
        raise UnsupportedMedia(
            f"the file is {len(data) / 1_048_576:.1f} MiB; the limit is "
            f"{settings.max_upload_bytes / 1_048_576:.0f} MiB"
        )
    creator_url = web_url(fields.creator_url, field="creatorUrl", allow_mailto=True)
    given_source = web_url(fields.source_url, field="sourceUrl")
    intake = inspect(data, max_pixels=settings.max_image_pixels)
    facts = _license(fields, intake)
    creator = fields.creator.strip() or intake.rights.creator
    source_url = given_source or _statement_page(intake.rights.web_statement)
    check_credit(facts, creator=creator, title=fields.title, source_url=source_url)
    focal_x, focal_y = _focal(fields.focal_point)

    existing = None
    if external_ref is not None:
        existing = session.execute(
            select(_image).where(_image.c.external_ref == external_ref).with_for_update()
        ).first()
    store = storage or storage_for(settings)
    digest = sha256_hex(data)
    key = original_key(digest, intake.extension)
    created_file = not store.exists(key)
    if created_file:
        store.put(key, data)
    now = utcnow()
    values = {
        "title": fields.title.strip(),
        "alt": fields.alt.strip(),
        "width": intake.width,
        "height": intake.height,
        "mime_type": intake.mime_type,
        "filename": filename[-300:],
        "storage_key": key,
        "sha256": digest,
        "byte_size": len(data),
        "format": intake.format,
        "frames": intake.frames,
        "blurhash": intake.placeholder.blurhash,
        "dominant_color": intake.placeholder.dominant_color,
        "data_uri": intake.placeholder.data_uri,
        "focal_x": focal_x,
        "focal_y": focal_y,
        "creator": creator,
        "creator_url": creator_url,
        "source_name": fields.source_name.strip(),
        "source_url": source_url,
        "license_code": facts.code,
        "modifications": fields.modifications.strip(),
        "public": fields.public,
    }
    try:
        if existing is None:
            pk = session.execute(
                insert(_image).returning(_image.c.id),
                [{**values, "external_ref": external_ref, "created_at": now, "updated_at": now}],
            ).scalar_one()
            changes.record(session, entity="image", ids=[pk], kind="create")
        else:
            pk = existing.id
            changed = {k: v for k, v in values.items() if existing._mapping[k] != v}
            if changed:
                session.execute(update(_image).where(_image.c.id == pk).values(**changed, updated_at=now))
                changes.record(session, entity="image", ids=[pk], kind="update")
    except BaseException:
        if created_file:
            with contextlib.suppress(OSError):
                store.delete(key)
        raise
    return int(pk)


_EDITABLE = ("title", "alt", "creator", "creator_url", "source_name", "source_url", "modifications")


def update_image(session: Session, *, image_id: int, values: dict[str, Any], now: datetime) -> None:
    """Change an image's description, credit, licence, focal point or visibility; the credit is
    checked against the licence it ends up under, and the articles that show it are recorded as
    changed so that partners' copies are corrected too."""
    row = session.execute(select(_image).where(_image.c.id == image_id).with_for_update()).first()
    if row is None:
        raise NotFound("no such image", field="id")
    changed: dict[str, Any] = {k: str(values[k]).strip() for k in _EDITABLE if values.get(k) is not None}
    if "creator_url" in changed:
        changed["creator_url"] = web_url(changed["creator_url"], field="creatorUrl", allow_mailto=True)
    if "source_url" in changed:
        changed["source_url"] = web_url(changed["source_url"], field="sourceUrl")
    if values.get("public") is not None:
        changed["public"] = bool(values["public"])
    if values.get("license") is not None:
        try:
            changed["license_code"] = resolve_license(values["license"])
        except BadInput as exc:
            raise Invalid(exc.message, field="licenseCode") from None
    if "focal_point" in values:
        changed["focal_x"], changed["focal_y"] = _focal(values["focal_point"])
    merged = {**row._mapping, **changed}
    facts = facts_for(merged["license_code"])
    if facts is None:  # pragma: no cover - the licence table and the catalogue agree
        raise Invalid("unknown licence", field="licenseCode")
    check_credit(facts, creator=merged["creator"], title=merged["title"], source_url=merged["source_url"])
    if changed:
        session.execute(update(_image).where(_image.c.id == image_id).values(**changed, updated_at=now))
        changes.record(session, entity="image", ids=[image_id], kind="update")
        users = library.articles_using(session, image_id, now=now)
        changes.record(session, entity="article", ids=users, kind="update")
        if users or changed.get("public") or row.public:
            events.record(session, "image.updated", now=now, image_id=image_id, article_ids=users)


def delete_image(session: Session, caller: Caller, *, image_id: int) -> None:
    """Delete an image nothing uses; its stored file stays for other records with the same bytes
    (files are shared by content, and `cms media gc` removes what no record uses)."""
    if session.execute(select(_image.c.id).where(_image.c.id == image_id)).first() is None:
        raise NotFound("no such image", field="id")
    author = Author.__table__  # type: ignore[attr-defined]
    articles = library.used_by(session.connection(), [image_id])[image_id]
    authors = session.execute(select(func.count()).where(author.c.photo_id == image_id)).scalar_one()
    if articles or authors:
        users = " and ".join(
            counted(n, what) for n, what in ((articles, "article"), (authors, "author")) if n
        )
        verb = "uses" if articles + authors == 1 else "use"
        raise Refused(Problem("id", f"{users} still {verb} this image", "CONFLICT"))
    audit.record(session, caller, "image.delete", entity="image", entity_id=image_id)
    session.execute(delete(_image).where(_image.c.id == image_id))
    changes.record(session, entity="image", ids=[image_id], kind="delete")
