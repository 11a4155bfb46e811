"""Credit lines and TASL attributions as readers will see them.

Two kinds of test: a table of exact wordings for the cases people meet most, and a
sweep over every combination of present and absent fields, licences and crops that
checks each rendering reads as English (no dangling "by", no "Image (CC0 1.0)", no
source URL that reads as the creator's page) and that the HTML says what the text says.
"""

from __future__ import annotations

import itertools
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from cms.media.credits import CreditFields, attribution_html, attribution_text, credit_line
from cms.media.licenses import facts_for
from cms.wording import possessive

FLICKR_PAGE = "https://www.flickr.com/photos/jane/1"
COMMONS_PAGE = "https://commons.wikimedia.org/wiki/File:Harbour.jpg"
CREATOR_PAGE = "https://example.org/jane"


def fields(code: str = "CC-BY-2.0", **overrides: str) -> CreditFields:
    facts = facts_for(code)
    assert facts is not None
    values = {
        "title": "Harbour at Dusk",
        "creator": "Jane Example",
        "creator_url": CREATOR_PAGE,
        "source_name": "Flickr",
        "source_url": FLICKR_PAGE,
        "modifications": "",
    }
    values.update(overrides)
    return CreditFields(
        **values,
        license_code=facts.code,
        license_name=facts.name,
        license_url=facts.url,
        is_public_domain=facts.is_public_domain,
    )


# The credit line (house style)

LINES = [
    ({}, "Image from Jane Example's photostream on Flickr (CC BY 2.0)"),
    ({"creator": "Chip Works"}, "Image from Chip Works' photostream on Flickr (CC BY 2.0)"),
    ({"creator": "DVIDS"}, "Image from DVIDS' photostream on Flickr (CC BY 2.0)"),
    ({"creator": "Max Fox"}, "Image from Max Fox's photostream on Flickr (CC BY 2.0)"),
    ({"creator": "Inez Ruiz"}, "Image from Inez Ruiz's photostream on Flickr (CC BY 2.0)"),
    ({"source_name": "", "source_url": FLICKR_PAGE},
     "Image from Jane Example's photostream on Flickr (CC BY 2.0)"),
    ({"source_name": "Wikimedia Commons", "source_url": COMMONS_PAGE},
     "Image by Jane Example via Wikimedia Commons (CC BY 2.0)"),
    ({"source_name": "", "source_url": ""}, "Image by Jane Example (CC BY 2.0)"),
    ({"source_name": "", "source_url": "https://example.org/1"}, "Image by Jane Example (CC BY 2.0)"),
    ({"creator": "", "source_name": "NASA"}, "Image from NASA (CC BY 2.0)"),
    ({"creator": "", "source_url": ""}, "Image from Flickr (CC BY 2.0)"),
    ({"creator": "NASA", "source_name": "nasa", "source_url": ""}, "Image by NASA (CC BY 2.0)"),
    ({"creator": "", "source_name": "", "source_url": ""}, "Image licensed under CC BY 2.0"),
]  # fmt: skip


@pytest.mark.parametrize(("overrides", "expected"), LINES)
def test_credit_line_uses_what_was_supplied_and_never_invents(
    overrides: dict[str, str], expected: str
) -> None:
    assert credit_line(fields(**overrides)) == expected


