"""Credit lines and TASL attributions as readers will see them."""

from __future__ import annotations

import pytest

from cms.media.credits import CreditFields, attribution_html, attribution_text, credit_line
from cms.media.licenses import facts_for


def fields(code: str = "CC-BY-2.0", **overrides: str) -> CreditFields:
    facts = facts_for(code)
    assert facts is not None
    values = {
        "title": "Harbour at Dusk",
        "creator": "Jane Example",
        "creator_url": "https://example.org/jane",
        "source_name": "Flickr",
        "source_url": "https://www.flickr.com/photos/jane/1",
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


def test_flickr_credit_line_names_the_photostream() -> None:
    assert credit_line(fields(creator="Mariusz Kluzniak", code="CC-BY-NC-2.0")) == (
        "Image from Mariusz Kluzniak's photostream on Flickr (CC BY-NC 2.0)"
    )


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"source_name": "Wikimedia Commons"}, "Image by Jane Example via Wikimedia Commons (CC BY 2.0)"),
        ({"source_name": ""}, "Image by Jane Example (CC BY 2.0)"),
        ({"creator": "", "source_name": "NASA"}, "Image from NASA (CC BY 2.0)"),
        ({"creator": "NASA", "source_name": "nasa"}, "Image by NASA (CC BY 2.0)"),
        ({"creator": "", "source_name": ""}, "Image (CC BY 2.0)"),
    ],
)
def test_credit_line_uses_what_was_supplied_and_never_invents(
    overrides: dict[str, str], expected: str
) -> None:
    assert credit_line(fields(**overrides)) == expected


def test_all_rights_reserved_says_so() -> None:
    line = credit_line(fields("ARR", creator="Lee Agency", source_name="Lee Agency"))
    assert line == "Image © Lee Agency, all rights reserved, used with permission"


def test_tasl_text_has_title_author_source_and_licence_with_link() -> None:
    assert attribution_text(fields("CC-BY-SA-4.0")) == (
        '"Harbour at Dusk" by Jane Example (https://www.flickr.com/photos/jane/1) is licensed under '
        "CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/)."
    )


def test_cropped_attribution_says_it_was_cropped() -> None:
    text = attribution_text(fields("CC-BY-4.0"), modified=True)
    assert text.startswith('Cropped from "Harbour at Dusk" by Jane Example')
    assert "Cropped from" in attribution_html(fields("CC-BY-4.0"), modified=True)


def test_public_domain_tools_are_marked_not_licensed() -> None:
    assert "is marked with CC0 1.0" in attribution_text(fields("CC0-1.0"))
    assert "is marked with Public Domain Mark 1.0" in attribution_text(fields("CC-PDM-1.0"))


def test_html_attribution_links_each_part_and_marks_the_licence() -> None:
    html = attribution_html(fields("CC-BY-SA-4.0"))
    assert '<a href="https://www.flickr.com/photos/jane/1">Harbour at Dusk</a>' in html
    assert '<a href="https://example.org/jane">Jane Example</a>' in html
    assert '<a href="https://creativecommons.org/licenses/by-sa/4.0/" rel="license">CC BY-SA 4.0</a>' in html


def test_html_attribution_escapes_every_field_and_drops_unsafe_links() -> None:
    html = attribution_html(
        fields(
            title="<script>alert(1)</script>", creator='"><img onerror=x>', source_url="javascript:alert(1)"
        )
    )
    assert "<script>" not in html
    assert "<img" not in html
    assert "javascript:" not in html
    assert "&lt;script&gt;" in html


def test_modifications_note_is_carried() -> None:
    assert attribution_text(fields(modifications="colour corrected")).endswith("Changes: colour corrected.")
