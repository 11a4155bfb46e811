"""Licence rules that the API enforces, not just documents.

Framework-free: given the licence facts and what is asked, allow or raise.
"""

from __future__ import annotations

from cms.errors import Invalid, LicenseForbids
from cms.media.licenses import LicenseFacts


def check_credit(facts: LicenseFacts, *, creator: str, title: str, source_url: str) -> None:
    """A credit complete enough for the licence it is used under.

    CC licences that require attribution need the author and something that
    identifies the work (its title or where it came from); CC0, the PDM and
    US Government works need nothing; ARR needs the rights holder who gave permission.
    """
    if facts.code == "ARR":
        if not creator.strip():
            raise Invalid("an all-rights-reserved image needs its rights holder as creator", field="creator")
        return
    if not facts.requires_attribution:
        return
    if not creator.strip():
        raise Invalid(f"{facts.name} requires attribution: give the creator", field="creator")
    if not title.strip() and not source_url.strip():
        raise Invalid(
            f"{facts.name} requires attribution: give the image's title or its source URL",
            field="sourceUrl",
        )


def crop_forbidden(facts: LicenseFacts) -> LicenseForbids:
    """The refusal of a crop of an image whose licence forbids adaptations (-ND, and ARR).

    Why crops and not resizes: CC licences let anyone exercise the licensed rights
    "in any format or medium", and such format changes "are not considered
    adaptations" (CC FAQ, "When is my use considered an adaptation?"; 4.0 s.2(a)(4):
    technical modifications "never produce Adapted Material"). Resizing and
    re-encoding are such technical changes. Cropping is not addressed by the FAQ and
    falls under the general test, where a crop that reframes the picture can be an
    adaptation; we do not decide that per image, so -ND images are never cropped.
    Letterboxing (CONTAIN) fills the same slot without changing the work.
    """
    return LicenseForbids(
        f"the image is licensed under {facts.name}, which does not allow adaptations: it cannot be "
        "cropped to another aspect ratio. Use fit SCALE_DOWN or CONTAIN (letterbox) instead, or "
        "give `fallback: CONTAIN` to get a letterbox whenever a crop is not allowed",
        field="fit",
    )