@pytest.mark.parametrize(
    ("code", "overrides", "expected"),
    [
        ("CC-BY-NC-ND-2.0", {"creator": "Mariusz Kluzniak"},
         "Image from Mariusz Kluzniak's photostream on Flickr (CC BY-NC-ND 2.0)"),
        ("CC-BY-NC-4.0", {}, "Image from Jane Example's photostream on Flickr (CC BY-NC 4.0)"),
        ("CC0-1.0", {"creator": "", "source_name": "", "source_url": ""}, "Public-domain image (CC0 1.0)"),
        ("CC0-1.0", {"source_name": "Unsplash", "source_url": ""},
         "Image by Jane Example via Unsplash (CC0 1.0)"),
        ("CC-PDM-1.0", {"creator": "", "source_name": "National Archives", "source_url": ""},
         "Image from National Archives (Public Domain Mark 1.0)"),
        ("CC-PDM-1.0", {"creator": "", "source_name": "", "source_url": ""},
         "Public-domain image (Public Domain Mark 1.0)"),
        ("US-GOV", {"creator": "U.S. Department of Defense", "source_name": "DVIDS"},
         "Image by U.S. Department of Defense via DVIDS (United States Government Work)"),
        ("US-GOV", {"creator": "", "source_name": "", "source_url": ""},
         "Public-domain image (United States Government Work)"),
        ("NKCR", {"creator": "The Library of Congress"},
         "Image from The Library of Congress' photostream on Flickr (No known copyright restrictions)"),
        ("NKCR", {"creator": "", "source_name": "", "source_url": ""},
         "Image with no known copyright restrictions"),
        ("ARR", {"creator": "Lee Agency", "source_name": "Lee Agency"},
         "Image © Lee Agency, all rights reserved, used with permission"),
        ("ARR", {"creator": "Lee Agency", "source_name": "Getty Images"},
         "Image © Lee Agency via Getty Images, all rights reserved, used with permission"),
        ("ARR", {},
         "Image from Jane Example's photostream on Flickr, all rights reserved, used with permission"),
        ("ARR", {"creator": "", "source_name": "", "source_url": ""},
         "Image used with permission, all rights reserved"),
    ],
)  # fmt: skip
def test_credit_line_says_what_each_licence_means(
    code: str, overrides: dict[str, str], expected: str
) -> None:
    assert credit_line(fields(code, **overrides)) == expected


# The TASL attribution: exact wordings

TEXTS = [
    ("CC-BY-SA-4.0", {}, False,
     '"Harbour at Dusk" by Jane Example (https://example.org/jane) on Flickr '
     "(https://www.flickr.com/photos/jane/1) is licensed under CC BY-SA 4.0 "
     "(https://creativecommons.org/licenses/by-sa/4.0/)."),
    ("CC-BY-SA-4.0", {"creator_url": ""}, False,
     '"Harbour at Dusk" by Jane Example on Flickr (https://www.flickr.com/photos/jane/1) is licensed under '
     "CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/)."),
    ("CC-BY-4.0", {"source_name": "", "source_url": "https://example.org/photos/harbour"}, False,
     '"Harbour at Dusk" (https://example.org/photos/harbour) by Jane Example (https://example.org/jane) '
     "is licensed under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)."),
    ("CC-BY-2.0", {"title": "", "creator_url": ""}, False,
     "This image by Jane Example on Flickr (https://www.flickr.com/photos/jane/1) is licensed under "
     "CC BY 2.0 (https://creativecommons.org/licenses/by/2.0/)."),
    ("CC-BY-2.0", {"source_name": "Wikimedia Commons", "source_url": COMMONS_PAGE, "creator_url": ""}, False,
     '"Harbour at Dusk" by Jane Example from Wikimedia Commons '
     "(https://commons.wikimedia.org/wiki/File:Harbour.jpg) is licensed under CC BY 2.0 "
     "(https://creativecommons.org/licenses/by/2.0/)."),
    ("CC-BY-4.0", {"creator_url": ""}, True,
     'Cropped from "Harbour at Dusk" by Jane Example on Flickr (https://www.flickr.com/photos/jane/1), '
     "licensed under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)."),
    ("CC-BY-4.0", {"title": "", "creator_url": "", "source_url": ""}, True,
     "Cropped from an image by Jane Example on Flickr, licensed under CC BY 4.0 "
     "(https://creativecommons.org/licenses/by/4.0/)."),
    ("CC0-1.0", {"title": "", "creator": "", "source_name": "", "source_url": ""}, False,
     "This image is marked with CC0 1.0 (https://creativecommons.org/publicdomain/zero/1.0/)."),
    ("CC0-1.0", {"creator_url": "", "source_url": ""}, False,
     '"Harbour at Dusk" by Jane Example on Flickr is marked with CC0 1.0 '
     "(https://creativecommons.org/publicdomain/zero/1.0/)."),
    ("CC-PDM-1.0", {"title": "Panmunjom, 1953", "creator": "", "source_name": "National Archives",
                    "source_url": "https://catalog.archives.gov/id/1"}, False,
     '"Panmunjom, 1953" from National Archives (https://catalog.archives.gov/id/1) is marked with '
     "Public Domain Mark 1.0 (https://creativecommons.org/publicdomain/mark/1.0/)."),
    ("US-GOV", {"creator": "U.S. Navy", "creator_url": "", "source_name": "DVIDS",
                "source_url": "https://www.dvidshub.net/image/1"}, False,
     '"Harbour at Dusk" by U.S. Navy from DVIDS (https://www.dvidshub.net/image/1) is a United States '
     "Government Work (https://www.usa.gov/government-copyright)."),
    ("NKCR", {"creator": "The Library of Congress", "creator_url": ""}, False,
     '"Harbour at Dusk" by The Library of Congress on Flickr (https://www.flickr.com/photos/jane/1) has '
     "no known copyright restrictions (https://www.flickr.com/commons/usage/)."),
    ("ARR", {"creator": "Lee Agency", "creator_url": "", "source_name": "Lee Agency",
             "source_url": "https://example.org/agency/1"}, False,
     '"Harbour at Dusk" (https://example.org/agency/1) by Lee Agency is used with permission '
     "(all rights reserved)."),
    ("CC-BY-2.0", {"creator_url": "", "source_url": "", "modifications": "colour corrected."}, False,
     '"Harbour at Dusk" by Jane Example on Flickr is licensed under CC BY 2.0 '
     "(https://creativecommons.org/licenses/by/2.0/). Changes: colour corrected."),
]  # fmt: skip


