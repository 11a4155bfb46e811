"""Articles as JSON for webhook bodies and other machine readers: the read model, formatted.

Keys follow the GraphQL API's names (camelCase, global IDs), so a partner who knows one knows the
other. Withheld images (see cms.services.scope) are null with the reason beside them.
"""

from __future__ import annotations

from typing import Any

from cms.media.credits import attribution_html, attribution_text
from cms.services.ids import global_id
from cms.services.views import ArticleView, AuthorView, ImageView


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def image_payload(image: ImageView | None) -> dict[str, Any] | None:
    if image is None:
        return None
    lic = image.license
    fields = image.credit_fields
    return {
        "id": global_id("Image", image.id),
        "title": image.title,
        "alt": image.alt,
        "width": image.width,
        "height": image.height,
        "credit": {
            "line": image.credit_line,
            "creator": image.creator or None,
            "creatorUrl": image.creator_url or None,
            "sourceName": image.source_name or None,
            "sourceUrl": image.source_url or None,
            "license": {
                "code": lic.code,
                "name": lic.name,
                "url": lic.url,
                "allowsCommercialUse": lic.allows_commercial_use,
                "allowsAdaptations": lic.allows_adaptations,
            },
        },
        "attribution": {"text": attribution_text(fields), "html": attribution_html(fields)},
    }


def _author(author: AuthorView) -> dict[str, Any]:
    return {
        "id": global_id("Author", author.id),
        "name": author.name,
        "slug": author.slug,
        "bio": author.bio,
        "affiliation": author.affiliation,
        "photo": image_payload(author.photo),
        "photoWithheld": author.photo_withheld,
    }


def article_payload(view: ArticleView) -> dict[str, Any]:
    return {
        "id": global_id("Article", view.id),
        "slug": view.slug,
        "title": view.title,
        "summary": view.summary,
        "bodyHtml": view.body_html,
        "url": view.url,
        "publishedAt": _iso(view.published_at),
        "updatedAt": _iso(view.updated_at),
        "version": view.live_version or view.version,
        "section": {"slug": view.section.slug, "name": view.section.name} if view.section else None,
        "category": {"slug": view.category.slug, "name": view.category.name} if view.category else None,
        "authors": [_author(a) for a in view.authors],
        "leadImage": image_payload(view.lead_image),
        "leadImageWithheld": view.lead_image_withheld,
    }
