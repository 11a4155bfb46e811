"""Creative Commons licences and rights statements: the facts, as data.

Licences are modelled as (elements, version) rather than a closed list, as CC's
own tools are. Codes are SPDX ids; non-CC rights statements get short codes.
Flickr's numeric ids are mapped by number, never by name: the API's names have
changed over the years, and ids 1-6 are not in order of permissiveness.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from cms.errors import BadInput

_VERSIONS = {"2.0": "Generic", "2.5": "Generic", "3.0": "Unported", "4.0": "International"}
# element path -> (NonCommercial, NoDerivatives, ShareAlike)
_ELEMENTS: dict[str, tuple[bool, bool, bool]] = {
    "by": (False, False, False),
    "by-sa": (False, False, True),
    "by-nd": (False, True, False),
    "by-nc": (True, False, False),
    "by-nc-sa": (True, False, True),
    "by-nc-nd": (True, True, False),
}
_FLICKR_CC = {
    1: "CC-BY-NC-SA-2.0",
    2: "CC-BY-NC-2.0",
    3: "CC-BY-NC-ND-2.0",
    4: "CC-BY-2.0",
    5: "CC-BY-SA-2.0",
    6: "CC-BY-ND-2.0",
    7: "NKCR",
    8: "US-GOV",
    9: "CC0-1.0",
    10: "CC-PDM-1.0",
    11: "CC-BY-4.0",
    12: "CC-BY-SA-4.0",
    13: "CC-BY-ND-4.0",
    14: "CC-BY-NC-4.0",
    15: "CC-BY-NC-SA-4.0",
    16: "CC-BY-NC-ND-4.0",
}


@dataclass(frozen=True)
class LicenseFacts:
    code: str
    name: str
    full_name: str
    url: str | None
    version: str | None
    allows_commercial_use: bool
    allows_adaptations: bool
    share_alike: bool
    requires_attribution: bool
    is_public_domain: bool
    is_creative_commons: bool
    flickr_id: int | None
    position: int

    def row(self) -> dict[str, Any]:
        return asdict(self)


def _long_element_name(path: str, version: str) -> str:
    nd = "NoDerivatives" if version == "4.0" else "NoDerivs"
    words = {"by": "Attribution", "nc": "NonCommercial", "sa": "ShareAlike", "nd": nd}
    return "-".join(words[part] for part in path.split("-"))


def catalog() -> list[LicenseFacts]:
    """Every licence the CMS knows, most permissive CC tools first within a version."""
    flickr_by_code = {code: fid for fid, code in _FLICKR_CC.items()}
    facts: list[LicenseFacts] = []
    position = 0
    for version in ("4.0", "3.0", "2.5", "2.0"):
        for path, (nc, nd, sa) in _ELEMENTS.items():
            code = f"CC-{path.upper()}-{version}"
            position += 1
            facts.append(
                LicenseFacts(
                    code=code,
                    name=f"CC {path.upper()} {version}",
                    full_name=f"Creative Commons {_long_element_name(path, version)} {version} "
                    f"{_VERSIONS[version]}",
                    url=f"https://creativecommons.org/licenses/{path}/{version}/",
                    version=version,
                    allows_commercial_use=not nc,
                    allows_adaptations=not nd,
                    share_alike=sa,
                    requires_attribution=True,
                    is_public_domain=False,
                    is_creative_commons=True,
                    flickr_id=flickr_by_code.get(code),
                    position=position,
                )
            )

    def other(
        code: str, name: str, full_name: str, url: str | None, version: str | None, **flags: bool
    ) -> None:
        nonlocal position
        position += 1
        facts.append(
            LicenseFacts(
                code=code,
                name=name,
                full_name=full_name,
                url=url,
                version=version,
                flickr_id=flickr_by_code.get(code),
                position=position,
                **flags,
            )
        )

    # CC0 is a waiver and the PDM a label (not a legal instrument): neither needs credit,
    # though crediting stays good practice and the API still offers a line.
    other(
        "CC0-1.0",
        "CC0 1.0",
        "Creative Commons CC0 1.0 Universal Public Domain Dedication",
        "https://creativecommons.org/publicdomain/zero/1.0/",
        "1.0",
        allows_commercial_use=True,
        allows_adaptations=True,
        share_alike=False,
        requires_attribution=False,
        is_public_domain=True,
        is_creative_commons=True,
    )
    other(
        "CC-PDM-1.0",
        "Public Domain Mark 1.0",
        "Public Domain Mark 1.0",
        "https://creativecommons.org/publicdomain/mark/1.0/",
        "1.0",
        allows_commercial_use=True,
        allows_adaptations=True,
        share_alike=False,
        requires_attribution=False,
        is_public_domain=True,
        is_creative_commons=True,
    )
    # Rights statements that are not CC tools. Permission given to us is not given
    # to partners, so ARR is treated as the most restrictive.
    other(
        "ARR",
        "All rights reserved",
        "All rights reserved, used with permission",
        None,
        None,
        allows_commercial_use=False,
        allows_adaptations=False,
        share_alike=False,
        requires_attribution=True,
        is_public_domain=False,
        is_creative_commons=False,
    )
    other(
        "NKCR",
        "No known copyright restrictions",
        "No known copyright restrictions (Flickr Commons)",
        "https://www.flickr.com/commons/usage/",
        None,
        allows_commercial_use=True,
        allows_adaptations=True,
        share_alike=False,
        requires_attribution=True,
        is_public_domain=False,
        is_creative_commons=False,
    )
    other(
        "US-GOV",
        "United States Government Work",
        "United States Government Work (public domain in the US)",
        "https://www.usa.gov/government-copyright",
        None,
        allows_commercial_use=True,
        allows_adaptations=True,
        share_alike=False,
        requires_attribution=False,
        is_public_domain=True,
        is_creative_commons=False,
    )
    return facts


_BY_CODE = {f.code.upper(): f for f in catalog()}
_DEED = re.compile(
    r"^(?:https?://)?(?:www\.)?creativecommons\.org/(licenses|publicdomain)/([a-z-]+)/(\d\.\d)(?:/.*)?$",
    re.IGNORECASE,
)


def facts_for(code: str) -> LicenseFacts | None:
    return _BY_CODE.get(code.strip().upper())


def resolve_license(value: str | int) -> str:
    """The licence code for a code, a Flickr numeric licence id or a deed URL.

    Fails closed: an unknown reference is refused, never defaulted to CC BY, and
    Flickr's id 0 (All Rights Reserved) is not importable.
    """
    text = str(value).strip()
    if text.isdigit():
        flickr_id = int(text)
        if flickr_id == 0:
            raise BadInput("Flickr licence 0 is All Rights Reserved: the image cannot be imported")
        if flickr_id not in _FLICKR_CC:
            raise BadInput(f"unknown Flickr licence id {flickr_id}")
        return _FLICKR_CC[flickr_id]
    if facts := facts_for(text):
        return facts.code
    if match := _DEED.match(text):
        kind, path, version = (part.lower() for part in match.groups())
        if kind == "publicdomain":
            code = {"zero": "CC0", "mark": "CC-PDM"}.get(path)
            if code and (facts := facts_for(f"{code}-{version}")):
                return facts.code
        elif path in _ELEMENTS and (facts := facts_for(f"CC-{path}-{version}")):
            return facts.code
    for facts in _BY_CODE.values():
        if facts.url and text.rstrip("/").lower() == facts.url.rstrip("/").lower():
            return facts.code
    raise BadInput(
        f"unknown licence {text!r}: give an SPDX code such as CC-BY-4.0, a Flickr id or a deed URL"
    )