@pytest.mark.parametrize(("code", "overrides", "modified", "expected"), TEXTS)
def test_tasl_text_reads_naturally(
    code: str, overrides: dict[str, str], modified: bool, expected: str
) -> None:
    assert attribution_text(fields(code, **overrides), modified=modified) == expected


def test_source_url_never_follows_the_creators_name() -> None:
    """The bug a user hit: "by Jane Example (https://flickr...)" reads as Jane's own page."""
    text = attribution_text(fields(creator_url=""))
    assert "Jane Example (https://www.flickr.com" not in text
    assert "on Flickr (https://www.flickr.com/photos/jane/1)" in text


def test_html_attribution_links_each_part_and_marks_the_licence() -> None:
    html_ = attribution_html(fields("CC-BY-SA-4.0"))
    assert html_ == (
        '<span class="credit"><a href="https://www.flickr.com/photos/jane/1">Harbour at Dusk</a> by '
        '<a href="https://example.org/jane">Jane Example</a> on Flickr is licensed under '
        '<a href="https://creativecommons.org/licenses/by-sa/4.0/" rel="license">CC BY-SA 4.0</a>.</span>'
    )


def test_html_attribution_quotes_a_title_it_cannot_link() -> None:
    html_ = attribution_html(fields("CC-BY-2.0", source_url="", creator_url=""))
    assert html_.startswith('<span class="credit">&quot;Harbour at Dusk&quot; by Jane Example on Flickr')


def test_html_attribution_escapes_every_field_and_drops_unsafe_links() -> None:
    html_ = attribution_html(
        fields(
            title="<script>alert(1)</script>", creator='"><img onerror=x>', source_url="javascript:alert(1)"
        )
    )
    assert "<script>" not in html_
    assert "<img" not in html_
    assert "javascript:" not in html_
    assert "&lt;script&gt;" in html_
    assert "javascript:" not in attribution_text(fields(source_url="javascript:alert(1)"))


# Every combination

CODES = [
    "CC-BY-2.0", "CC-BY-SA-4.0", "CC-BY-NC-4.0", "CC-BY-NC-ND-2.0", "CC0-1.0", "CC-PDM-1.0",
    "US-GOV", "NKCR", "ARR",
]  # fmt: skip
CREATORS = ["Jane Example", "Chip Works", "DVIDS", "Max Fox", "Inez Ruiz", "NASA"]  # ends in s, S, x, z
SOURCES = ["Flickr", "Wikimedia Commons", "", "same as creator"]


def combinations(code: str) -> list[CreditFields]:
    found = []
    for title, creator, creator_url, source, with_url, modifications in itertools.product(
        ["Harbour at Dusk", ""], [*CREATORS, ""], [CREATOR_PAGE, ""], SOURCES, [True, False],
        ["", "colour corrected"],
    ):  # fmt: skip
        source_name = creator if source == "same as creator" else source
        source_url = (FLICKR_PAGE if source == "Flickr" else COMMONS_PAGE) if with_url else ""
        found.append(
            fields(
                code,
                title=title,
                creator=creator,
                creator_url=creator_url,
                source_name=source_name,
                source_url=source_url,
                modifications=modifications,
            )
        )
    return found


