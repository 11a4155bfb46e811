"""Snippets: one rule, in Python, for both backends.

The passage comes from the first field with a hit, in this order: the body, the
summary, the title; so every snippet of a hit shows at least one marked word. It
is the window of about 30 words holding the most different query terms (the
earliest such window), with a few words before the first hit. "…" stands for
text cut at either end. Phrases are marked as one span; everything else is
HTML-escaped. A field short enough to fit is shown whole.

Finding hits is cheap: a regular expression finds the words that could stem to a
query term (a stem, less its last two letters, is always the start of its words),
and only those are stemmed.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from cms.search.query import SearchQuery
from cms.search.text import TOKEN, term_of

WINDOW = 30  # words
LEAD = 5  # words of context before the first hit
ELLIPSIS = "…"
_SPACE = re.compile(r"\s+")
_TOKEN_CHAR = r"[^\W_]|[\u0300-\u036f]"


@lru_cache(maxsize=1)
def _variants() -> dict[str, str]:
    """For each ASCII letter, the accented Latin letters that fold to it."""
    table: dict[str, list[str]] = {}
    for code in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        ch = chr(code)
        base = unicodedata.normalize("NFD", ch)[0].lower()
        if base.isascii() and base.isalpha() and base != ch.lower():
            table.setdefault(base, []).append(ch)
    return {base: "".join(chars) for base, chars in table.items()}


def _root_pattern(root: str) -> str:
    variants = _variants()
    parts = []
    for ch in root:
        extra = variants.get(ch, "")
        parts.append(f"[{re.escape(ch)}{extra}][\u0300-\u036f]*" if extra else re.escape(ch))
    return "".join(parts)


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    term: int  # index of the query term


class Highlighter:
    """Marks a query's terms in article text; built once per search."""

    def __init__(self, query: SearchQuery) -> None:
        self.phrases = [tuple(term_of(w) for w in term.words) for term in query.terms()]
        self.stems = {s for phrase in self.phrases for s in phrase}
        roots = sorted({s[: max(1, len(s) - 2)] for s in self.stems}, key=len, reverse=True)
        alternatives = "|".join(_root_pattern(r) for r in roots)
        self._candidates = re.compile(rf"(?<![^\W_])(?:{alternatives})(?:{_TOKEN_CHAR})*", re.IGNORECASE)

    def _hits(self, text: str) -> list[_Hit]:
        words = [
            (m.start(), m.end(), stem)
            for m in self._candidates.finditer(text)
            if (stem := term_of(m.group())) in self.stems
        ]
        hits = []
        for i, (start, _, _) in enumerate(words):
            for t, phrase in enumerate(self.phrases):
                run = words[i : i + len(phrase)]
                if len(run) == len(phrase) and all(w[2] == s for w, s in zip(run, phrase, strict=True)):
                    if all(not TOKEN.search(text, a[1], b[0]) for a, b in zip(run, run[1:], strict=False)):
                        hits.append(_Hit(start, run[-1][1], t))
        # A phrase's words are hits only as the phrase: drop single words inside longer hits.
        hits.sort(key=lambda h: (h.start, -h.end))
        kept: list[_Hit] = []
        for hit in hits:
            if not kept or hit.start >= kept[-1].end:
                kept.append(hit)
        return kept

    def snippet(self, title: str, summary: str, body: str) -> str:
        for text in (body, summary, title):
            if text and (hits := self._hits(text)):
                return _passage(text, hits)
        return _passage(body or summary or title or "", [])


def _window_end(text: str, start: int) -> tuple[int, bool, int]:
    """Where WINDOW words from ``start`` end, whether words follow, and how many it has."""
    end = start
    found = 0
    for match in TOKEN.finditer(text, start):
        if found == WINDOW:
            return end, True, found
        end = match.end()
        found += 1
    return end, False, found


def _fill_back(text: str, start: int, missing: int) -> int:
    """Move a window that reaches the end of the text back by up to ``missing`` words."""
    floor = max(0, start - 20 * missing)
    before = list(TOKEN.finditer(text, floor, start))
    if len(before) >= missing:
        return before[-missing].start()
    return 0 if floor == 0 or not before else before[0].start()


def _window_start(text: str, anchor: int) -> int:
    before = list(TOKEN.finditer(text, max(0, anchor - 40 * LEAD), anchor))
    return before[-LEAD].start() if len(before) >= LEAD else (before[0].start() if before else anchor)


def _passage(text: str, hits: list[_Hit]) -> str:
    first = TOKEN.search(text)
    if first is None:
        return html.escape(_SPACE.sub(" ", text).strip(), quote=False)
    best_start, best_end, more, best_score, words = first.start(), 0, False, -1, 0
    for anchor in hits[:12]:
        start = _window_start(text, anchor.start)
        end, tail, found = _window_end(text, start)
        inside = [h for h in hits if h.start >= start and h.end <= end]
        score = len({h.term for h in inside})
        if score > best_score:
            best_start, best_end, more, best_score, words = start, end, tail, score, found
    if best_score < 0:
        best_end, more, words = _window_end(text, first.start())
    if not more and words < WINDOW:
        best_start = max(first.start(), _fill_back(text, best_start, WINDOW - words))
    cut_before = best_start > first.start()
    start = best_start if cut_before else 0
    end = best_end if more else len(text)
    out: list[str] = []
    cursor = start
    for hit in hits:
        if hit.start < start or hit.end > end:
            continue
        out.append(html.escape(text[cursor : hit.start], quote=False))
        out.append(f"<mark>{html.escape(text[hit.start : hit.end], quote=False)}</mark>")
        cursor = hit.end
    out.append(html.escape(text[cursor:end], quote=False))
    passage = _SPACE.sub(" ", "".join(out)).strip()
    return f"{ELLIPSIS if cut_before else ''}{passage}{ELLIPSIS if more else ''}"
