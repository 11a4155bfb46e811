"""The read model: what a reader of our content gets, assembled once for every surface.

An article with its byline (in order), section, category, lead image with its credit and licence,
and canonical URL, as plain typed values, loaded for a whole page in a fixed number of statements
(one for the bylines, one for every image the page shows, whatever its length). GraphQL types,
feeds, sitemaps, sync payloads, webhook bodies, JSON-LD and mails only format these values; the
rules they carry (the credit line, the canonical URL) live in one place each.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, select

from cms import driver
from cms.media.credits import CreditFields, credit_line
from cms.media.licenses import LicenseFacts, facts_for
from cms.media.placeholder import NEUTRAL, Placeholder
from cms.media.resolve import Original
from cms.models import Author
from cms.services import articles as article_reads
from cms.services import library, links
from cms.services.content import has_pending, pending_snapshots
from cms.services.scope import Scope
from cms.services.snapshot import Taxonomy
from cms.services.text import html_to_text
from cms.services.workflow import status_of
from cms.settings import Settings

_author = Author.__table__  # type: ignore[attr-defined]
AUTHOR_COLUMNS = [c for c in _author.c if c.name not in {"created_at", "updated_at"}]
_AUTHORS_BY_ID = select(*AUTHOR_COLUMNS).where(_author.c.id.in_(bindparam("ids", expanding=True)))


@dataclass(frozen=True, slots=True)
class ImageView:
    id: int
    title: str
    alt: str
    width: int
    height: int
    mime_type: str
    format: str | None
    sha256: str | None
    focal_point: tuple[float, float] | None
    placeholder: Placeholder
    creator: str
    creator_url: str
    source_name: str
    source_url: str
    modifications: str
    public: bool
    license: LicenseFacts

    @property
    def source(self) -> str:
        """What rendition URLs name: the original's hash, or ``i<id>`` while it has no pixels."""
        return self.sha256 or f"i{self.id}"

    @property
    def original(self) -> Original:
        """What rendition URLs are made from. With no stored file yet (an imported record) the URL
        names ``i<id>``, and the media endpoint answers it with 404 until pixels are uploaded."""
        return Original(self.source, self.width, self.height, self.format, self.focal_point)

    @property
    def credit_fields(self) -> CreditFields:
        lic = self.license
        return CreditFields(
            title=self.title, creator=self.creator, creator_url=self.creator_url,
            source_name=self.source_name, source_url=self.source_url, modifications=self.modifications,
            license_code=lic.code, license_name=lic.name, license_url=lic.url,
            is_public_domain=lic.is_public_domain,
        )  # fmt: skip

    @property
    def credit_line(self) -> str:
        return credit_line(self.credit_fields)


