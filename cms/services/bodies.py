"""An article body as it will be saved, before saving: the editors' live preview.

The preview runs the same two steps a save runs (Markdown to HTML, then the sanitiser), so what
an editor sees is what readers get. It also says what the sanitiser took out, so nothing an
editor pasted disappears without a word.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser

from cms.services.text import html_to_text, markdown_to_html, reading_time_minutes, sanitize_html

# Why a tag or attribute is taken out, where a reason helps more than the bare fact.
_REASONS = {
    "h1": "the title is the article's only top-level heading: use `<h2>` (## in Markdown)",
    "script": "scripts never run in articles",
    "style": "styles come from the publisher's site",
    "iframe": "embedded pages are not allowed",
    "img": "images must come from the media library (a /media/ address)",
    "form": "forms are not allowed",
    "input": "forms are not allowed",
    "button": "forms are not allowed",
}
_ESCAPED_TAG = re.compile(r"&lt;/?[A-Za-z][A-Za-z0-9-]*")
_CODE = re.compile(r"<(pre|code)>.*?</\1>", re.DOTALL)


class _Census(HTMLParser):
    """Counts elements and (element, attribute) pairs; comments too."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.attributes: Counter[tuple[str, str]] = Counter()
        self.comments = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        for name, _value in attrs:
            self.attributes[(tag, name)] += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data: str) -> None:
        self.comments += 1


def _census(markup: str) -> _Census:
    census = _Census()
    census.feed(markup)
    census.close()
    return census


def _times(n: int) -> str:
    return "" if n == 1 else f" ({n} times)"


def removed(raw: str, clean: str) -> list[str]:
    """What the sanitiser took out of ``raw``, one sentence each, in the order of the first loss."""
    before, after = _census(raw), _census(clean)
    notes: list[str] = []
    for tag, n in before.tags.items():
        lost = n - after.tags.get(tag, 0)
        if lost > 0:
            reason = _REASONS.get(tag)
            notes.append(f"`<{tag}>` removed{_times(lost)}" + (f": {reason}" if reason else ""))
    for (tag, name), n in before.attributes.items():
        lost = n - after.attributes.get((tag, name), 0)
        if lost > 0 and after.tags.get(tag, 0) > 0:
            why = ""
            if name.startswith("on"):
                why = ": event handlers never run in articles"
            elif name == "href":
                why = ": links may be http, https or mailto addresses only"
            notes.append(f"`{name}` attribute of `<{tag}>` removed{_times(lost)}{why}")
    if before.comments:
        notes.append(f"HTML comment removed{_times(before.comments)}")
    return notes


@dataclass(frozen=True)
class Preview:
    html: str
    text: str
    reading_time_minutes: int
    removed: list[str]


def preview(*, body_html: str | None = None, body_markdown: str | None = None) -> Preview:
    """The body as a save would store it, and what was lost on the way."""
    raw = markdown_to_html(body_markdown) if body_markdown is not None else (body_html or "")
    clean = sanitize_html(raw)
    notes = removed(raw, clean)
    if body_markdown is not None and _ESCAPED_TAG.search(_CODE.sub("", raw)):
        notes.append("HTML tags inside Markdown are shown as text, not as markup: write them in Markdown")
    text = html_to_text(clean)
    return Preview(html=clean, text=text, reading_time_minutes=reading_time_minutes(text), removed=notes)
