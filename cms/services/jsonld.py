"""schema.org NewsArticle as JSON-LD, from the read model and the site identity.

The image is an ImageObject with the properties Google reads for image licence metadata
(``license``, ``acquireLicensePage``, ``creditText``, ``creator``, ``copyrightNotice``). Built from
an ArticleView, so a partner's copy leaves out the image its licence withholds, as everywhere.
"""

from __future__ import annotations

from typing import Any

from cms.media.credits import copyright_notice
from cms.services.renditions import shown
from cms.services.site import Site, site
from cms.services.views import ArticleView, ImageView
from cms.settings import Settings

CONTEXT = "https://schema.org"


def image_object(settings: Settings, image: ImageView) -> dict[str, Any]:
    rendition = shown(settings, image)
    lic = image.license
    found: dict[str, Any] = {
        "@type": "ImageObject",
        "contentUrl": rendition.url,
        "url": rendition.url,
        "width": rendition.width,
        "height": rendition.height,
        "encodingFormat": rendition.media_type,
        "creditText": image.credit_line,
    }
    if image.title:
        found["name"] = image.title
    if image.alt:
        found["caption"] = image.alt
    if lic.url:
        found["license"] = lic.url
    # Where a reader learns how they may use the image: the work's page, else the licence's.
    if image.source_url or lic.url:
        found["acquireLicensePage"] = image.source_url or lic.url
    if image.creator:
        creator: dict[str, Any] = {"@type": "Person", "name": image.creator}
        if image.creator_url:
            creator["url"] = image.creator_url
        found["creator"] = creator
    elif image.source_name:
        found["creator"] = {"@type": "Organization", "name": image.source_name}
    if notice := copyright_notice(image.credit_fields):
        found["copyrightNotice"] = notice
    return found


def _publisher(identity: Site) -> dict[str, Any]:
    publisher: dict[str, Any] = {
        "@type": "Organization",
        "name": identity.publisher,
        "url": identity.home_url,
    }
    if identity.logo_url:
        publisher["logo"] = {"@type": "ImageObject", "url": identity.logo_url}
    return publisher


def news_article(settings: Settings, view: ArticleView) -> dict[str, Any]:
    identity = site(settings)
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "NewsArticle",
        "@id": view.url,
        "url": view.url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": view.url},
        "headline": view.title,
        "inLanguage": identity.language,
        "isAccessibleForFree": True,
        "dateModified": view.modified_at.isoformat(),
        "author": [
            {"@type": "Person", "name": a.name, **({"description": a.bio} if a.bio else {})}
            for a in view.authors
        ],
        "publisher": _publisher(identity),
    }
    if view.summary:
        document["description"] = view.summary
    if view.published_at is not None:
        document["datePublished"] = view.published_at.isoformat()
    if view.section is not None:
        document["articleSection"] = view.section.name
    keywords = [named.name for named in (view.category, view.section) if named is not None]
    if keywords:
        document["keywords"] = list(dict.fromkeys(keywords))
    if view.lead_image is not None:
        document["image"] = image_object(settings, view.lead_image)
    return document