_URL_IN_PARENS = re.compile(r" \(https?://[^)]*\)")
_AWKWARD = [
    "  ", " ,", " .", ",,", "..", ",.", "()", "( ", " )", "'s's", "s's ", "None", "Image (", "by by",
    "by from", "by on", "by via", "from from", "on on", " by,", " by.", " from,", " on,", "via,",
]  # fmt: skip


def awkward(sentence: str) -> list[str]:
    """What would make a reader stumble; URLs are left out (they may hold anything)."""
    words = _URL_IN_PARENS.sub("", sentence)
    found = [bad for bad in _AWKWARD if bad in words]
    if not (words[:1].isupper() or words.startswith('"')):
        found.append("does not start with a capital")
    return found


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.text: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open.append(tag)
        if tag not in {"span", "a"}:
            self.problems.append(f"unexpected <{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.problems.append(f"unbalanced </{tag}>")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def html_reading(markup: str) -> tuple[str, list[str]]:
    parser = _Tags()
    parser.feed(markup)
    parser.close()
    return "".join(parser.text), parser.problems + [f"unclosed <{t}>" for t in parser.open]


@pytest.mark.parametrize("modified", [False, True], ids=["as is", "cropped"])
@pytest.mark.parametrize("code", CODES)
def test_every_combination_reads_naturally(code: str, modified: bool) -> None:
    problems: list[Any] = []
    for credit in combinations(code):
        line = credit_line(credit)
        text = attribution_text(credit, modified=modified)
        markup = attribution_html(credit, modified=modified)
        said, tag_problems = html_reading(markup)
        where = (credit.title, credit.creator, credit.creator_url, credit.source_name, credit.source_url)

        def check(ok: bool, what: str, rendering: str, where: Any = where) -> None:
            if not ok:
                problems.append((what, rendering, where))

        for name, rendering in (("line", line), ("text", text), ("html", said)):
            for bad in awkward(rendering):
                check(False, f"{name}: {bad!r}", rendering)
        check(not line.endswith("."), "the line is a caption, not a sentence", line)
        check(text.endswith("."), "the attribution is a sentence", text)
        check(not tag_problems, f"html: {tag_problems}", markup)
        # The HTML says what the text says, with links where the text has URLs.
        check(said.replace('"', "") == _URL_IN_PARENS.sub("", text).replace('"', ""), "html != text", markup)
        check(text.startswith("Cropped from ") == modified, "a crop says so, and only a crop", text)
        # Everything supplied is said, and each URL follows what it belongs to.
        if credit.title:
            check(f'"{credit.title}"' in text, "the title is quoted", text)
        if credit.creator:
            check(credit.creator in line and f"by {credit.creator}" in text, "the creator is named", text)
            if credit.creator_url:
                check(f"by {credit.creator} ({credit.creator_url})" in text, "creator URL follows", text)
                check(f'href="{credit.creator_url}">{credit.creator}</a>' in markup, "creator linked", markup)
            if credit.source_url:
                check(f"{credit.creator} ({credit.source_url})" not in text, "source URL as creator's", text)
        elif credit.creator_url:
            check(credit.creator_url not in text, "a creator URL without a creator is not said", text)
        if credit.source_url:
            check(f"({credit.source_url})" in text, "the source URL is given", text)
            check(f'<a href="{credit.source_url}">' in markup, "the work links to its source", markup)
        if credit.source_name and credit.source_name != credit.creator:
            check(credit.source_name in text and credit.source_name in said, "the source is named", text)
        if credit.source_name == "Flickr" and credit.creator:
            check(f"from {possessive(credit.creator)} photostream on Flickr" in line, "photostream", line)
        if credit.modifications:
            check(text.endswith(f"Changes: {credit.modifications}."), "changes are noted", text)
        facts = facts_for(code)
        assert facts is not None
        if facts.url:
            check(f"({facts.url})." in text or f"({facts.url}). Changes:" in text, "deed URL last", text)
            check(f'href="{facts.url}" rel="license"' in markup, "the deed is linked as the licence", markup)
    assert not problems, "\n".join(map(str, problems[:20])) + f"\n({len(problems)} problems)"
