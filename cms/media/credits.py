"""Credit lines and TASL attributions, rendered from an image's credit fields.

TASL (Title, Author, Source, Licence) is Creative Commons' recommended practice.
Every field is escaped in the HTML form; links appear only where a URL exists.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class CreditFields:
    title: str
    creator: str
    creator_url: str
    source_name: str
    source_url: str
    modifications: str
    license_code: str
    license_name: str
    license_url: str | None
    is_public_domain: bool


def _is_flickr(fields: CreditFields) -> bool:
    return fields.source_name.strip().lower() == "flickr"


def credit_line(fields: CreditFields) -> str:
    """The publisher's house style: "Image from X's photostream on Flickr (CC BY 2.0)"."""
    creator, source = fields.creator.strip(), fields.source_name.strip()
    if source.lower() == creator.lower():
        source = ""  # "Image by NASA via NASA" says nothing twice over
    if fields.license_code == "ARR":
        who = f"Image © {creator}" if creator else "Image"
        return f"{who}{f' via {source}' if source else ''}, all rights reserved, used with permission"
    if creator and _is_flickr(fields):
        lead = f"Image from {creator}'s photostream on Flickr"
    elif creator and source:
        lead = f"Image by {creator} via {source}"
    elif creator:
        lead = f"Image by {creator}"
    elif source:
        lead = f"Image from {source}"
    else:
        lead = "Image"
    return f"{lead} ({fields.license_name})"


def _verb(fields: CreditFields) -> str:
    if fields.license_code in {"CC0-1.0", "CC-PDM-1.0"}:
        return "is marked with"
    if fields.is_public_domain:
        return "is in the public domain as a"
    return "is licensed under"


def attribution_text(fields: CreditFields, *, modified: bool = False) -> str:
    untitled = "an image" if modified else "This image"
    subject = f'"{fields.title}"' if fields.title else untitled
    parts = [f"Cropped from {subject}" if modified else subject]
    if fields.creator:
        parts.append(f"by {fields.creator}")
    if fields.source_url:
        parts.append(f"({fields.source_url})")
    text = " ".join(parts)
    if fields.license_code == "ARR":
        text += ": all rights reserved, used with permission."
    else:
        license_part = fields.license_name + (f" ({fields.license_url})" if fields.license_url else "")
        text += ("," if modified else f" {_verb(fields)}") + f" {license_part}."
    if fields.modifications:
        text += f" Changes: {fields.modifications.strip().rstrip('.')}."
    return text


def _link(text: str, url: str, rel: str | None = None) -> str:
    if not url or urlsplit(url).scheme not in {"http", "https"}:
        return html.escape(text)
    rel_attr = f' rel="{rel}"' if rel else ""
    return f'<a href="{html.escape(url)}"{rel_attr}>{html.escape(text)}</a>'


def attribution_html(fields: CreditFields, *, modified: bool = False) -> str:
    title = _link(fields.title, fields.source_url) if fields.title else _link("This image", fields.source_url)
    if modified:
        title = "Cropped from " + (title if fields.title else _link("an image", fields.source_url))
    parts = [title]
    if fields.creator:
        parts.append("by " + _link(fields.creator, fields.creator_url))
    body = " ".join(parts)
    if fields.license_code == "ARR":
        body += ": all rights reserved, used with permission."
    else:
        license_link = _link(fields.license_name, fields.license_url or "", rel="license")
        body += ("," if modified else f" {_verb(fields)}") + f" {license_link}."
    if fields.modifications:
        body += f" Changes: {html.escape(fields.modifications.strip().rstrip('.'))}."
    return f'<span class="credit">{body}</span>'
