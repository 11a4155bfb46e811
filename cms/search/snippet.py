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
import itertools
import re
from dataclasses import dataclass
from functools import lru_cache

from cms.search.query import SearchQuery
from cms.search.text import TOKEN, fold, normal, term_of

WINDOW = 30  # words
LEAD = 5  # words of context before the first hit
_WINDOW_CHARS = 150
ELLIPSIS = "…"
_SPACE = re.compile(r"\s+")
_WINDOW = re.compile(rf"[^\W_]+(?:[\W_]+[^\W_]+){{0,{WINDOW - 1}}}")


@lru_cache(maxsize=1)
def _folding() -> dict[int, str]:
    """A length-keeping fold for str.translate: each character to one lower-case,
    unaccented character where there is one ("É" -> "e", "Ü" -> "u")."""
    table: dict[int, str] = {}
    for code in range(0x41, 0x2000):
        ch = chr(code)
        folded = fold(ch)
        if len(folded) == 1 and folded != ch:
            table[code] = folded
    return table


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
        self.roots = {s[: max(1, len(s) - 1)] for s in self.stems}

    def _words(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, stem) of the words in ``text`` that stem to a query term, in order."""
        folded = text.translate(_folding())
        found: dict[int, tuple[int, int, str]] = {}
        for root in self.roots:
            at = folded.find(root)
            while at >= 0:
                if at not in found and not (at > 0 and folded[at - 1].isalnum()):
                    match = TOKEN.match(text, at)
                    if match is not None and (stem := term_of(match.group())) in self.stems:
                        found[at] = (at, match.end(), stem)
                at = folded.find(root, at + 1)
        return [found[at] for at in sorted(found)]

    def _hits(self, text: str) -> list[_Hit]:
        words = self._words(text)
        hits = []
        for i, (start, _, _) in enumerate(words):
            for t, phrase in enumerate(self.phrases):
                run = words[i : i + len(phrase)]
                if (
                    len(run) == len(phrase)
                    and all(w[2] == s for w, s in zip(run, phrase, strict=True))
                    and all(not TOKEN.search(text, a[1], b[0]) for a, b in itertools.pairwise(run))
                ):
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
            if text and (hits := self._hits(text := normal(text))):
                return _passage(text, hits)
        return _passage(normal(body or summary or title or ""), [])


def _window_end(text: str, start: int) -> tuple[int, bool, int]:
    """Where WINDOW words from ``start`` end, whether words follow, and how many it has."""
    match = _WINDOW.search(text, start)
    if match is None:
        return start, False, 0
    found = len(TOKEN.findall(text, match.start(), match.end()))
    return match.end(), TOKEN.search(text, match.end()) is not None, found


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
    # The anchor: the hit that starts the stretch of about a window's length with
    # the most different terms (characters stand in for words here; the window
    # itself is then cut at word boundaries).
    anchor, best_score = first.start(), -1
    for hit in hits:
        score = len({h.term for h in hits if hit.start <= h.start < hit.start + _WINDOW_CHARS})
        if score > best_score:
            anchor, best_score = hit.start, score
    best_start = _window_start(text, anchor) if hits else first.start()
    best_end, more, words = _window_end(text, best_start)
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
