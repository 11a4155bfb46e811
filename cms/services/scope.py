"""What a partner may take: its sections, and which images its licence terms let it have.

An image whose licence forbids commercial use never reaches a commercial partner; an "all rights
reserved, used with permission" image never reaches any partner, since the permission was given to
the publisher. Withheld images come back as null with the reason, wherever they would appear.
"""

from __future__ import annotations

from dataclasses import dataclass

from cms.media.licenses import LicenseFacts

NONCOMMERCIAL_LICENSE = "NONCOMMERCIAL_LICENSE"
ALL_RIGHTS_RESERVED = "ALL_RIGHTS_RESERVED"


@dataclass(frozen=True)
class Scope:
    """What one partner may take."""

    partner_id: int | None
    commercial_use: bool
    section_ids: frozenset[int] | None  # None: every section (and articles in none)
    version: int
    requests_per_minute: int | None = None

    def withheld(self, license: LicenseFacts) -> str | None:
        """Why an image under ``license`` must not reach this partner, or None."""
        if license.code == "ARR":
            return ALL_RIGHTS_RESERVED
        if self.commercial_use and not license.allows_commercial_use:
            return NONCOMMERCIAL_LICENSE
        return None

    def takes_section(self, section_id: int | None) -> bool:
        return self.section_ids is None or section_id in self.section_ids


#: A partner token that belongs to no partner gets the strictest terms.
UNKNOWN = Scope(partner_id=None, commercial_use=True, section_ids=None, version=0)
