"""Credit lines and TASL attributions, rendered from an image's credit fields.

TASL (Title, Author, Source, Licence) is Creative Commons' recommended practice.
Every field is escaped in the HTML form; links appear only where a URL exists.

Wording rules, so that every mix of present and absent fields reads as English:

- A URL follows, in parentheses, the thing it belongs to: the creator's page after
  the creator's name, the work's page after the source's name (or after the title
  when no source is named), the deed after the licence. A source URL right after
  the creator's name would read as the creator's own page.
- The source is "on Flickr" for Flickr, "from <name>" otherwise, and is not
  repeated when it names the creator ("by NASA from NASA").
- What is said about the licence depends on what it is: CC licences are "licensed
  under", CC0 and the Public Domain Mark are "marked with" (neither is a licence),
  a US Government work "is a United States Government Work", a Flickr Commons image
  "has no known copyright restrictions", and an ARR image "is used with permission".
- Possessives and articles follow ``cms.wording``: "Chip Works' photostream".
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import urlsplit

from cms.wording import indefinite, possessive

_PUBLIC_DOMAIN_TOOLS = frozenset({"CC0-1.0", "CC-PDM-1.0"})
_FLICKR_HOSTS = ("flickr.com", "flic.kr")


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


@dataclass(frozen=True)
class _Parts:
    """The fields as they are said: trimmed, unsafe links dropped, the source worked out."""

    title: str
    creator: str
    creator_url: str
    source: str
    source_url: str
    on_flickr: bool
    modifications: str


def _web(url: str | None) -> str:
    url = (url or "").strip()
    return url if urlsplit(url).scheme in {"http", "https"} else ""


def _flickr_url(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == h or host.endswith("." + h) for h in _FLICKR_HOSTS)


def _parts(fields: CreditFields) -> _Parts:
    creator = fields.creator.strip()
    source_url = _web(fields.source_url)
    source = fields.source_name.strip() or ("Flickr" if _flickr_url(source_url) else "")
    on_flickr = source.casefold() == "flickr"
    if source.casefold() == creator.casefold():
        source, on_flickr = "", False  # "Image by NASA via NASA" says nothing twice over
    return _Parts(
        title=fields.title.strip(),
        creator=creator,
        creator_url=_web(fields.creator_url) if creator else "",
        source=source,
        source_url=source_url,
        on_flickr=on_flickr,
        modifications=fields.modifications.strip().rstrip("."),
    )


def credit_line(fields: CreditFields) -> str:
    """The publisher's house style: "Image from X's photostream on Flickr (CC BY 2.0)"."""
    p = _parts(fields)
    arr = fields.license_code == "ARR"
    if p.creator and p.on_flickr:
        lead = f"Image from {possessive(p.creator)} photostream on Flickr"
    elif p.creator:
        lead = f"Image {'©' if arr else 'by'} {p.creator}" + (f" via {p.source}" if p.source else "")
    elif p.source:
        lead = f"Image from {p.source}"
    else:
        lead = ""
    if arr and lead:
        return f"{lead}, all rights reserved, used with permission"
    if arr:
        return "Image used with permission, all rights reserved"
    if lead:
        return f"{lead} ({fields.license_name})"
    # Nobody to credit: say what the licence makes of the image rather than "Image (CC0 1.0)".
    if fields.license_code in _PUBLIC_DOMAIN_TOOLS or fields.is_public_domain:
        return f"Public-domain image ({fields.license_name})"
    if fields.license_code == "NKCR":
        return "Image with no known copyright restrictions"
    return f"Image licensed under {fields.license_name}"


def _licence(fields: CreditFields, *, participle: bool) -> tuple[str, str, str]:
    """What is said about the licence: (words before its name, its name, its URL).

    ``participle`` gives the form that follows "Cropped from ...,": "licensed under"
    rather than "is licensed under".
    """
    name, url = fields.license_name, _web(fields.license_url)
    code = fields.license_code
    if code == "ARR":
        return ("used" if participle else "is used") + " with permission (all rights reserved)", "", ""
    if code in _PUBLIC_DOMAIN_TOOLS:
        return ("marked with" if participle else "is marked with"), name, url
    if fields.is_public_domain:  # a statement such as "United States Government Work"
        article = indefinite(name).split(" ", 1)[0]
        return (article if participle else f"is {article}"), name, url
    if code == "NKCR":
        return ("with" if participle else "has"), name[:1].lower() + name[1:], url
    return ("licensed under" if participle else "is licensed under"), name, url


def attribution_text(fields: CreditFields, *, modified: bool = False) -> str:
    """TASL in plain text: '"Title" by Creator (creator URL) on Flickr (source URL) is
    licensed under CC BY 2.0 (deed URL).' A crop says "Cropped from ..." (4.0 requires it)."""
    p = _parts(fields)
    subject = f'"{p.title}"' if p.title else ("an image" if modified else "This image")
    words = [f"Cropped from {subject}" if modified else subject]
    if p.source_url and not p.source:
        words.append(f"({p.source_url})")
    if p.creator:
        words.append(f"by {p.creator}" + (f" ({p.creator_url})" if p.creator_url else ""))
    if p.source:
        words.append(f"{'on' if p.on_flickr else 'from'} {p.source}")
        if p.source_url:
            words.append(f"({p.source_url})")
    lead, name, url = _licence(fields, participle=modified)
    claim = " ".join(part for part in (lead, name, f"({url})" if url else "") if part)
    text = " ".join(words) + ("," if modified else "") + f" {claim}."
    if p.modifications:
        text += f" Changes: {p.modifications}."
    return text


def _link(text: str, url: str, rel: str | None = None) -> str:
    if not _web(url):
        return html.escape(text)
    rel_attr = f' rel="{rel}"' if rel else ""
    return f'<a href="{html.escape(_web(url))}"{rel_attr}>{html.escape(text)}</a>'


def attribution_html(fields: CreditFields, *, modified: bool = False) -> str:
    """The same attribution as HTML: the title links to the source, the creator to their
    page and the licence to its deed (``rel="license"``), as CC's examples do."""
    p = _parts(fields)
    if p.source_url:
        subject = _link(p.title or ("an image" if modified else "This image"), p.source_url)
    else:
        subject = html.escape(f'"{p.title}"' if p.title else ("an image" if modified else "This image"))
    words = [f"Cropped from {subject}" if modified else subject]
    if p.creator:
        words.append("by " + _link(p.creator, p.creator_url))
    if p.source:
        words.append(f"{'on' if p.on_flickr else 'from'} {html.escape(p.source)}")
    lead, name, url = _licence(fields, participle=modified)
    claim = " ".join(part for part in (lead, _link(name, url, rel="license") if name else "") if part)
    body = " ".join(words) + ("," if modified else "") + f" {claim}."
    if p.modifications:
        body += f" Changes: {html.escape(p.modifications)}."
    return f'<span class="credit">{body}</span>'


def copyright_notice(fields: CreditFields) -> str | None:
    """Who holds the copyright, as schema.org's ``copyrightNotice`` says it: "© Jane Example";
    None for public-domain works and images with no known restrictions (nobody holds one)."""
    code = fields.license_code
    if code in _PUBLIC_DOMAIN_TOOLS or code == "NKCR" or fields.is_public_domain:
        return None
    p = _parts(fields)
    holder = p.creator or p.source
    if fields.license_code == "ARR":
        return f"© {holder}, all rights reserved" if holder else "All rights reserved"
    return f"© {holder}" if holder else None
