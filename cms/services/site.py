"""Who publishes: the site identity that feeds, JSON-LD, the News sitemap, mails and the example
frontend all read, from one place (configuration, not content)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from cms.services.links import public
from cms.settings import Settings


@dataclass(frozen=True, slots=True)
class Site:
    name: str
    description: str
    language: str
    time_zone: ZoneInfo
    logo_url: str | None
    publisher: str
    #: The publisher's site (CMS_BASE_URL), or this CMS's example frontend when there is none.
    home_url: str
    #: Where this CMS answers (CMS_PUBLIC_URL).
    public_url: str


def site(settings: Settings) -> Site:
    return Site(
        name=settings.site_name,
        description=settings.site_description,
        language=settings.site_language,
        time_zone=ZoneInfo(settings.site_time_zone),
        logo_url=settings.site_logo_url,
        publisher=settings.site_publisher or settings.site_name,
        home_url=settings.base_url or public(settings, "/examples/peninsula/"),
        public_url=settings.public_url,
    )
