"""Licence facts and references: the parts most likely to be got wrong."""

from __future__ import annotations

import pytest

from cms.errors import BadInput
from cms.media.licenses import catalog, facts_for, resolve_license


@pytest.mark.parametrize(
    ("flickr_id", "code"),
    [
        (1, "CC-BY-NC-SA-2.0"),
        (2, "CC-BY-NC-2.0"),
        (3, "CC-BY-NC-ND-2.0"),
        (4, "CC-BY-2.0"),
        (5, "CC-BY-SA-2.0"),
        (6, "CC-BY-ND-2.0"),
        (7, "NKCR"),
        (8, "US-GOV"),
        (9, "CC0-1.0"),
        (10, "CC-PDM-1.0"),
        (11, "CC-BY-4.0"),
        (12, "CC-BY-SA-4.0"),
        (13, "CC-BY-ND-4.0"),
        (14, "CC-BY-NC-4.0"),
        (15, "CC-BY-NC-SA-4.0"),
        (16, "CC-BY-NC-ND-4.0"),
    ],
)
def test_flickr_ids_map_by_number_including_the_2025_cc4_ids(flickr_id: int, code: str) -> None:
    assert resolve_license(flickr_id) == code
    assert resolve_license(str(flickr_id)) == code


def test_flickr_all_rights_reserved_is_not_importable() -> None:
    with pytest.raises(BadInput, match="All Rights Reserved"):
        resolve_license(0)


@pytest.mark.parametrize("value", [17, 99, "CC-BY-9.0", "GPL-3.0", "", "https://example.org/licence"])
def test_unknown_licences_are_refused_not_defaulted(value: object) -> None:
    with pytest.raises(BadInput):
        resolve_license(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("https://creativecommons.org/licenses/by/4.0/", "CC-BY-4.0"),
        ("http://creativecommons.org/licenses/by-nc-sa/2.0", "CC-BY-NC-SA-2.0"),
        ("https://creativecommons.org/licenses/by-nd/3.0/legalcode", "CC-BY-ND-3.0"),
        ("creativecommons.org/licenses/by-sa/2.5/", "CC-BY-SA-2.5"),
        ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0-1.0"),
        ("https://creativecommons.org/publicdomain/mark/1.0/deed.en", "CC-PDM-1.0"),
        ("https://www.usa.gov/government-copyright", "US-GOV"),
    ],
)
def test_deed_urls_in_any_common_spelling_resolve(url: str, code: str) -> None:
    assert resolve_license(url) == code


def test_codes_are_case_insensitive() -> None:
    assert resolve_license("cc-by-sa-4.0") == "CC-BY-SA-4.0"


def test_catalog_covers_every_cc_licence_in_four_versions_plus_tools_and_statements() -> None:
    codes = {f.code for f in catalog()}
    for version in ("2.0", "2.5", "3.0", "4.0"):
        for elements in ("BY", "BY-SA", "BY-ND", "BY-NC", "BY-NC-SA", "BY-NC-ND"):
            assert f"CC-{elements}-{version}" in codes
    assert {"CC0-1.0", "CC-PDM-1.0", "ARR", "NKCR", "US-GOV"} <= codes
    assert len(codes) == len(catalog())


def test_licence_flags_follow_their_elements() -> None:
    nc_nd = facts_for("CC-BY-NC-ND-2.0")
    assert nc_nd is not None
    assert (nc_nd.allows_commercial_use, nc_nd.allows_adaptations, nc_nd.share_alike) == (False, False, False)
    sa = facts_for("CC-BY-SA-4.0")
    assert sa is not None
    assert sa.share_alike
    assert sa.allows_commercial_use
    assert sa.requires_attribution
    cc0 = facts_for("CC0-1.0")
    assert cc0 is not None
    assert cc0.is_public_domain
    assert not cc0.requires_attribution


def test_deed_urls_are_canonical_https_with_trailing_slash() -> None:
    for facts in catalog():
        if facts.is_creative_commons:
            assert facts.url is not None
            assert facts.url.startswith("https://creativecommons.org/")
            assert facts.url.endswith("/")


def test_names_follow_cc_wording_per_version() -> None:
    assert facts_for("CC-BY-ND-4.0").full_name.endswith("NoDerivatives 4.0 International")  # type: ignore[union-attr]
    assert facts_for("CC-BY-ND-2.0").full_name.endswith("NoDerivs 2.0 Generic")  # type: ignore[union-attr]
    assert facts_for("CC-BY-3.0").full_name.endswith("3.0 Unported")  # type: ignore[union-attr]
