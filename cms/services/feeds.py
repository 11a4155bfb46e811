"""What a feed shows: the newest published articles of the site, a section, a category or an author,
read through the read model, and the names that never change (tag: URIs on article ids).

Formats (Atom, RSS, JSON Feed) live in cms.web; they only format what this module selects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from cms.errors import BadInput
from cms.services import articles as article_reads
from cms.services import authors as author_reads
from cms.services.articles import Filter, Order
from cms.services.pagination import Page
from cms.services.site import Site
from cms.services.views import ArticleView, Reader, Want
from cms.settings import Settings

Kind = Literal["site", "section", "category", "author"]
KINDS: tuple[Kind, ...] = ("section", "category", "author")
DEFAULT_LIMIT, MAX_LIMIT = 20, 100
#: Year of the default tagging authority (RFC 4151 wants a date the name was held; any fixed one
#: keeps ids stable). Deployments set CMS_FEED_TAG_AUTHORITY.
_DEFAULT_TAG_YEAR = "2026"
_FEED_WANT = Want(authors=True, lead_image=True, photos=False)


@dataclass(frozen=True, slots=True)
class Scope:
    """Which articles a feed lists."""

    kind: Kind
    slug: str | None
    entity_id: int | None
    name: str | None  # the section's, category's or author's name
    description: str

    @property
    def path(self) -> str:
        return "/feeds" if self.kind == "site" else f"/feeds/{self.kind}/{self.slug}"

    @property
    def list_key(self) -> str:
        """The surrogate key of the list (cms.services.surrogates)."""
        return "articles" if self.kind == "site" else f"{self.kind}:{self.slug}"

    def title(self, site: Site) -> str:
        return site.name if self.name is None else f"{site.name}: {self.name}"

    def filter(self) -> Filter:
        return Filter(
            public=True,
            section_id=self.entity_id if self.kind == "section" else None,
            category_id=self.entity_id if self.kind == "category" else None,
            author_id=self.entity_id if self.kind == "author" else None,
        )


SITE = Scope("site", None, None, None, "")


def scope_for(reader: Reader, kind: str, slug: str) -> Scope | None:
    """The feed of one section, category or author; None when the slug names none."""
    if kind == "section":
        section_id = reader.taxonomy.section_ids.get(slug)
        if section_id is None:
            return None
        row = reader.taxonomy.sections[section_id]
        return Scope("section", slug, section_id, row.name, row.description)
    if kind == "category":
        category_id = reader.taxonomy.category_ids.get(slug)
        if category_id is None:
            return None
        return Scope("category", slug, category_id, reader.taxonomy.categories[category_id].name, "")
    if kind == "author":
        found = author_reads.get(reader.conn, slug=slug)
        if found is None:
            return None
        return Scope("author", slug, found.id, found.name, found.bio)
    return None


def parse_limit(raw: str | None) -> int:
    """``?limit=``: 1 to 100, 20 when absent; anything else is refused, never silently capped."""
    if raw is None:
        return DEFAULT_LIMIT
    value = raw.strip()
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise BadInput(
            f"`limit` must be a whole number from 1 to {MAX_LIMIT}, got {raw[:40]!r}", field="limit"
        )
    return int(value)


def articles(reader: Reader, scope: Scope, *, limit: int, full_content: bool) -> list[ArticleView]:
    """The newest ``limit`` articles the public sees now, newest first."""
    rows, _ = article_reads.list_page(
        reader.conn,
        scope.filter(),
        order=Order.PUBLISHED_AT_DESC,
        page=Page(limit=limit, forward=True),
        now=reader.now,
        with_body=full_content,
    )
    return reader.articles(rows, _FEED_WANT)


def tag_authority(settings: Settings) -> str:
    if settings.feed_tag_authority:
        return settings.feed_tag_authority
    host = urlsplit(settings.base_url or settings.public_url).hostname or "localhost"
    return f"{host},{_DEFAULT_TAG_YEAR}"


def entry_id(settings: Settings, article_id: int) -> str:
    """An article's id in every feed: built on its immutable id, so a new title or slug keeps it."""
    return f"tag:{tag_authority(settings)}:article:{article_id}"


def feed_id(settings: Settings, scope: Scope) -> str:
    suffix = "site" if scope.kind == "site" else f"{scope.kind}:{scope.entity_id}"
    return f"tag:{tag_authority(settings)}:feed:{suffix}"
