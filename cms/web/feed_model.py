"""A feed as its three formats need it: the read model's articles with their ids, dates and lead
images already worked out, and every text made safe for XML (control characters dropped).

Credits come from cms.media.credits (the house credit line and the TASL attribution), rendition
URLs from cms.services.renditions: nothing here decides a rule of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cms.media.credits import attribution_text
from cms.services import feeds
from cms.services.feeds import Scope
from cms.services.renditions import Shown, shown
from cms.services.site import Site
from cms.services.text import xml_safe
from cms.services.views import ArticleView, ImageView
from cms.settings import Settings

FORMATS = ("atom", "rss", "json")
MEDIA_TYPES = {
    "atom": "application/atom+xml; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}


@dataclass(frozen=True, slots=True)
class FeedImage:
    view: ImageView
    shown: Shown
    title: str
    alt: str
    creator: str
    credit_line: str  # the house style: "Image from X's photostream on Flickr (CC BY 2.0)"
    attribution: str  # TASL in full, with the URLs
    license_name: str
    license_url: str | None


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    url: str
    title: str
    summary: str
    body_html: str | None  # only with CMS_FEED_FULL_CONTENT
    published: datetime
    updated: datetime
    authors: tuple[str, ...]
    section: tuple[str, str] | None  # slug, name
    category: tuple[str, str] | None
    image: FeedImage | None


@dataclass(frozen=True, slots=True)
class Feed:
    id: str
    title: str
    description: str
    language: str
    home_url: str
    urls: dict[str, str]  # format: this feed's URL in it
    logo_url: str | None
    publisher: str
    updated: datetime
    scheme_url: str  # prefix of category schemes: {public}/feeds/
    items: tuple[Item, ...]


def _image(settings: Settings, image: ImageView) -> FeedImage:
    lic = image.license
    return FeedImage(
        view=image,
        shown=shown(settings, image),
        title=xml_safe(image.title),
        alt=xml_safe(image.alt),
        creator=xml_safe(image.creator or image.source_name),
        credit_line=xml_safe(image.credit_line),
        attribution=xml_safe(attribution_text(image.credit_fields)),
        license_name=xml_safe(lic.name),
        license_url=lic.url or None,
    )


def _item(settings: Settings, view: ArticleView, *, full_content: bool) -> Item:
    published = view.published_at or view.updated_at  # the public sees only published articles
    return Item(
        id=feeds.entry_id(settings, view.id),
        url=view.url,
        title=xml_safe(view.title),
        summary=xml_safe(view.summary),
        body_html=xml_safe(view.body_html) if full_content else None,
        published=published,
        updated=view.modified_at,
        authors=tuple(xml_safe(a.name) for a in view.authors),
        section=(view.section.slug, xml_safe(view.section.name)) if view.section else None,
        category=(view.category.slug, xml_safe(view.category.name)) if view.category else None,
        image=_image(settings, view.lead_image) if view.lead_image else None,
    )


def build(
    settings: Settings,
    site: Site,
    scope: Scope,
    views: list[ArticleView],
    *,
    full_content: bool,
    as_of: datetime,
) -> Feed:
    """``as_of`` dates a feed with no items (Atom needs an updated time): the newest public change."""
    items = tuple(_item(settings, view, full_content=full_content) for view in views)
    base = settings.public_url + scope.path
    return Feed(
        id=feeds.feed_id(settings, scope),
        title=xml_safe(scope.title(site)),
        description=xml_safe(scope.description or site.description or scope.title(site)),
        language=site.language,
        home_url=site.home_url,
        urls={fmt: f"{base}/{fmt}" for fmt in FORMATS},
        logo_url=site.logo_url,
        publisher=xml_safe(site.publisher),
        updated=max((item.updated for item in items), default=as_of),
        scheme_url=settings.public_url + "/feeds/",
        items=items,
    )
