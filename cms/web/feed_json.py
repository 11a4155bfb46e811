"""JSON Feed 1.1 (https://jsonfeed.org/version/1.1). The lead image travels as the item's
``image`` plus the extension object ``_image_rights`` (JSON Feed extensions start with an
underscore): licence name and URL, creator, the house credit line and the TASL attribution."""

from __future__ import annotations

from typing import Any

import orjson

from cms.web.feed_model import Feed, FeedImage, Item

VERSION = "https://jsonfeed.org/version/1.1"


def _rights(image: FeedImage) -> dict[str, Any]:
    view = image.view
    return {
        "url": image.shown.url,
        "width": image.shown.width,
        "height": image.shown.height,
        "mime_type": image.shown.media_type,
        "title": image.title or None,
        "alt": image.alt or None,
        "creator": image.creator or None,
        "creator_url": view.creator_url or None,
        "source_url": view.source_url or None,
        "license_code": view.license.code,
        "license_name": image.license_name,
        "license_url": image.license_url,
        "credit_line": image.credit_line,
        "attribution": image.attribution,
    }


def _item(item: Item) -> dict[str, Any]:
    out: dict[str, Any] = {"id": item.id, "url": item.url, "title": item.title}
    if item.body_html:
        out["content_html"] = item.body_html
    else:
        out["content_text"] = item.summary  # an item needs content_html or content_text
    if item.summary:
        out["summary"] = item.summary
    if item.image is not None:
        out["image"] = item.image.shown.url
    out["date_published"] = item.published.isoformat()
    out["date_modified"] = item.updated.isoformat()
    if item.authors:
        out["authors"] = [{"name": name} for name in item.authors]
    tags = [named[1] for named in (item.section, item.category) if named is not None]
    if tags:
        out["tags"] = tags
    if item.image is not None:
        out["_image_rights"] = _rights(item.image)
    return out


def json_feed(feed: Feed) -> bytes:
    document: dict[str, Any] = {
        "version": VERSION,
        "title": feed.title,
        "home_page_url": feed.home_url,
        "feed_url": feed.urls["json"],
        "description": feed.description,
        "language": feed.language,
        "authors": [{"name": feed.publisher}],
    }
    if feed.logo_url:
        document["icon"] = feed.logo_url
        document["favicon"] = feed.logo_url
    document["items"] = [_item(item) for item in feed.items]
    return orjson.dumps(document)
