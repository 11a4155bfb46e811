"""Rich text: what survives sanitising, and what is derived from it."""

from __future__ import annotations

import re

import pytest

from cms.services.text import html_to_text, reading_time_minutes, sanitize_html, slugify

ATTACKS = [
    "<script>alert(1)</script><p>ok</p>",
    '<img src="x" onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt&colon;alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
    "<iframe src='https://evil.example'></iframe>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    '<p style="background:url(javascript:alert(1))">styled</p>',
    "<style>body{}</style><p onclick='x()'>click</p>",
]


@pytest.mark.parametrize("raw", ATTACKS)
def test_scripts_handlers_and_dangerous_urls_never_survive(raw: str) -> None:
    clean = sanitize_html(raw).lower()
    assert "<script" not in clean
    assert not re.search(r"\son\w+=", clean)
    assert "javascript:" not in clean
    assert "data:text/html" not in clean
    assert "<iframe" not in clean
    assert "<style" not in clean
    assert "style=" not in clean


def test_editorial_markup_is_kept_and_links_get_safe_rel() -> None:
    raw = '<h2>Why</h2><p><a href="https://example.org">a <em>link</em></a></p><blockquote>q</blockquote>'
    clean = sanitize_html(raw)
    assert "<h2>Why</h2>" in clean
    assert "<em>link</em>" in clean
    assert "<blockquote>q</blockquote>" in clean
    assert 'rel="noopener noreferrer nofollow"' in clean


def test_plain_text_keeps_word_boundaries_between_blocks_and_unescapes() -> None:
    assert html_to_text("<p>One.</p><p>Two &amp; three</p><ul><li>four</li></ul>") == "One. Two & three four"


def test_reading_time_rounds_up_and_is_at_least_a_minute() -> None:
    assert reading_time_minutes("") == 1
    assert reading_time_minutes("word " * 231) == 2


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Sanctions & the Alliance!", "sanctions-the-alliance"),
        ("Élodie\u2019s café", "elodie-s-cafe"),
        ("  --  ", ""),
    ],
)
def test_slugs_are_lowercase_ascii_with_hyphens(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_body_images_must_come_from_the_media_library() -> None:
    clean = sanitize_html(
        '<p><img src="https://tracker.example/pixel.gif" alt="x"><img src="/media/r/s/h/w800.webp" alt="ok">'
        '<img src="data:image/png;base64,AAAA"></p>'
    )
    assert clean == '<p><img src="/media/r/s/h/w800.webp" alt="ok"></p>'