def image_view(row: Any) -> ImageView:
    license = facts_for(row.license_code)
    if license is None:  # pragma: no cover - the licence table is filled from the catalogue
        raise LookupError(f"unknown licence {row.license_code!r}")
    focal = (row.focal_x, row.focal_y) if row.focal_x is not None and row.focal_y is not None else None
    placeholder = Placeholder(row.blurhash, row.dominant_color, row.data_uri) if row.blurhash else NEUTRAL
    return ImageView(
        id=row.id, title=row.title, alt=row.alt, width=row.width, height=row.height,
        mime_type=row.mime_type, format=row.format, sha256=row.sha256, focal_point=focal,
        placeholder=placeholder, creator=row.creator, creator_url=row.creator_url,
        source_name=row.source_name, source_url=row.source_url, modifications=row.modifications,
        public=bool(row.public), license=license,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class SectionView:
    id: int
    name: str
    slug: str
    description: str


@dataclass(frozen=True, slots=True)
class CategoryView:
    id: int
    name: str
    slug: str


@dataclass(frozen=True, slots=True)
class AuthorView:
    id: int
    name: str
    slug: str
    bio: str
    affiliation: str
    photo_id: int | None
    photo: ImageView | None
    photo_withheld: str | None = None  # why a partner gets no photo (see cms.services.scope)


def author_view(row: Any, photo: ImageView | None = None, withheld: str | None = None) -> AuthorView:
    return AuthorView(row.id, row.name, row.slug, row.bio, row.affiliation, row.photo_id, photo, withheld)


@dataclass(frozen=True, slots=True)
class ArticleView:
    id: int
    title: str
    slug: str
    summary: str
    body_html: str  # "" unless the body was asked for
    body_text: str
    published_at: datetime | None
    updated_at: datetime
    status: str  # draft, scheduled, published, archived, trashed
    version: int
    live_version: int | None
    has_unpublished_changes: bool
    section: SectionView | None
    category: CategoryView | None
    authors: tuple[AuthorView, ...]
    lead_image_id: int | None
    lead_image: ImageView | None
    lead_image_withheld: str | None  # why a partner gets no lead image (see cms.services.scope)
    url: str
    reading_time_minutes: int
    created_by: int | None

    @property
    def modified_at(self) -> datetime:
        return modified_at(self.published_at, self.updated_at)


def modified_at(published_at: datetime | None, updated_at: datetime) -> datetime:
    """When what the public sees of an article last changed: its last save, or its go-live if that
    came later (a scheduled article was saved before its time came). Feeds, sitemaps, JSON-LD."""
    if published_at is None or published_at < updated_at:
        return updated_at
    return published_at


@dataclass(frozen=True, slots=True)
class ArticleLocation:
    """Where an article is and when it last changed: all a sitemap needs, for 50,000 at a time."""

    id: int
    url: str
    modified_at: datetime


#: The columns ``Reader.locations`` reads.
LOCATION_COLUMNS = [
    article_reads.article.c[name]
    for name in ("id", "slug", "section_id", "canonical_url", "published_at", "updated_at")
]


@dataclass(frozen=True)
class Want:
    """Which relations a surface shows; what is not wanted is not read."""

    authors: bool = True
    lead_image: bool = True
    photos: bool = True


EVERYTHING = Want()


def taxonomy_views(taxonomy: Taxonomy) -> tuple[dict[int, SectionView], dict[int, CategoryView]]:
    """Made once per taxonomy snapshot, shared by every request at that sequence."""
    made = taxonomy.memo.get("views")
    if made is None:
        made = taxonomy.memo["views"] = (
            {pk: SectionView(r.id, r.name, r.slug, r.description) for pk, r in taxonomy.sections.items()},
            {pk: CategoryView(r.id, r.name, r.slug) for pk, r in taxonomy.categories.items()},
        )
    return made


class Reader:
    """Builds views for one request: one connection, one clock, one taxonomy snapshot."""

    def __init__(
        self,
        conn: Connection,
        *,
        settings: Settings,
        now: datetime,
        taxonomy: Taxonomy,
        partner: Scope | None = None,
    ) -> None:
        self.conn = conn
        self.settings = settings
        self.now = now
        self.taxonomy = taxonomy
        self.partner = partner  # licence terms: what the partner's copies may not show

    def _offered(self, image: ImageView | None) -> tuple[ImageView | None, str | None]:
        """The image, or None and why when the partner may not have it."""
        if image is None or self.partner is None:
            return image, None
        reason = self.partner.withheld(image.license)
        return (None, reason) if reason else (image, None)

    def images(self, image_ids: Iterable[int | None], *, public: bool) -> dict[int, ImageView]:
        rows = library.by_ids(self.conn, image_ids, public=public, now=self.now)
        views = {pk: image_view(row) for pk, row in rows.items()}
        return {pk: view for pk, view in views.items() if self._offered(view)[0] is not None}

    def authors(self, rows: Sequence[Any], *, photos: bool, public: bool) -> list[AuthorView]:
        """Authors listed for themselves: their photos follow the image visibility rule."""
        if not photos:
            return [author_view(r) for r in rows]
        found = library.by_ids(self.conn, [r.photo_id for r in rows], public=public, now=self.now)
        views = {pk: image_view(r) for pk, r in found.items()}
        return [self._author(r, views) for r in rows]

    def _author(self, row: Any, images: dict[int, ImageView]) -> AuthorView:
        photo, withheld = self._offered(images.get(row.photo_id) if row.photo_id is not None else None)
        return author_view(row, photo, withheld)

    def articles(
        self, rows: Sequence[Row[Any]], want: Want = EVERYTHING, *, pending: bool = False
    ) -> list[ArticleView]:
        """Views of a page of article rows the caller may read; with ``pending``, articles with
        unpublished changes show those changes (what an editor's preview shows)."""
        if not rows:
            return []
        overlays = pending_snapshots(self.conn, list(rows)) if pending else {}
        bylines = self._bylines(rows, overlays) if want.authors else {}
        image_ids: list[int | None] = []
        if want.lead_image:
            image_ids += [
                overlays[r.id]["lead_image_id"] if r.id in overlays else r.lead_image_id for r in rows
            ]
        if want.photos:
            image_ids += [a.photo_id for byline in bylines.values() for a in byline]
        # Images of articles the caller may read are shown with them (lead, byline photos).
        images = {pk: image_view(row) for pk, row in library.trusted_by_ids(self.conn, image_ids).items()}
        sections, categories = taxonomy_views(self.taxonomy)
        settings, now = self.settings, self.now
        # A missing key costs a Row a slow fallback lookup: ask once per page whether bodies were read.
        with_body = "body_html" in rows[0]._fields
        bodies = {
            row.id: (
                overlays[row.id]["body_html"] if row.id in overlays else (row.body_html if with_body else "")
            )
            for row in rows
        }
        if self.partner is not None:
            bodies = self._withhold_in_bodies(bodies)
        views = []
        for row in rows:
            data: Any = _Overlay(row, overlays[row.id]) if row.id in overlays else row
            section = sections.get(data.section_id) if data.section_id is not None else None
            lead, lead_withheld = self._offered(
                images.get(data.lead_image_id) if data.lead_image_id is not None else None
            )
            views.append(
                ArticleView(
                    id=row.id, title=data.title, slug=data.slug, summary=data.summary,
                    body_html=bodies[row.id],
                    body_text=(
                        html_to_text(data.body_html)
                        if row.id in overlays
                        else (row.body_text if with_body else "")
                    ),
                    published_at=row.published_at, updated_at=row.updated_at,
                    status=status_of(row.state, row.published_at, now), version=row.version,
                    live_version=row.live_version, has_unpublished_changes=has_pending(row),
                    section=section,
                    category=categories.get(data.category_id) if data.category_id is not None else None,
                    authors=tuple(self._author(a, images) for a in bylines.get(row.id, ())),
                    lead_image_id=data.lead_image_id,
                    lead_image=lead,
                    lead_image_withheld=lead_withheld,
                    url=links.article_url(
                        settings, slug=data.slug, section_slug=section.slug if section else None,
                        canonical_url=data.canonical_url,
                    ),
                    reading_time_minutes=row.reading_time_minutes, created_by=row.created_by,
                )
            )  # fmt: skip
        return views

    def locations(self, rows: Sequence[Any]) -> list[ArticleLocation]:
        """Canonical URLs and change times of rows of LOCATION_COLUMNS (live versions, as the
        public sees them), by the same URL rule as ``articles``, without the rest of the view."""
        sections, _ = taxonomy_views(self.taxonomy)
        slugs = {pk: view.slug for pk, view in sections.items()}
        settings, url = self.settings, links.article_url
        found = []
        for row in rows:
            section = slugs.get(row.section_id)
            where = url(settings, slug=row.slug, section_slug=section, canonical_url=row.canonical_url)
            found.append(ArticleLocation(row.id, where, modified_at(row.published_at, row.updated_at)))
        return found

    def _withhold_in_bodies(self, bodies: dict[int, str]) -> dict[int, str]:
        """Take out of bodies the images the partner may not have (with their figure and caption)."""
        sources = {source for body in bodies.values() for source in library.rendition_sources(body)}
        if not sources:
            return bodies
        withheld = {
            image.source for image in (image_view(r) for r in library.by_sources(self.conn, sources))
            if self._offered(image)[0] is None
        }  # fmt: skip
        if not withheld:
            return bodies
        return {pk: library.without_images(body, withheld) for pk, body in bodies.items()}

    def _bylines(self, rows: Sequence[Any], overlays: dict[int, dict[str, Any]]) -> dict[int, list[Any]]:
        plain = [r.id for r in rows if r.id not in overlays]
        bylines: dict[int, list[Any]] = dict(article_reads.authors_of(self.conn, plain)) if plain else {}
        if overlays:
            wanted = {a for snap in overlays.values() for a in snap.get("author_ids") or ()}
            found = (
                {r.id: r for r in driver.rows(self.conn, _AUTHORS_BY_ID, {"ids": sorted(wanted)})}
                if wanted
                else {}
            )
            for article_id, snap in overlays.items():
                bylines[article_id] = [found[a] for a in snap.get("author_ids") or () if a in found]
        return bylines


class _Overlay:
    """An article row seen through its pending changes."""

    __slots__ = ("_row", "_snap")

    def __init__(self, row: Any, snap: dict[str, Any]) -> None:
        self._row, self._snap = row, snap

    def __getattr__(self, name: str) -> Any:
        snap = self._snap
        return snap[name] if name in snap else getattr(self._row, name)
