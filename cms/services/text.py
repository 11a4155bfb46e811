"""Rich text: sanitising HTML on write, and what is derived from it."""

from __future__ import annotations

import html
import math
import re
import unicodedata
from urllib.parse import urlsplit

import nh3
from anyascii import anyascii
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p",
    "br",
    "h2",
    "h3",
    "h4",
    "a",
    "em",
    "strong",
    "b",
    "i",
    "u",
    "s",
    "sub",
    "sup",
    "ul",
    "ol",
    "li",
    "blockquote",
    "figure",
    "figcaption",
    "img",
    "code",
    "pre",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "cite",
    "q",
    "abbr",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "abbr": {"title"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
WORDS_PER_MINUTE = 230

_BLOCK = re.compile(r"<(?:/?(?:p|h\d|li|blockquote|figcaption|tr|pre|td|th)\b[^>]*|br\s*/?)>", re.IGNORECASE)
_EMPTY_IMG = re.compile(r"<img(?![^>]*\bsrc=)[^>]*>")


def _own_media_only(tag: str, attribute: str, value: str) -> str | None:
    # Images in bodies come from the media library (a /media/... path), so a body can
    # neither track readers through third-party pixels nor show images without credits.
    if tag == "img" and attribute == "src":
        parts = urlsplit(value)
        if parts.scheme not in ("", "http", "https") or not parts.path.startswith("/media/"):
            return None
    return value


def sanitize_html(raw: str) -> str:
    """Keep an allow-list of tags; scripts, styles, event handlers and javascript: URLs never survive."""
    clean: str = nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_own_media_only,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    # An image whose source was dropped is an empty box: take it out.
    return _EMPTY_IMG.sub("", clean)


def html_to_text(clean_html: str) -> str:
    return " ".join(_words(clean_html))


def _words(clean_html: str) -> list[str]:
    spaced = _BLOCK.sub(" ", clean_html)
    stripped = nh3.clean(spaced, tags=set(), attributes={})
    # str.split() breaks on exactly the characters re's \s matches, at a quarter of the cost.
    return html.unescape(stripped).split()


def reading_time_minutes(text: str) -> int:
    return _minutes(len(text.split()))


def _minutes(words: int) -> int:
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def derive_bodies(bodies: list[str]) -> list[tuple[str, str, int]]:
    """Each raw body as stored: sanitised HTML, its plain text and reading time.

    A module-level function of plain values, so that an import can run it in a helper process."""
    derived = []
    for raw in bodies:
        clean = sanitize_html(raw)
        words = _words(clean)
        derived.append((clean, " ".join(words), _minutes(len(words))))
    return derived


def summarise(text: str, *, limit: int = 280) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "…"


def slugify(value: str, *, max_length: int = 200) -> str:
    """Lowercase ASCII words joined by hyphens; other scripts are transliterated ("통일" → "tongil")."""
    ascii_text = anyascii(unicodedata.normalize("NFKC", value))
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False})


def markdown_to_html(source: str) -> str:
    """Markdown to HTML; raw HTML inside the Markdown is escaped, not passed through."""
    return str(_MARKDOWN.render(source))


# Characters XML 1.0 cannot carry at all (C0 controls but tab and newlines, lone surrogates,
# U+FFFE/U+FFFF), plus C1 controls, which XML allows but feed readers and mail choke on.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def xml_safe(value: str) -> str:
    """``value`` with the characters no XML document (feed, sitemap) may contain taken out."""
    return _NOT_XML.sub("", value)
